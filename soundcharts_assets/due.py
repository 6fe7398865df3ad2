"""When an audience series is due: once its next crawl can have happened, within per-source bounds.

Soundcharts re-crawls a series on a cadence (daily for song streams and monthly listeners, every 2 to 15 days
for artist social audiences) and each answer says when it last did (``related.lastCrawlDate``). A call made
before the next crawl can only return days already stored, so a series is not asked for again until:

    next crawl = lastCrawlDate + k x cadence, the first such instant at least the minimum (and one
                 cadence) after the last expected crawl the last fetch looked for
    due at     = min(next crawl, last fetch + maximum)

where the cadence is the median gap between the series' stored points, and the minimum and maximum are the
source's refresh intervals (settings). The minimum counts in crawl time: a call brings at least that much
new data (a daily series with a 48 h minimum: two days a call, even after a failed crawl), and a series
keeps its crawl's phase, not the time of day it was first fetched. Without a ``lastCrawlDate`` or a cadence (an older API version, a
variant, a 404, a one-point series) a series is due at ``last fetch + minimum``: the plain freshness window.
A series never fetched is due now. Windows still start at the last stored day, so fetching less often loses
no point, only timeliness. Intervals counted from the last fetch get an hour's slack (``EARLY_START``), so a
schedule that starts a little earlier than last time does not skip a refresh.

This module is pure (no I/O): the warehouse reads the bookkeeping in one query per chunk of uuids and asks
:meth:`RefreshPolicy.is_due` row by row.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from statistics import median

__all__ = ["RefreshPolicy", "cadence_hours", "covers", "due_at", "next_crawl"]


EARLY_START = timedelta(hours=1)
"""Slack on the intervals counted from the last fetch (not on the crawl instant): a daily or weekly
schedule's run starts a few minutes earlier or later each time, and a series fetched by the last run must
not slip to the run after next because this run began before the last one did."""

CADENCE_MIN_GAPS = 4
"""Gaps a cadence is read from at least: a young series' two or three points (a failed crawl among them)
would read a daily series as a 2-day one and skip a crawl."""


def cadence_hours(days: Sequence[date]) -> float | None:
    """The median gap between consecutive stored days, in hours; ``None`` under ``CADENCE_MIN_GAPS`` gaps."""
    ordered = sorted(set(days))
    gaps = [(b - a).days * 24.0 for a, b in zip(ordered, ordered[1:])]
    return median(gaps) if len(gaps) >= CADENCE_MIN_GAPS else None


def next_crawl(
    last_crawl_at: datetime, cadence: timedelta, fetched_at: datetime, gap: timedelta = timedelta(0)
) -> datetime:
    """The first expected crawl at least ``gap`` (and at least one cadence) after the last crawl the last
    fetch looked for.

    The last fetch looked for every expected crawl up to its own instant, found or not: a crawl it did not
    find (it failed or is late) is not waited for again, the one after it is. ``gap`` is the source's
    minimum counted in crawl time: a daily series with a 48 h minimum is asked for every second crawl, so each
    call brings two days; a 2-day series with the same minimum keeps its own phase, whatever the time of day
    it was first fetched."""
    if cadence <= timedelta(0):
        return max(last_crawl_at + gap, fetched_at)
    looked_for = max(0, math.floor((fetched_at - last_crawl_at) / cadence))
    return last_crawl_at + (looked_for + max(1, math.ceil(gap / cadence - 1e-9))) * cadence


def due_at(
    fetched_at: datetime,
    last_crawl_at: datetime | None,
    cadence: float | None,
    minimum_hours: float,
    maximum_hours: float,
) -> datetime:
    """When a series last fetched at ``fetched_at`` is due again (see the module docstring)."""
    latest = fetched_at + timedelta(hours=max(maximum_hours, minimum_hours)) - EARLY_START
    if last_crawl_at is None or not cadence:
        return fetched_at + timedelta(hours=minimum_hours) - EARLY_START
    crawl = next_crawl(last_crawl_at, timedelta(hours=cadence), fetched_at, gap=timedelta(hours=minimum_hours))
    return min(crawl, latest)


def covers(fetched_at: datetime, last_crawl_at: datetime | None, cadence: float | None, day: date) -> bool:
    """The last fetch already brought every point up to ``day`` that can exist: the next expected crawl after
    it falls after ``day``. Without a crawl date or a cadence, the fetch was made after ``day`` (a window ends
    with the day of its fetch, or, for airplay, the day before)."""
    if last_crawl_at is None or not cadence:
        return fetched_at.date() > day
    return next_crawl(last_crawl_at, timedelta(hours=cadence), fetched_at).date() > day


@dataclass(frozen=True)
class RefreshPolicy:
    """The refresh intervals per source (hours); sources not named use ``default_min``/``default_max``."""

    default_min_hours: float = 24.0
    default_max_hours: float = 360.0
    min_hours: Mapping[str, float] = field(default_factory=dict)
    max_hours: Mapping[str, float] = field(default_factory=dict)
    catch_up_until: date | None = None
    """Set for entities that left the followed charts: a series is due only until it has every point up to
    this day, the last day a chart ranked it (:func:`covers`), whatever the intervals; see :meth:`catching_up`."""

    def catching_up(self, last_ranked: date) -> RefreshPolicy:
        """The rule for a series whose entity a chart last ranked on ``last_ranked``: one last fetch if the
        ones before did not reach that day. Intervals longer than a day (airplay's week, a 48 h minimum) would
        otherwise leave a leaving song's last ranked days unfetched for good."""
        return replace(self, catch_up_until=last_ranked)

    def bounds(self, source: str) -> tuple[float, float]:
        low = self.min_hours.get(source, self.default_min_hours)
        return low, max(self.max_hours.get(source, self.default_max_hours), low)

    def is_due(
        self,
        source: str,
        now: datetime,
        fetched_at: datetime | None,
        last_crawl_at: datetime | None = None,
        cadence: float | None = None,
    ) -> bool:
        if fetched_at is None:
            return True
        if self.catch_up_until is not None:
            return not covers(fetched_at, last_crawl_at, cadence, self.catch_up_until)
        low, high = self.bounds(source)
        return now >= due_at(fetched_at, last_crawl_at, cadence, low, high)

    @property
    def longest(self) -> timedelta:
        """Every series fetched longer ago than this is due (a cheap pre-filter for the read)."""
        return timedelta(hours=max([self.default_max_hours, self.default_min_hours, *self.max_hours.values()]))

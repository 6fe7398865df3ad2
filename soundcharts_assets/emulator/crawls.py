"""When Soundcharts crawled a series: the days a point can exist on, and ``related.lastCrawlDate``.

A point for day D exists only when the series was crawled on D. Social audiences (followers) are crawled
every 2 days above 5k followers and up to every 15 days for tiny accounts (reference §6.1, §11.1); song
streams, views, Shazam counts and monthly listeners daily; airplay counts are broadcast monitoring, so every
day. A crawl fails on ~7 % of its days (the gaps clients must cope with): no point, and it is not the last
crawl either. Everything is a pure function of (seed, entity, source, day), so moving the clock only adds
crawls after the old today and never changes an earlier one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from soundcharts_assets.emulator.randomness import unit

GAP_SHARE = 0.07
LARGE_AUDIENCE = 5_000
"""Above this many followers a social account is crawled every :data:`FAST_DAYS` days."""
TINY_AUDIENCE = 100
"""At or below this many followers a social account is crawled every :data:`SLOW_DAYS` days."""
FAST_DAYS = 2
SLOW_DAYS = 15
LOOKBACK_DAYS = 400
"""How far back :meth:`Cadence.last_crawl` looks; far more than the slowest cadence plus a run of gaps."""
_EPOCH = date(2015, 1, 1)


def social_interval_days(followers: float) -> int:
    """2 days above 5k followers, 15 at or below 100, in between interpolated on a log scale."""
    if followers > LARGE_AUDIENCE:
        return FAST_DAYS
    if followers <= TINY_AUDIENCE:
        return SLOW_DAYS
    share = math.log(followers / TINY_AUDIENCE) / math.log(LARGE_AUDIENCE / TINY_AUDIENCE)
    return round(SLOW_DAYS - (SLOW_DAYS - FAST_DAYS) * share)


def failed(seed: int, key: str, source: str, day: date) -> bool:
    """The crawl of that day failed (or the data was dropped): the day has no point."""
    return unit(seed, key, source, "gap", day) < GAP_SHARE


@dataclass(frozen=True)
class Cadence:
    """The crawl schedule of one series: every ``interval`` days from a per-series phase, minus failures.

    ``key``/``source`` are the names the gap draws always used (an entity uuid and its platform, or
    ``listening``), so daily series keep exactly the days they had before cadences existed.
    """

    seed: int
    key: str
    source: str
    interval: int = 1
    since: date | None = None
    """No crawl before this day (a song's release)."""
    gaps: bool = True
    """False for sources that never miss a day (airplay counts)."""

    @property
    def phase(self) -> int:
        if self.interval == 1:
            return 0
        return int(unit(self.seed, self.key, self.source, "phase") * self.interval)

    def scheduled(self, day: date) -> bool:
        return (day - _EPOCH).days % self.interval == self.phase

    def crawled(self, day: date) -> bool:
        """A point for ``day`` exists: it was a crawl day, the crawl succeeded, the series existed."""
        if self.since is not None and day < self.since:
            return False
        return self.scheduled(day) and not self._failed(day)

    def _failed(self, day: date) -> bool:
        return self.gaps and failed(self.seed, self.key, self.source, day)

    def last_crawl(self, today: date) -> date | None:
        """The latest crawled day on or before ``today``, or None (a series that never had a point)."""
        phase, day = self.phase, today
        if self.interval > 1:  # jump to the latest scheduled day, then step by the interval
            day -= timedelta(days=((today - _EPOCH).days - phase) % self.interval)
        floor = max(today - timedelta(days=LOOKBACK_DAYS), self.since or date.min)
        while day >= floor:
            if not self._failed(day):
                return day
            day -= timedelta(days=self.interval)
        return None

    def crawl_instant(self, day: date) -> str:
        """When the crawl of ``day`` ran: a deterministic time in the early UTC hours of that day."""
        seconds = int(unit(self.seed, self.key, self.source, "crawl-time", day) * 6 * 3600)
        moment = datetime.combine(day, time(), tzinfo=timezone.utc) + timedelta(seconds=seconds)
        return moment.isoformat()

    def last_crawl_date(self, today: date) -> str | None:
        """``related.lastCrawlDate``: the instant of :meth:`last_crawl`, ISO with its offset."""
        day = self.last_crawl(today)
        return self.crawl_instant(day) if day is not None else None

"""Audience events from stored series: a jump far beyond the series' own pace, and milestones passed.

A spike compares a point's change per day with the changes of the series' previous ``baseline_days`` (28 by
default): more than ``k`` robust deviations above their median is a spike. The deviation is the mean absolute
deviation from the median over the closest 90 % of the baseline, scaled to a standard deviation for normal
noise and widened by ``1 + 4/n`` for a baseline of n changes: two earlier spikes in the window do not hide
the next, and it wavers less than the median absolute deviation, which on 28 changes underestimates often
enough to flag ~1 steady point in 20,000 at k=6 (this: fewer than 1 in 300,000 at 28 changes, ~1 in 40,000
at 12, simulated on normal noise). Per day, so a series crawled every few days compares like with like. Only jumps are alerted:
running counts (streams, views) of young songs slow down as a matter of course, which is no news.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from soundcharts_assets.alerts.events import MILESTONE, SPIKE, AlertEvent, event_key
from soundcharts_assets.sources import series_label

Points = Sequence[tuple[date, int]]
MIN_BASELINE = 12
"""Fewer changes than this in the baseline window (a young series, an account crawled every 3 days or less
often): no judgement."""
KEPT_SHARE = 0.9
SMALL_SAMPLE = 4.0
"""The deviation is widened by ``1 + SMALL_SAMPLE / n``: a short baseline underestimates it."""
_NORMAL = statistics.NormalDist()
RELATIVE_FLOOR = 1e-4
"""The deviation is at least this share of the series' level (and at least 1), so a flat series' first wiggle
is not a spike."""


@dataclass(frozen=True)
class Spike:
    day: date
    value: int
    change_per_day: float
    baseline_median: float
    baseline_sigma: float
    threshold: float
    baseline_points: int


@dataclass(frozen=True)
class Subject:
    """What a series belongs to, for the message and the identity: an artist or a song."""

    uuid: str
    name: str
    platform: str
    metric: str


def spikes(points: Points, since: date, k: float, baseline_days: int) -> Iterator[Spike]:
    """Points dated ``since`` or later whose change per day is more than ``k`` deviations above the baseline."""
    changes = [
        (day, (value - before) / max(1, (day - previous).days), value)
        for (previous, before), (day, value) in zip(points, points[1:])
    ]
    for index, (day, change, value) in enumerate(changes):
        if day < since:
            continue
        baseline = [c for d, c, _ in changes[:index] if (day - d).days <= baseline_days]
        if len(baseline) < MIN_BASELINE:
            continue
        median = statistics.median(baseline)
        sigma = max(_deviation(baseline, median), 1.0, RELATIVE_FLOOR * abs(value))
        threshold = median + k * sigma
        if change > threshold:
            yield Spike(day, value, change, median, sigma, threshold, len(baseline))


def _deviation(changes: Sequence[float], median: float) -> float:
    """The trimmed mean absolute deviation as a standard deviation (see the module's docstring)."""
    kept = math.ceil(len(changes) * KEPT_SHARE)
    closest = sorted(abs(c - median) for c in changes)[:kept]
    share = kept / len(changes)
    edge = _NORMAL.inv_cdf((1 + share) / 2) if share < 1 else math.inf
    expected = 2 * (_NORMAL.pdf(0) - (_NORMAL.pdf(edge) if share < 1 else 0.0)) / share  # E|Z| over that share
    return sum(closest) / kept / expected * (1 + SMALL_SAMPLE / len(changes))


def milestones(points: Points, since: date, thresholds: Iterable[int]) -> Iterator[tuple[int, date, int]]:
    """(milestone, day, value) for every threshold the series passed on a day dated ``since`` or later."""
    for (_, before), (day, value) in zip(points, points[1:]):
        if day >= since:
            for threshold in thresholds:
                if before < threshold <= value:
                    yield threshold, day, value


def audience_events(
    subject: Subject, points: Points, watchlists: dict[str, str], since: date, k: float, baseline_days: int,
    thresholds: Sequence[int],
) -> list[AlertEvent]:  # fmt: skip
    """The spike and milestone events of one series, for each watchlist that watches its subject."""
    series = series_label(subject.platform, subject.metric)
    found: list[AlertEvent] = []
    for spike in spikes(points, since, k, baseline_days):
        figures = {
            "series": series,
            "date": spike.day.isoformat(),
            "value": spike.value,
            "change_per_day": round(spike.change_per_day),
            "baseline_median_per_day": round(spike.baseline_median),
            "baseline_deviation": round(spike.baseline_sigma),
            "threshold_per_day": round(spike.threshold),
            "k": k,
            "baseline_days": baseline_days,
        }
        message = (
            f"{subject.name}: {series} jumped {spike.change_per_day:+,.0f}/day on {spike.day} to {spike.value:,} "
            f"(usual {spike.baseline_median:+,.0f}/day ± {spike.baseline_sigma:,.0f} over {baseline_days} days; "
            f"threshold {spike.threshold:+,.0f}/day at k={k:g})"
        )
        occurrence = f"{subject.platform}.{subject.metric}@{spike.day.isoformat()}"
        found.extend(_each(watchlists, SPIKE, subject, occurrence, spike.day, message, figures))
    for threshold, day, value in milestones(points, since, thresholds):
        figures = {"series": series, "date": day.isoformat(), "value": value, "milestone": threshold}
        message = f"{subject.name}: {series} passed {_short(threshold)} on {day} ({value:,})"
        occurrence = f"{subject.platform}.{subject.metric}>={threshold}"
        found.extend(_each(watchlists, MILESTONE, subject, occurrence, day, message, figures))
    return found


def _each(
    watchlists: dict[str, str], kind: str, subject: Subject, occurrence: str, day: date, message: str, figures: dict
) -> Iterator[AlertEvent]:
    for watchlist, why in watchlists.items():
        yield AlertEvent(
            key=event_key(watchlist, kind, None, subject.uuid, occurrence),
            watchlist=watchlist,
            kind=kind,
            chart_slug=None,
            subject_uuid=subject.uuid,
            event_date=day,
            message=message + (f" [{why}]" if why and why != subject.name else ""),
            figures={**figures, "subject": subject.name, "watched": why},
        )


def _short(number: int) -> str:
    """1000000 -> 1M, 2500000 -> 2.5M, 1000000000 -> 1B."""
    for size, suffix in ((10**9, "B"), (10**6, "M"), (10**3, "k")):
        if number >= size:
            return f"{number / size:g}{suffix}"
    return str(number)

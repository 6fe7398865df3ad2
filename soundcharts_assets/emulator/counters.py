"""What the series endpoints served, per (entity, source) and per day: the benchmark's proof of no waste.

``series_served`` counts answers per (uuid, source) pair (total answers, distinct pairs), like
``metadata_served`` counts entities. ``points_served`` counts the points those answers carried (total)
and the distinct (uuid, source, day) triples among them, so a point fetched twice shows as
``total > distinct``. Days are kept as one bit mask per pair: a fleet's worth of 90-day windows stays a few
megabytes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any

KINDS = ("song", "artist")


class DayMask:
    """A set of days as the bits of one int, rebased when an earlier day arrives."""

    __slots__ = ("base", "bits")

    def __init__(self) -> None:
        self.base: int | None = None
        self.bits = 0

    def add(self, day: date) -> None:
        ordinal = day.toordinal()
        if self.base is None:
            self.base = ordinal
        elif ordinal < self.base:
            self.bits <<= self.base - ordinal
            self.base = ordinal
        self.bits |= 1 << (ordinal - self.base)

    def __len__(self) -> int:
        return self.bits.bit_count()


class SeriesCounters:
    """Not thread-safe on its own: the state calls it under its lock."""

    def __init__(self) -> None:
        self.answers: dict[str, Counter[tuple[str, str]]] = {kind: Counter() for kind in KINDS}
        self.points: dict[str, int] = dict.fromkeys(KINDS, 0)
        self.days: dict[str, dict[tuple[str, str], DayMask]] = {kind: {} for kind in KINDS}
        self.current_stats: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}

    def served_series(self, kind: str, uuid: str, source: str, days: Iterable[date]) -> None:
        pair = (uuid, source)
        self.answers[kind][pair] += 1
        mask = self.days[kind].setdefault(pair, DayMask())
        for day in days:
            self.points[kind] += 1
            mask.add(day)

    def served_current_stats(self, kind: str, uuid: str) -> None:
        self.current_stats[kind][uuid] += 1

    def as_json(self) -> dict[str, Any]:
        return {
            "series_served": {kind: {"total": sum(c.values()), "distinct": len(c)} for kind, c in self.answers.items()},
            "points_served": {
                kind: {"total": self.points[kind], "distinct": sum(len(m) for m in self.days[kind].values())}
                for kind in KINDS
            },
            "current_stats_served": {
                kind: {"total": sum(c.values()), "distinct": len(c)} for kind, c in self.current_stats.items()
            },
        }

"""How a chart evolves from one edition to the next.

Each chart draws candidates from the popularity-weighted song pool with a platform and country bias, so hits
overlap across charts. A candidate's score wanders (an AR(1) walk) and new releases get a fading boost, so
positions drift and songs enter, leave and come back. Entry fields (oldPosition, entryState, timeOnChart,
...) are derived from the simulated history, which makes consecutive editions consistent by construction.
A few warm-up editions run before the first served one so the first served edition has a real history.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from soundcharts_assets.emulator.charts import ChartSpec
from soundcharts_assets.emulator.entities import SongRecord, iso_day
from soundcharts_assets.emulator.randomness import normal

WARMUP_EDITIONS = 20
LOCAL_BONUS = 1.2
"""How much a country chart favours songs from its country (on the log-popularity scale)."""


@dataclass(frozen=True)
class Edition:
    date: datetime
    entries: list[dict[str, Any]]


def latest_edition_day(frequency: str, today: date) -> date:
    """Daily charts end yesterday; weekly charts end on the last Friday up to yesterday."""
    day = today - timedelta(days=1)
    if frequency == "weekly":
        day -= timedelta(days=(day.weekday() - 4) % 7)
    return day


def _as_datetime(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=timezone.utc)


class ChartHistory:
    """The editions of one chart, simulated once and extended by :meth:`publish`."""

    def __init__(
        self,
        spec: ChartSpec,
        songs: list[SongRecord],
        seed: int,
        today: date,
        editions: int,
        local_bonus: float = LOCAL_BONUS,
        platform_noise: Mapping[str, float] | None = None,
        forced: Mapping[date, list[tuple[SongRecord, int]]] | None = None,
    ) -> None:
        """``platform_noise`` (song uuid -> the platform's normal draw) may be shared by the charts of a
        platform: the same numbers :func:`normal` gives, computed once. ``forced``: songs placed at a position
        of the edition of a day (scripted entries, ``script.py``)."""
        self.spec = spec
        self._forced = forced or {}
        self._local_bonus = local_bonus
        self._platform_noise = platform_noise
        self._step = timedelta(days=7 if spec.frequency == "weekly" else 1)
        self._unit = "week" if spec.frequency == "weekly" else "day"
        self._rng = random.Random(f"{seed}:{spec.slug}:walk")
        self._candidates = self._pick_candidates(songs, seed, today)
        self._walk = {s.uuid: self._rng.gauss(0, 0.38) for s in self._candidates}
        self._first_seen: dict[str, date] = {}
        self._times: dict[str, int] = {}
        self._last_position: dict[str, int] = {}
        self._previous: dict[str, int] = {}
        self._editions: list[Edition] = []
        day = latest_edition_day(spec.frequency, today) - self._step * (WARMUP_EDITIONS + editions - 1)
        for _ in range(WARMUP_EDITIONS + editions):
            self._append(day)
            day += self._step

    def _pick_candidates(self, songs: list[SongRecord], seed: int, today: date) -> list[SongRecord]:
        """The songs that can ever chart here: the strongest for this platform and country, plus newcomers."""
        spec = self.spec

        shared = self._platform_noise

        def affinity(song: SongRecord) -> float:
            noise = shared[song.uuid] if shared is not None else normal(seed, spec.platform, song.uuid)
            score = math.log(song.popularity) + 0.35 * noise
            if spec.country_code:
                score += 0.3 * normal(seed, spec.country_code, song.uuid)
                score += self._local_bonus if song.country_code == spec.country_code else 0.0
            return score

        self._affinity = {s.uuid: affinity(s) for s in songs}
        recent = today - timedelta(days=120)
        ranked = sorted(
            songs, key=lambda s: self._affinity[s.uuid] + (0.6 if s.release_date > recent else 0), reverse=True
        )
        return ranked[: spec.size * 2 + 50]

    def _score(self, song: SongRecord, day: date) -> float:
        age = (day - song.release_date).days
        fresh = 1.0 * math.exp(-age / 21)
        decay = 0.25 * math.log1p(min(age, 365) / 60)  # hits fade in their first year, then hold
        return self._affinity[song.uuid] + self._walk[song.uuid] + fresh - decay

    def _append(self, day: date) -> None:
        for uuid, value in self._walk.items():
            self._walk[uuid] = 0.85 * value + self._rng.gauss(0, 0.2)
        eligible = [s for s in self._candidates if s.release_date <= day]
        eligible.sort(key=lambda s: self._score(s, day), reverse=True)
        charted = eligible[: self.spec.size]
        for song, position in self._forced.get(day, ()):
            charted = [s for s in charted if s.uuid != song.uuid]
            charted.insert(position - 1, song)
            charted = charted[: self.spec.size]
        metrics = self._metrics(len(charted))
        entries = [
            self._entry(song, position, metrics[position - 1], day) for position, song in enumerate(charted, start=1)
        ]
        self._previous = {e["song"]["uuid"]: e["position"] for e in entries}
        self._last_position.update(self._previous)
        self._editions.append(Edition(_as_datetime(day), entries))

    def _metrics(self, count: int) -> list[int | None]:
        if not self.spec.metric:
            return [None] * count
        top = self.spec.metric_top
        values = [top * p**-0.6 * math.exp(self._rng.gauss(0, 0.04)) for p in range(1, count + 1)]
        return [round(v) for v in sorted(values, reverse=True)]

    def _entry(self, song: SongRecord, position: int, metric: int | None, day: date) -> dict[str, Any]:
        uuid = song.uuid
        if uuid in self._previous:
            old, state = self._previous[uuid], None
        elif uuid in self._last_position:
            old, state = self._last_position[uuid], "RE_ENTRY"
        else:
            old, state = 0, "NEW"
        evolution = old - position if old else 0
        if state is None:
            state = "UP" if evolution > 0 else "DOWN" if evolution < 0 else "SAME"
        self._first_seen.setdefault(uuid, day)
        self._times[uuid] = self._times.get(uuid, 0) + 1
        return {
            "song": {
                "uuid": uuid,
                "name": song.name,
                "creditName": song.credit_name,
                "imageUrl": song.object["imageUrl"],
            },
            "position": position,
            "positionEvolution": evolution,
            "metric": metric,
            "entryState": state,
            "entryDate": iso_day(self._first_seen[uuid]),
            "rankDate": iso_day(day),
            "oldPosition": old,
            "timeOnChart": self._times[uuid],
            "timeOnChartUnit": self._unit,
        }

    @property
    def editions(self) -> list[Edition]:
        """Served editions, oldest first (the warm-up ones are history only)."""
        return self._editions[WARMUP_EDITIONS:]

    def catch_up(self, latest: date) -> None:
        """Append the editions due up to ``latest`` (a moved clock); past editions stay as they are."""
        while self._editions[-1].date.date() + self._step <= latest:
            self._append(self._editions[-1].date.date() + self._step)

    def publish(self) -> datetime:
        """Simulate the next edition (a day or a week after the latest) and return its date."""
        self._append(self._editions[-1].date.date() + self._step)
        return self._editions[-1].date

    def edition_at(self, when: datetime) -> Edition | None:
        for edition in reversed(self._editions[WARMUP_EDITIONS:]):
            if edition.date == when:
                return edition
        return None

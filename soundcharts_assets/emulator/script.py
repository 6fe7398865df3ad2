"""Scripted events: an audience jump on a date, a song placed on a chart's edition, for tests and demos.

Everything else the emulator serves is a pure function of the seed; these knobs (``spikes``,
``chart_entries``, fixed at start) bend it on purpose, so a test knows which alerts must come. A spike
multiplies a series by ``factor`` from ``date`` on (a level shift: the day's change is the jump, later days
grow as before); a chart entry puts a song at ``position`` of the edition dated ``date`` (the others move
down one), and the editions after it follow from there as usual.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from soundcharts_assets.emulator.platforms import LISTENING, SOCIAL_PLATFORMS, SONG_PLATFORMS


def spike_sources(kind: str) -> tuple[str, ...]:
    """The series a spike may name: a song's platforms; an artist's social platforms and ``listening``."""
    return tuple(SONG_PLATFORMS) if kind == "song" else (*SOCIAL_PLATFORMS, LISTENING)


@dataclass(frozen=True)
class Spike:
    uuid: str
    source: str
    day: date
    factor: float


@dataclass(frozen=True)
class ChartEntry:
    chart: str
    song: str
    day: date
    position: int


def _day(raw: Any, what: str) -> date:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise ValueError(f"{what}: {raw!r} is not a date (YYYY-MM-DD)") from None


def parse_spikes(raw: Sequence[Mapping[str, Any]]) -> list[Spike]:
    """``[{"uuid", "source", "date", "factor"}]`` -> spikes; a missing field or a factor <= 0 is a ValueError."""
    spikes = []
    for item in raw:
        try:
            factor = float(item["factor"])
            spike = Spike(str(item["uuid"]), str(item["source"]), _day(item["date"], "spike"), factor)
        except (KeyError, TypeError) as error:
            raise ValueError(f"a spike needs uuid, source, date and factor: {item!r} ({error})") from None
        if not factor > 0:
            raise ValueError(f"spike factor {factor} must be above 0")
        spikes.append(spike)
    return spikes


def parse_chart_entries(raw: Sequence[Mapping[str, Any]]) -> list[ChartEntry]:
    """``[{"chart", "song", "date", "position"}]`` -> entries; a missing field or a position < 1 is a ValueError."""
    entries = []
    for item in raw:
        try:
            entry = ChartEntry(str(item["chart"]), str(item["song"]), _day(item["date"], "chart entry"), int(item["position"]))
        except (KeyError, TypeError) as error:
            raise ValueError(f"a chart entry needs chart, song, date and position: {item!r} ({error})") from None
        if entry.position < 1:
            raise ValueError(f"chart entry position {entry.position} must be 1 or more")
        entries.append(entry)
    return entries


def spike_from_text(text: str) -> dict[str, Any]:
    """``UUID:SOURCE:YYYY-MM-DD:FACTOR`` (the CLI's ``--spike``) as a knob item."""
    parts = text.split(":")
    if len(parts) != 4:
        raise ValueError(f"--spike {text!r}: use UUID:SOURCE:YYYY-MM-DD:FACTOR, e.g. <uuid>:listening:2026-12-03:1.5")
    return {"uuid": parts[0], "source": parts[1], "date": parts[2], "factor": parts[3]}


def chart_entry_from_text(text: str) -> dict[str, Any]:
    """``SLUG:SONG_UUID:YYYY-MM-DD:POSITION`` (the CLI's ``--chart-entry``) as a knob item."""
    parts = text.split(":")
    if len(parts) != 4:
        raise ValueError(f"--chart-entry {text!r}: use SLUG:SONG_UUID:YYYY-MM-DD:POSITION")
    return {"chart": parts[0], "song": parts[1], "date": parts[2], "position": parts[3]}


class Script:
    """The scripted events of one catalogue, checked against it, looked up by series and by chart."""

    def __init__(self, spikes: Sequence[Spike], entries: Sequence[ChartEntry]) -> None:
        self._spikes: dict[tuple[str, str], list[Spike]] = {}
        for spike in spikes:
            self._spikes.setdefault((spike.uuid, spike.source), []).append(spike)
        self._entries: dict[str, dict[date, list[ChartEntry]]] = {}
        for entry in entries:
            self._entries.setdefault(entry.chart, {}).setdefault(entry.day, []).append(entry)

    def check(self, songs: set[str], artists: set[str], charts: Mapping[str, int]) -> None:
        """A ValueError naming the first scripted event that names an unknown song, artist, chart or source."""
        for (uuid, source), _ in self._spikes.items():
            kind = "song" if uuid in songs else "artist" if uuid in artists else None
            if kind is None:
                raise ValueError(f"spike: no song or artist {uuid!r} in the catalogue")
            if source not in spike_sources(kind):
                article = "an" if kind == "artist" else "a"
                raise ValueError(
                    f"spike: {uuid!r} is {article} {kind}, whose sources are {', '.join(spike_sources(kind))}, "
                    f"not {source!r}"
                )
        for chart, by_day in self._entries.items():
            if chart not in charts:
                raise ValueError(f"chart entry: no chart {chart!r} in the catalogue")
            for entry in (e for entries in by_day.values() for e in entries):
                if entry.song not in songs:
                    raise ValueError(f"chart entry: no song {entry.song!r} in the catalogue")
                if entry.position > charts[chart]:
                    raise ValueError(f"chart entry: {chart} has {charts[chart]} positions, not {entry.position}")

    def factor(self, uuid: str, source: str, day: date) -> float:
        """What the series' value on ``day`` is multiplied by (1 without a spike on or before it)."""
        product = 1.0
        for spike in self._spikes.get((uuid, source), ()):
            if spike.day <= day:
                product *= spike.factor
        return product

    def has_spikes(self, uuid: str, source: str) -> bool:
        return (uuid, source) in self._spikes

    def entries(self, chart: str) -> dict[date, list[ChartEntry]]:
        return self._entries.get(chart, {})


def scaled(items: list[dict[str, Any]], factor_on: Any, fields: Sequence[str]) -> list[dict[str, Any]]:
    """Series items with ``fields`` (and each plot's ``value``) multiplied by ``factor_on(day)``."""
    for item in items:
        factor = factor_on(date.fromisoformat(str(item["date"])[:10]))
        if factor == 1.0:
            continue
        for name in fields:
            if item.get(name) is not None:
                item[name] = round(item[name] * factor)
        for plot in item.get("plots") or ():
            if plot.get("value") is not None:
                plot["value"] = round(plot["value"] * factor)
    return items

"""Typed models of Soundcharts payloads.

Payloads are parsed into these frozen dataclasses at the edge (see ``parsing.py``); the rest of the
project never touches raw JSON. Fields follow the documented v2.x shapes; optional fields are ``None``
when the API omits them or sends ``null``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

T_co = TypeVar("T_co")


@dataclass(frozen=True)
class Genre:
    root: str
    sub: tuple[str, ...] = ()


@dataclass(frozen=True)
class Label:
    name: str
    type: str | None = None


@dataclass(frozen=True)
class ArtistRef:
    """An artist as credited on a song: enough to link it and to fetch its metadata later."""

    uuid: str
    slug: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class Chart:
    slug: str
    name: str
    platform: str
    frequency: str | None = None
    country_code: str | None = None
    type: str | None = None
    max_results: int | None = None
    metric_type: str | None = None
    web_url: str | None = None


@dataclass(frozen=True)
class SongRef:
    uuid: str
    name: str | None = None
    credit_name: str | None = None
    image_url: str | None = None


@dataclass(frozen=True)
class RankingEntry:
    song: SongRef
    position: int
    old_position: int | None = None
    position_evolution: int | None = None
    metric: float | None = None
    entry_state: str | None = None
    entry_date: datetime | None = None
    rank_date: datetime | None = None
    time_on_chart: int | None = None
    time_on_chart_unit: str | None = None


@dataclass(frozen=True)
class ChartRanking:
    chart: Chart
    date: datetime
    entries: tuple[RankingEntry, ...]


@dataclass(frozen=True)
class Song:
    uuid: str
    name: str
    credit_name: str | None = None
    isrc: str | None = None
    release_date: date | None = None
    duration: int | None = None
    explicit: bool | None = None
    genres: tuple[Genre, ...] = ()
    labels: tuple[Label, ...] = ()
    artists: tuple[ArtistRef, ...] = ()
    composers: tuple[str, ...] = ()
    producers: tuple[str, ...] = ()
    language_code: str | None = None
    image_url: str | None = None


@dataclass(frozen=True)
class Artist:
    uuid: str
    name: str
    slug: str | None = None
    country_code: str | None = None
    genres: tuple[Genre, ...] = ()
    type: str | None = None
    gender: str | None = None
    career_stage: str | None = None
    birth_date: date | None = None
    city_name: str | None = None
    image_url: str | None = None


@dataclass(frozen=True)
class SongAudiencePoint:
    """One value of a song's audience on one platform id (a song can have several Spotify ids)."""

    date: date
    identifier: str
    value: int | None


@dataclass(frozen=True)
class AirplayCount:
    """Spins of a song on one radio over a window (``broadcast-groups``)."""

    radio_slug: str
    radio_name: str | None
    country_code: str | None
    play_count: int


@dataclass(frozen=True)
class ArtistAudiencePoint:
    """One value of an artist metric: ``followers``, ``likes``, ``views``... or ``monthly_listeners``."""

    date: date
    metric: str
    value: int | None


@dataclass(frozen=True)
class TeamUsage:
    """``/team/usage`` read defensively (its field names are undocumented): ``None`` where it does not say."""

    quota_remaining: int | None
    raw: dict = field(default_factory=dict, compare=False)
    monthly_quota: int | None = None
    used_this_month: int | None = None
    month: str | None = None


class Series(list[T_co]):
    """A series answer's points (a plain list to every caller) and when the API last crawled the series.

    ``last_crawl_at`` is ``related.lastCrawlDate`` of the answer's first page; ``None`` when the answer
    does not say (an older API version, a variant, a series never crawled).
    """

    last_crawl_at: datetime | None = None

    def __init__(self, points: Iterable[T_co] = (), last_crawl_at: datetime | None = None) -> None:
        super().__init__(points)
        self.last_crawl_at = last_crawl_at


@dataclass(frozen=True)
class CurrentStat:
    """The latest value of one platform from ``current/stats`` (``evolution`` over the asked period)."""

    group: str
    platform: str
    value: int | None
    date: date
    evolution: float | None = None
    percent_evolution: float | None = None


@dataclass(frozen=True)
class CurrentStats:
    """``currentstatsresponse``: every platform's latest value of one song or artist, in one call."""

    uuid: str
    period: int | None
    stats: tuple[CurrentStat, ...]

    def find(self, group: str, platform: str) -> CurrentStat | None:
        return next((s for s in self.stats if s.group == group and s.platform == platform), None)

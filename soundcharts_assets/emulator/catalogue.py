"""The synthetic catalogue: everything the emulator serves, computable by tests without HTTP.

Songs and artists are built eagerly (fast); chart histories lazily on first use, one chart at a time, so
starting a server stays cheap. Objects returned here are the very payload objects the server sends.

The catalogue owns the emulator's clock. Songs and chart histories are built relative to the ``anchor``
(the day the catalogue was built for) and never rebuilt: moving the clock forward only appends the
editions due by the new today, and series (pure functions of the day) gain the days crawled since.
"""

from __future__ import annotations

import copy
import math
import threading
from collections.abc import Mapping
from datetime import date, datetime, timezone
from typing import Any

from soundcharts_assets.emulator import series
from soundcharts_assets.emulator.charts import CHARTS, PLATFORMS, ChartSpec, fleet_charts
from soundcharts_assets.emulator.config import EmulatorConfig
from soundcharts_assets.emulator.countries import WORLD, WORLD_NAMES
from soundcharts_assets.emulator.crawls import Cadence
from soundcharts_assets.emulator.entities import ArtistRecord, SongRecord, build_artists, build_songs
from soundcharts_assets.emulator.platforms import LISTENING, SOCIAL_PLATFORMS
from soundcharts_assets.emulator.randomness import normal
from soundcharts_assets.emulator.rankings import LOCAL_BONUS, ChartHistory, Edition, latest_edition_day
from soundcharts_assets.emulator.script import Script, parse_chart_entries, parse_spikes, scaled


def utc_today() -> date:
    return datetime.now(timezone.utc).date()


class Catalogue:
    """Songs, artists, charts and their rankings for one seed. Thread-safe: the server and tests share it."""

    def __init__(
        self,
        seed: int = 7,
        song_count: int = 3000,
        artist_count: int = 1500,
        ranking_editions: int = 45,
        today: date | None = None,
        charts: int | None = None,
        crawl_cadence: bool = True,
        small_accounts: bool | None = None,
        script: Script | None = None,
    ) -> None:
        self.seed = seed
        self._fixed_today = today
        self.anchor = today or utc_today()
        """The day chart histories are built relative to: the latest daily edition is the day before."""
        self._editions = ranking_editions
        self.crawl_cadence = crawl_cadence
        """Social audiences crawled every 2 to 15 days by audience size (else daily, like the rest)."""
        self._charts: list[ChartSpec] = CHARTS if charts is None else fleet_charts(charts)
        self._charts_by_slug = {c.slug: c for c in self._charts}
        small = charts is not None if small_accounts is None else small_accounts
        if charts is None:
            self._artists = build_artists(seed, artist_count, small_accounts=small)
            self._songs = build_songs(seed, song_count, self._artists, self.anchor)
        else:
            songs, artists = fleet_pool_sizes(charts, song_count, artist_count)
            self._artists = build_artists(seed, artists, WORLD, small_accounts=small)
            self._songs = build_songs(seed, songs, self._artists, self.anchor, WORLD_NAMES)
        self._artists_by_uuid = {a.uuid: a for a in self._artists}
        self._songs_by_uuid = {s.uuid: s for s in self._songs}
        self._fleet = charts
        self._platform_noise: dict[str, dict[str, float]] = {}
        self._histories: dict[str, ChartHistory] = {}
        self._lock = threading.RLock()
        self._script = script or Script((), ())
        self._script.check(
            set(self._songs_by_uuid), set(self._artists_by_uuid), {c.slug: c.size for c in self._charts}
        )

    @classmethod
    def from_config(cls, config: EmulatorConfig) -> Catalogue:
        return cls(
            config.seed,
            config.song_count,
            config.artist_count,
            config.ranking_editions,
            config.today,
            config.charts,
            config.crawl_cadence,
            config.small_accounts,
            Script(parse_spikes(config.spikes), parse_chart_entries(config.chart_entries)),
        )

    def today(self) -> date:
        """The last day series have data for: the fixed ``today`` knob (or clock), else the real UTC date."""
        return self._fixed_today or utc_today()

    def set_today(self, day: date) -> date:
        """Move the clock to ``day`` (forward only: the past is immutable) and return it. Editions due by
        then appear on their next read; series gain the days crawled up to ``day``."""
        with self._lock:
            if day < self.today():
                raise ValueError(f"the clock only moves forward: {day} is before today {self.today()}")
            self._fixed_today = day
            return day

    # entities -----------------------------------------------------------------------------------
    def song_uuids(self) -> list[str]:
        return [s.uuid for s in self._songs]

    def artist_uuids(self) -> list[str]:
        return [a.uuid for a in self._artists]

    def song_record(self, uuid: str) -> SongRecord | None:
        return self._songs_by_uuid.get(uuid)

    def artist_record(self, uuid: str) -> ArtistRecord | None:
        return self._artists_by_uuid.get(uuid)

    def song(self, uuid: str) -> dict[str, Any] | None:
        """The v2.25 song object (a copy), or None when unknown."""
        record = self._songs_by_uuid.get(uuid)
        return copy.deepcopy(record.object) if record else None

    def artist(self, uuid: str) -> dict[str, Any] | None:
        """The v2.9 artist object (a copy), or None when unknown."""
        record = self._artists_by_uuid.get(uuid)
        return copy.deepcopy(record.object) if record else None

    # charts -------------------------------------------------------------------------------------
    def platforms(self) -> list[dict[str, str]]:
        return [{"code": code, "name": name} for code, name in PLATFORMS.items()]

    def song_charts(self, platform: str | None = None, country_code: str | None = None) -> list[dict[str, Any]]:
        return [
            c.as_object()
            for c in self._charts
            if (platform is None or c.platform == platform)
            and (country_code is None or (c.country_code or "").upper() == country_code.upper())
        ]

    def chart(self, slug: str) -> dict[str, Any] | None:
        """The chart object as in ``related.chart`` of a ranking (with its metric), or None."""
        spec = self._charts_by_slug.get(slug)
        return spec.as_object(with_metric=True) if spec else None

    def history(self, slug: str) -> ChartHistory:
        """The simulated history of a chart, built on first use and caught up with the clock. KeyError for
        an unknown slug."""
        spec = self._charts_by_slug[slug]
        with self._lock:
            if slug not in self._histories:
                forced = {
                    day: [(self._songs_by_uuid[e.song], e.position) for e in entries]
                    for day, entries in self._script.entries(slug).items()
                }
                self._histories[slug] = ChartHistory(
                    spec, self._songs, self.seed, self.anchor, self._editions, *self._fleet_tuning(spec), forced=forced
                )
            history = self._histories[slug]
            history.catch_up(latest_edition_day(spec.frequency, self.today()))
            return history

    def _fleet_tuning(self, spec: ChartSpec) -> tuple[float, Mapping[str, float] | None]:
        """A fleet's country charts favour local songs more (its pool spreads over 62 markets, so a small
        market's acts would never beat the global hits otherwise), and share per-platform draws."""
        if self._fleet is None:
            return LOCAL_BONUS, None
        if spec.platform not in self._platform_noise:
            self._platform_noise[spec.platform] = {
                s.uuid: normal(self.seed, spec.platform, s.uuid) for s in self._songs
            }
        return fleet_local_bonus(spec.country_code), self._platform_noise[spec.platform]

    def ranking_dates(self, slug: str) -> list[datetime]:
        """Edition dates, newest first (the order of ``available-rankings``)."""
        with self._lock:
            return [e.date for e in reversed(self.history(slug).editions)]

    def edition(self, slug: str, when: datetime | date | None = None) -> Edition | None:
        """The latest edition, or the one at ``when`` (an instant or a day); None when there is none."""
        with self._lock:
            history = self.history(slug)
            if when is None:
                return history.editions[-1]
            if not isinstance(when, datetime):
                when = datetime(when.year, when.month, when.day, tzinfo=timezone.utc)
            elif when.tzinfo is None:
                when = when.replace(tzinfo=timezone.utc)
            return history.edition_at(when)

    def ranking(self, slug: str, when: datetime | date | None = None) -> list[dict[str, Any]]:
        """The entries of an edition, by position (copies). KeyError for an unknown slug or date."""
        edition = self.edition(slug, when)
        if edition is None:
            raise KeyError(f"{slug} has no edition at {when}")
        return copy.deepcopy(edition.entries)

    def publish_edition(self, slug: str) -> datetime:
        """Append a newer edition to a chart (the next day or week) and return its date."""
        with self._lock:
            return self.history(slug).publish()

    # series -------------------------------------------------------------------------------------
    def song_audience(self, uuid: str, platform: str, start: date, end: date) -> list[dict[str, Any]]:
        items = series.song_audience(
            self.seed, self._songs_by_uuid[uuid], platform, start, end, self.today(), self.anchor
        )
        return self._scripted(items, uuid, platform, ())

    def broadcast_groups(self, uuid: str, start: date, end: date) -> list[dict[str, Any]]:
        return series.broadcast_groups(self.seed, self._songs_by_uuid[uuid], start, end, self.today())

    def artist_audience(self, uuid: str, platform: str, start: date, end: date) -> list[dict[str, Any]]:
        artist = self._artists_by_uuid[uuid]
        items = series.artist_audience(
            self.seed, artist, platform, start, end, self.today(), self.cadence("artist", uuid, platform), self.anchor
        )
        return self._scripted(items, uuid, platform, SOCIAL_PLATFORMS[platform].metrics)

    def monthly_listeners(self, uuid: str, start: date, end: date) -> list[dict[str, Any]]:
        items = series.monthly_listeners(self.seed, self._artists_by_uuid[uuid], start, end, self.today(), self.anchor)
        return self._scripted(items, uuid, LISTENING, ("value",))

    def _scripted(self, items: list[dict[str, Any]], uuid: str, source: str, fields: Any) -> list[dict[str, Any]]:
        """The series with its scripted spikes applied (``script.py``); unchanged without one."""
        if not self._script.has_spikes(uuid, source):
            return items
        return scaled(items, lambda day: self._script.factor(uuid, source, day), tuple(fields))

    # crawls -------------------------------------------------------------------------------------
    def cadence(self, kind: str, uuid: str, source: str) -> Cadence:
        """The crawl schedule of a series. ``kind`` is ``song`` (sources spotify, youtube, shazam, airplay)
        or ``artist`` (spotify, youtube, instagram, tiktok, listening). KeyError for an unknown uuid."""
        if kind == "song":
            song = self._songs_by_uuid[uuid]
            if source == "airplay":
                return series.airplay_cadence(self.seed, song)
            return series.song_cadence(self.seed, song, source)
        artist = self._artists_by_uuid[uuid]
        if source == LISTENING:
            return series.listening_cadence(self.seed, artist)
        return series.artist_cadence(self.seed, artist, source, by_size=self.crawl_cadence)

    def last_crawl(self, kind: str, uuid: str, source: str) -> date | None:
        """The day of the series' last crawl on or before today (its newest point), or None."""
        return self.cadence(kind, uuid, source).last_crawl(self.today())

    def last_crawl_date(self, kind: str, uuid: str, source: str) -> str | None:
        """``related.lastCrawlDate`` of the series as served today."""
        return self.cadence(kind, uuid, source).last_crawl_date(self.today())


_WEIGHTS = {code: weight for code, _, weight, _ in WORLD}


def fleet_local_bonus(country_code: str | None) -> float:
    """The default catalogue's bonus for the largest market, more for smaller ones: a small market has few
    acts of its own, yet they fill a good part of its chart (real country charts are 20 to 80 % local)."""
    if country_code is None:
        return LOCAL_BONUS
    return LOCAL_BONUS + 0.9 * math.log(max(_WEIGHTS.values()) / _WEIGHTS[country_code])


FLEET_SONGS_PER_CHART = 60
FLEET_ARTISTS_PER_CHART = 30


def fleet_pool_sizes(charts: int, song_count: int, artist_count: int) -> tuple[int, int]:
    """Songs and artists for a fleet of ``charts``: the default pool plus room for each chart's local acts
    (a country chart is mostly global hits plus a few dozen local songs, so far fewer than 200 new songs)."""
    return (
        max(song_count, 3000 + FLEET_SONGS_PER_CHART * charts),
        max(artist_count, 1500 + FLEET_ARTISTS_PER_CHART * charts),
    )

"""The synthetic catalogue: everything the emulator serves, computable by tests without HTTP.

Songs and artists are built eagerly (fast); chart histories lazily on first use, one chart at a time, so
starting a server stays cheap. Objects returned here are the very payload objects the server sends.
"""

from __future__ import annotations

import copy
import threading
from datetime import date, datetime, timezone
from typing import Any

from soundcharts_assets.emulator import series
from soundcharts_assets.emulator.charts import CHARTS, CHARTS_BY_SLUG, PLATFORMS
from soundcharts_assets.emulator.config import EmulatorConfig
from soundcharts_assets.emulator.entities import ArtistRecord, SongRecord, build_artists, build_songs
from soundcharts_assets.emulator.rankings import ChartHistory, Edition


def utc_today() -> date:
    return datetime.now(timezone.utc).date()


class Catalogue:
    """Songs, artists, charts and their rankings for one seed. Thread-safe: the server and tests share it."""

    def __init__(self, seed: int = 7, song_count: int = 3000, artist_count: int = 1500,
                 ranking_editions: int = 45, today: date | None = None) -> None:
        self.seed = seed
        self._fixed_today = today
        self.anchor = today or utc_today()
        """The day chart histories are built relative to: the latest daily edition is the day before."""
        self._editions = ranking_editions
        self._artists = build_artists(seed, artist_count)
        self._songs = build_songs(seed, song_count, self._artists, self.anchor)
        self._artists_by_uuid = {a.uuid: a for a in self._artists}
        self._songs_by_uuid = {s.uuid: s for s in self._songs}
        self._histories: dict[str, ChartHistory] = {}
        self._lock = threading.RLock()

    @classmethod
    def from_config(cls, config: EmulatorConfig) -> Catalogue:
        return cls(config.seed, config.song_count, config.artist_count, config.ranking_editions, config.today)

    def today(self) -> date:
        """The last day series have data for: the fixed ``today`` knob, else the real UTC date."""
        return self._fixed_today or utc_today()

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

    def song_charts(self, platform: str | None = None,
                    country_code: str | None = None) -> list[dict[str, Any]]:
        return [c.as_object() for c in CHARTS if (platform is None or c.platform == platform)
                and (country_code is None or (c.country_code or "").upper() == country_code.upper())]

    def chart(self, slug: str) -> dict[str, Any] | None:
        """The chart object as in ``related.chart`` of a ranking (with its metric), or None."""
        spec = CHARTS_BY_SLUG.get(slug)
        return spec.as_object(with_metric=True) if spec else None

    def history(self, slug: str) -> ChartHistory:
        """The simulated history of a chart, built on first use. KeyError for an unknown slug."""
        spec = CHARTS_BY_SLUG[slug]
        with self._lock:
            if slug not in self._histories:
                self._histories[slug] = ChartHistory(spec, self._songs, self.seed, self.anchor,
                                                     self._editions)
            return self._histories[slug]

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
        return series.song_audience(self.seed, self._songs_by_uuid[uuid], platform, start, end, self.today())

    def broadcast_groups(self, uuid: str, start: date, end: date) -> list[dict[str, Any]]:
        return series.broadcast_groups(self.seed, self._songs_by_uuid[uuid], start, end, self.today())

    def artist_audience(self, uuid: str, platform: str, start: date, end: date) -> list[dict[str, Any]]:
        artist = self._artists_by_uuid[uuid]
        return series.artist_audience(self.seed, artist, platform, start, end, self.today())

    def monthly_listeners(self, uuid: str, start: date, end: date) -> list[dict[str, Any]]:
        return series.monthly_listeners(self.seed, self._artists_by_uuid[uuid], start, end, self.today())

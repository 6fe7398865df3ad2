"""Current-stats mode (``SOUNDCHARTS_CURRENT_STATS=1``): one call per song or artist instead of one per series.

``current/stats`` gives the latest value of every platform of an entity. A series that already has history
and no gap to fill needs nothing else: the newest point is the only one it can lack. So, for the due series
of one entity:

* a series with stored history and no gap takes the current value as its point (songs: only with a single
  platform id, as current stats sum the ids). No gap: the first crawl expected after the series' last fetch
  (``due.next_crawl``, from the last crawl that fetch saw and the cadence) is on or after the current value's
  day, so no crawl can have happened in between; without that bookkeeping, the newest stored day must be at
  most one cadence before the current value's day;
* every other series (first fetch, a gap, a platform missing from the answer, a source current stats do not
  give: airplay) uses its series endpoint, which fills history.

Where a source's value sits in the answer (its list and platform) is its row's (``sources.py``).

A 403 (plan without current stats) turns the mode off for the rest of the run; the caller says so once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from soundcharts_assets.due import next_crawl
from soundcharts_assets.soundcharts.models import ArtistAudiencePoint, CurrentStats, SongAudiencePoint
from soundcharts_assets.sources import AudienceSource
from soundcharts_assets.vocabulary import EntityKind
from soundcharts_assets.warehouse import Warehouse
from soundcharts_assets.warehouse.audience import LastFetch, StoredSeries

NOT_IN_PLAN_NOTE = (
    "current stats are not in the plan (403): fell back to one series call per platform for the rest of the run"
)


@dataclass(frozen=True)
class SeriesHistory:
    """What the due series of a batch already hold, read once per batch: their newest stored day (and, for
    songs, their single platform id) and their cadence in hours."""

    stored: dict[tuple[str, str], StoredSeries]
    fetches: dict[tuple[str, str], LastFetch]

    @classmethod
    def read(
        cls, warehouse: Warehouse, entity: str, uuids: list[str], sources: Iterable[AudienceSource]
    ) -> SeriesHistory:
        wanted = list(sources)
        stored = warehouse.stored_sources(uuids, [source for source in wanted if source.current_stats])
        return cls(stored, warehouse.last_fetches(entity, uuids, [source.name for source in wanted]))

    def gap_before(self, uuid: str, source: str, day: date) -> bool:
        """Whether a crawl the series has not stored can have happened before ``day`` (a point to fill)."""
        stored = self.stored[(uuid, source)]
        if day <= stored.last_day:
            return False
        fetch = self.fetches.get((uuid, source))
        cadence = fetch.cadence_hours if fetch else None
        if fetch is not None and fetch.last_crawl_at is not None and cadence:
            expected = next_crawl(fetch.last_crawl_at, timedelta(hours=cadence), fetch.fetched_at)
            return expected.date() < day
        return (day - stored.last_day).days > max(1.0, (cadence or 24.0) / 24.0)

    def has_history(self, uuid: str, source: str) -> bool:
        return (uuid, source) in self.stored


def covered_by_current_stats(
    source: AudienceSource, uuid: str, stats: CurrentStats, history: SeriesHistory
) -> SongAudiencePoint | ArtistAudiencePoint | None:
    """The point ``stats`` gives a series with no gap to fill, or None when its series endpoint must fill it."""
    stored = history.stored.get((uuid, source.name))
    stat = stats.find(source.current_stats, source.platform) if source.current_stats else None
    if stat is None or stored is None:
        return None
    if history.gap_before(uuid, source.name, stat.date):
        return None
    if source.entity == EntityKind.SONG:
        if stored.identifier is None:  # several platform ids: current stats only have their sum
            return None
        return SongAudiencePoint(date=stat.date, identifier=stored.identifier, value=stat.value)
    return ArtistAudiencePoint(date=stat.date, metric=source.metric, value=stat.value)


def crawl_instant(day: date) -> datetime:
    """Current stats give a day, not the crawl's instant: take its start (the next crawl is due no later)."""
    return datetime.combine(day, time(0), tzinfo=timezone.utc)

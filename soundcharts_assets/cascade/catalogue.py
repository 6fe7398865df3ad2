"""The catalogue steps: song metadata, the artists credited on them, and artist metadata.

Songs and artists are shared by every chart and stored once; only missing or stale ones are fetched, 10 per
call (the API's batch size), each under a lease so overlapping runs never fetch one twice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from soundcharts_assets.cascade.leases import fetch_leased_metadata
from soundcharts_assets.cascade.pool import run_concurrently
from soundcharts_assets.cascade.report import CallMeter, StepReport
from soundcharts_assets.clock import utc_now
from soundcharts_assets.settings import FreshnessSettings
from soundcharts_assets.soundcharts.client import SoundchartsClient
from soundcharts_assets.soundcharts.pagination import BATCH_SIZE
from soundcharts_assets.vocabulary import EntityKind
from soundcharts_assets.warehouse import Warehouse
from soundcharts_assets.warehouse.upserts import chunks


@dataclass(frozen=True)
class _MetadataKind:
    """What differs between songs and artists: which ids, how to fetch, store and record a 404."""

    entity: EntityKind
    fetch: Callable[[Sequence[str]], Mapping[str, object]]
    store: Callable[[Iterable[object], datetime], int]
    record_missing: Callable[[Sequence[str], datetime], None]


def refresh_tracks(
    client: SoundchartsClient,
    warehouse: Warehouse,
    slug: str,
    freshness: FreshnessSettings,
    now: datetime | None = None,
    workers: int = 8,
    sleep: Callable[[float], None] = time.sleep,
    owner: str | None = None,
) -> StepReport:
    """Fetch metadata for the ranked songs that are missing or older than the metadata freshness window."""
    kind = _MetadataKind(
        EntityKind.SONG,
        client.get_songs,
        lambda songs, at: warehouse.upsert_songs(songs, fetched_at=at),  # type: ignore[arg-type]
        lambda missing, at: warehouse.record_missing_songs(missing, checked_at=at),
    )
    meter = CallMeter(client)
    report = _refresh_metadata(
        warehouse, kind, warehouse.ranking_song_uuids(slug), freshness, now or utc_now(), owner or slug, workers, sleep
    )
    return meter.finish(report)


def link_artists(warehouse: Warehouse, slug: str) -> StepReport:
    """Extract the credited artists of the chart's tracks into ``artists`` and ``track_artists``; no API calls."""
    credited = warehouse.credited_artists(warehouse.ranking_song_uuids(slug))
    links = warehouse.link_track_artists(credited)
    artists = {a.uuid for refs in credited.values() for a in refs}
    return StepReport(rows_written=links, reused=len(artists))


def refresh_artist_metadata(
    client: SoundchartsClient,
    warehouse: Warehouse,
    slug: str,
    freshness: FreshnessSettings,
    now: datetime | None = None,
    workers: int = 8,
    sleep: Callable[[float], None] = time.sleep,
    owner: str | None = None,
) -> StepReport:
    """Fetch metadata for the chart's artists that are stubs or older than the freshness window."""
    kind = _MetadataKind(
        EntityKind.ARTIST,
        client.get_artists,
        lambda artists, at: warehouse.upsert_artists(artists, fetched_at=at),  # type: ignore[arg-type]
        lambda missing, at: warehouse.record_missing_artists(missing, checked_at=at),
    )
    meter = CallMeter(client)
    report = _refresh_metadata(
        warehouse, kind, warehouse.chart_artist_uuids(slug), freshness, now or utc_now(), owner or slug, workers, sleep
    )
    return meter.finish(report)


def _refresh_metadata(
    warehouse: Warehouse,
    kind: _MetadataKind,
    uuids: Sequence[str],
    freshness: FreshnessSettings,
    now: datetime,
    owner: str,
    workers: int,
    sleep: Callable[[float], None],
) -> StepReport:
    """The stale ones among ``uuids``, leased then fetched 10 per call; the rest count as reused."""
    report = StepReport()
    lock = threading.Lock()

    def fetch_batch(batch: Sequence[str]) -> None:
        found = kind.fetch(batch)
        missing = [uuid for uuid in batch if uuid not in found]
        written = kind.store(found.values(), now)
        if missing:
            kind.record_missing(missing, now)
        with lock:
            report.rows_written += written
            report.fetched += len(found)
            report.not_found += len(missing)
            report.gaps.extend(f"{kind.entity} {uuid}: not found (404)" for uuid in missing)

    def fetch_leased(leased: list[str]) -> None:
        run_concurrently(chunks(leased, BATCH_SIZE), fetch_batch, workers)

    max_age = timedelta(hours=freshness.metadata_hours)
    fetch_leased_metadata(warehouse, kind.entity, uuids, max_age, now, owner, fetch_leased, sleep)
    report.reused = len(set(uuids)) - report.fetched - report.not_found
    return report

"""The catalogue steps: song metadata, the artists credited on them, and artist metadata.

Songs and artists are shared by charts and stored once. A step works over the union of its charts' entities:
only missing or due ones are fetched, 10 per call (the API's batch size), each under a lease so overlapping
runs never fetch one twice; each chart's report then tells what happened to its own entities.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from soundcharts_assets.cascade.leases import fetch_leased_metadata, new_owner
from soundcharts_assets.cascade.pool import run_concurrently
from soundcharts_assets.cascade.step_reports import ChartReports, Fleet, StepReport
from soundcharts_assets.clock import utc_now
from soundcharts_assets.settings import FreshnessSettings
from soundcharts_assets.soundcharts.client import SoundchartsClient
from soundcharts_assets.soundcharts.pagination import BATCH_SIZE
from soundcharts_assets.vocabulary import EntityKind
from soundcharts_assets.warehouse import Warehouse
from soundcharts_assets.warehouse.upserts import chunks


@dataclass(frozen=True)
class _MetadataKind:
    """What differs between songs and artists: how to fetch, store and record a 404."""

    entity: EntityKind
    step: str
    fetch: Callable[[Sequence[str]], Mapping[str, object]]
    store: Callable[[Iterable[object], datetime], int]
    record_missing: Callable[[Sequence[str], datetime], None]


@dataclass(frozen=True)
class MetadataRun:
    """When and as whom a metadata step runs: freshness, "now", the lease owner, the pool size."""

    freshness: FreshnessSettings
    now: datetime
    owner: str
    workers: int = 8
    sleep: Callable[[float], None] = time.sleep


def _run(
    freshness: FreshnessSettings, now: datetime | None, owner: str | None, workers: int, sleep: Callable[[float], None]
) -> MetadataRun:
    return MetadataRun(freshness, now or utc_now(), owner or new_owner(), workers, sleep)


def refresh_tracks(
    client: SoundchartsClient,
    warehouse: Warehouse,
    slugs: Sequence[str],
    freshness: FreshnessSettings,
    now: datetime | None = None,
    workers: int = 8,
    sleep: Callable[[float], None] = time.sleep,
    owner: str | None = None,
) -> dict[str, StepReport]:
    """Metadata for the charts' ranked songs that are missing or older than the metadata freshness window."""
    kind = _MetadataKind(
        EntityKind.SONG,
        "tracks",
        client.get_songs,
        lambda songs, at: warehouse.upsert_songs(songs, fetched_at=at),  # type: ignore[arg-type]
        lambda missing, at: warehouse.record_missing_songs(missing, checked_at=at),
    )
    fleet = Fleet({slug: warehouse.ranking_song_uuids(slug) for slug in slugs})
    return _refresh_metadata(client, warehouse, kind, fleet, _run(freshness, now, owner, workers, sleep))


def link_artists(warehouse: Warehouse, slugs: Sequence[str]) -> dict[str, StepReport]:
    """Extract the credited artists of the charts' tracks into ``artists`` and ``track_artists``; no API calls."""
    fleet = Fleet({slug: warehouse.ranking_song_uuids(slug) for slug in slugs})
    credited = warehouse.credited_artists(fleet.uuids)
    warehouse.link_track_artists(credited)
    reports: dict[str, StepReport] = {}
    for slug, songs in fleet.uuids_by_chart.items():
        links = [(song, artist.uuid) for song in songs for artist in credited.get(song, [])]
        reports[slug] = StepReport(rows_written=len(set(links)), reused=len({artist for _, artist in links}))
    return reports


def refresh_artist_metadata(
    client: SoundchartsClient,
    warehouse: Warehouse,
    slugs: Sequence[str],
    freshness: FreshnessSettings,
    now: datetime | None = None,
    workers: int = 8,
    sleep: Callable[[float], None] = time.sleep,
    owner: str | None = None,
) -> dict[str, StepReport]:
    """Metadata for the charts' artists that are stubs or older than the freshness window."""
    kind = _MetadataKind(
        EntityKind.ARTIST,
        "artist_metadata",
        client.get_artists,
        lambda artists, at: warehouse.upsert_artists(artists, fetched_at=at),  # type: ignore[arg-type]
        lambda missing, at: warehouse.record_missing_artists(missing, checked_at=at),
    )
    fleet = Fleet({slug: warehouse.chart_artist_uuids(slug) for slug in slugs})
    return _refresh_metadata(client, warehouse, kind, fleet, _run(freshness, now, owner, workers, sleep))


def _refresh_metadata(
    client: SoundchartsClient, warehouse: Warehouse, kind: _MetadataKind, fleet: Fleet, run: MetadataRun
) -> dict[str, StepReport]:
    """The due ones among the fleet's entities, leased then fetched 10 per call; the rest count as reused."""
    reports = ChartReports(client, fleet.charts, kind.step)
    max_age = timedelta(hours=run.freshness.metadata_hours)
    reports.expect(len(warehouse.due_metadata_uuids(kind.entity, fleet.uuids, max_age, run.now)))

    def fetch_batch(batch: Sequence[str]) -> None:
        found = reports.charge(fleet.owner(batch[0]), lambda: kind.fetch(batch), entities=len(batch))
        missing = [uuid for uuid in batch if uuid not in found]
        kind.store(found.values(), run.now)
        if missing:
            kind.record_missing(missing, run.now)
        for uuid in batch:
            reports.update(fleet.charts_by_uuid[uuid], _outcome(kind.entity, uuid, uuid in found))

    def fetch_leased(leased: list[str]) -> None:
        run_concurrently(chunks(leased, BATCH_SIZE), fetch_batch, run.workers)

    fetch_leased_metadata(warehouse, kind.entity, fleet.uuids, max_age, run.now, run.owner, fetch_leased, run.sleep)
    for slug, uuids in fleet.uuids_by_chart.items():
        report = reports.by_chart[slug]
        report.reused = len(set(uuids)) - report.fetched - report.not_found
    return reports.finish(warehouse, kind.step, run.now)


def _outcome(entity: EntityKind, uuid: str, found: bool) -> Callable[[StepReport], None]:
    def record(report: StepReport) -> None:
        if found:
            report.fetched += 1
            report.rows_written += 1
        else:
            report.not_found += 1
            report.gaps.append(f"{entity} {uuid}: not found (404)")

    return record

"""The chart cascade as plain functions: ranking -> tracks -> artists -> artist metadata, and audiences.

Each step asks the warehouse what is missing or stale, asks the client for exactly that, writes each answer
back as soon as it arrives (so a killed run or an exhausted quota keeps everything fetched so far), and
returns a :class:`StepReport`. Dagster assets are thin wrappers around these functions; tests call them
directly with a real client and a real warehouse.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import TypeVar

from soundcharts_assets.settings import FreshnessSettings
from soundcharts_assets.soundcharts import SoundchartsClient
from soundcharts_assets.soundcharts.errors import NotFoundError, PlanRestrictedError
from soundcharts_assets.warehouse import Warehouse

SONG_AUDIENCE_PLATFORMS: tuple[str, ...] = ("spotify", "youtube", "shazam")
AIRPLAY = "airplay"
TRACK_AUDIENCE_SOURCES: tuple[str, ...] = (*SONG_AUDIENCE_PLATFORMS, AIRPLAY)
ARTIST_AUDIENCE_PLATFORMS: tuple[str, ...] = ("spotify", "youtube", "instagram", "tiktok")
#: Spotify monthly listeners come from a separate endpoint, so freshness is tracked under its own source name.
SPOTIFY_LISTENING = "spotify_listening"
ARTIST_AUDIENCE_SOURCES: tuple[str, ...] = (*ARTIST_AUDIENCE_PLATFORMS, SPOTIFY_LISTENING)
#: Where each artist source lands: (platform, the metric that tells how far the stored series goes).
ARTIST_SOURCE_SERIES: dict[str, tuple[str, str]] = {
    **{platform: (platform, "followers") for platform in ARTIST_AUDIENCE_PLATFORMS},
    SPOTIFY_LISTENING: ("spotify", "monthly_listeners"),
}
BATCH_SIZE = 10
AIRPLAY_WINDOW_DAYS = 7
#: Audience series are leased in chunks: small enough that a dead run blocks others briefly, big enough
#: that the thread pool rarely drains between chunks.
AUDIENCE_CLAIM_CHUNK = 128
#: How often a step checks whether series another run has leased are stored yet.
CLAIM_POLL_SECONDS = 1.0

T = TypeVar("T")


@dataclass
class StepReport:
    """What one cascade step did: the figures a user sees as asset metadata."""

    rows_written: int = 0
    fetched: int = 0
    reused: int = 0
    not_found: int = 0
    not_in_plan: int = 0
    api_calls: int = 0
    quota_remaining: int | None = None
    ranking_date: datetime | None = None
    gaps: list[str] = field(default_factory=list)

    def add(self, other: StepReport) -> None:
        self.rows_written += other.rows_written
        self.fetched += other.fetched
        self.not_found += other.not_found
        self.not_in_plan += other.not_in_plan


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def chunked(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def run_concurrently(work: Iterable[T], handle: Callable[[T], None], workers: int) -> None:
    """Run ``handle`` over ``work`` on a bounded thread pool; the first exception stops the rest and is raised.

    The client bounds requests in flight and the rate; the pool only has to keep that many requests busy.
    Pending items are cancelled on the first error (e.g. quota exhausted) so no more calls are spent.
    """
    items = list(work)
    if not items:
        return
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(items)))) as pool:
        futures = [pool.submit(handle, item) for item in items]
        done, pending = wait(futures, return_when=FIRST_EXCEPTION)
        for future in pending:
            future.cancel()
        for future in futures:
            if future.done() and not future.cancelled() and future.exception() is not None:
                raise future.exception()  # type: ignore[misc]


class _CallMeter:
    """Counts the calls a step spends, from the client's own counter."""

    def __init__(self, client: SoundchartsClient) -> None:
        self._client = client
        self._start = client.calls_made

    def finish(self, report: StepReport) -> StepReport:
        report.api_calls = self._client.calls_made - self._start
        report.quota_remaining = self._client.quota_remaining
        return report


def refresh_ranking(
    client: SoundchartsClient, warehouse: Warehouse, slug: str, at: datetime | None = None
) -> StepReport:
    """Fetch one chart edition (the latest, or the one at ``at``) and store it; history is kept."""
    meter = _CallMeter(client)
    ranking = client.get_chart_ranking(slug, at)
    report = StepReport(ranking_date=ranking.date, fetched=len(ranking.entries))
    report.rows_written = warehouse.write_ranking(ranking)
    return meter.finish(report)


def _refresh_metadata_in_batches(
    kind: str,
    stale: Sequence[str],
    fetch: Callable[[Sequence[str]], Mapping[str, object]],
    store: Callable[[Iterable[object]], int],
    record_missing: Callable[[Sequence[str]], None],
    report: StepReport,
    workers: int,
) -> None:
    """Fetch ``stale`` ids 10 per call, storing each batch (and its 404s) as soon as it arrives."""
    lock = threading.Lock()

    def fetch_batch(batch: Sequence[str]) -> None:
        found = fetch(batch)
        missing = [uuid for uuid in batch if uuid not in found]
        written = store(found.values())
        if missing:
            record_missing(missing)
        with lock:
            report.rows_written += written
            report.fetched += len(found)
            report.not_found += len(missing)
            report.gaps.extend(f"{kind} {uuid}: not found (404)" for uuid in missing)

    run_concurrently(chunked(stale, BATCH_SIZE), fetch_batch, workers)


def refresh_tracks(
    client: SoundchartsClient,
    warehouse: Warehouse,
    slug: str,
    freshness: FreshnessSettings,
    now: datetime | None = None,
    workers: int = 8,
    sleep: Callable[[float], None] = time.sleep,
) -> StepReport:
    """Fetch metadata for the ranked songs that are missing or older than the metadata freshness window."""
    now = now or utc_now()
    meter = _CallMeter(client)
    report = _refresh_leased_metadata(
        warehouse, "song", warehouse.ranking_song_uuids(slug), slug, freshness, now, client.get_songs,
        lambda songs: warehouse.upsert_songs(songs, fetched_at=now),
        lambda missing: warehouse.record_missing_songs(missing, checked_at=now),
        workers, sleep,
    )
    return meter.finish(report)


def link_artists(warehouse: Warehouse, slug: str) -> StepReport:
    """Extract the credited artists of the chart's tracks into ``artists`` and ``track_artists``; no API calls."""
    uuids = warehouse.ranking_song_uuids(slug)
    credited = warehouse.credited_artists(uuids)
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
) -> StepReport:
    """Fetch metadata for the chart's artists that are stubs or older than the freshness window."""
    now = now or utc_now()
    meter = _CallMeter(client)
    report = _refresh_leased_metadata(
        warehouse, "artist", warehouse.chart_artist_uuids(slug), slug, freshness, now, client.get_artists,
        lambda artists: warehouse.upsert_artists(artists, fetched_at=now),
        lambda missing: warehouse.record_missing_artists(missing, checked_at=now),
        workers, sleep,
    )
    return meter.finish(report)


def _refresh_leased_metadata(
    warehouse: Warehouse,
    kind: str,
    uuids: Sequence[str],
    owner: str,
    freshness: FreshnessSettings,
    now: datetime,
    fetch: Callable[[Sequence[str]], Mapping[str, object]],
    store: Callable[[Iterable[object]], int],
    record_missing: Callable[[Sequence[str]], None],
    workers: int,
    sleep: Callable[[float], None],
) -> StepReport:
    """The stale ones among ``uuids``, leased then fetched 10 per call; the rest count as reused."""
    report = StepReport()
    fetch_leased_metadata(
        warehouse, kind, uuids, timedelta(hours=freshness.metadata_hours), now, owner,
        lambda leased: _refresh_metadata_in_batches(kind, leased, fetch, store, record_missing, report, workers),
        sleep,
    )
    report.reused = len(set(uuids)) - report.fetched - report.not_found
    return report


def fetch_leased_metadata(
    warehouse: Warehouse,
    entity: str,
    uuids: Sequence[str],
    max_age: timedelta,
    now: datetime,
    owner: str,
    fetch: Callable[[Sequence[str]], None],
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Fetch the stale songs or artists among ``uuids``, leasing them first (as :func:`fetch_leased_audience`).

    Charts refreshed together share songs and artists: each is put in one run's batches only, and a run
    that finds some leased by another waits until they are stored (or the lease lapses and it takes them).
    """
    tried: set[str] = set()  # each id is asked for once per step, even if its answer leaves it stale
    while True:
        untried = [uuid for uuid in uuids if uuid not in tried]
        leased = warehouse.claim_stale_metadata(entity, untried, max_age, now, owner)
        if leased:
            tried.update(leased)
            try:
                fetch(leased)
            finally:
                warehouse.release_metadata_claims(entity, leased, owner)
        elif warehouse.stale_metadata_uuids(entity, untried, max_age, now):
            sleep(CLAIM_POLL_SECONDS)
        else:
            return


@dataclass(frozen=True)
class AudienceJob:
    entity: str
    uuid: str
    source: str


class _AudienceRun:
    """Shared state of one audience step: the report, and platforms found not to be in the plan."""

    def __init__(self, warehouse: Warehouse, now: datetime) -> None:
        self.warehouse = warehouse
        self.now = now
        self.report = StepReport()
        self.lock = threading.Lock()
        self.not_in_plan_sources: set[str] = set()

    def window_start(self, job: AudienceJob, lookback_days: int, metric: str | None = None) -> date:
        """Resume at the last stored day (re-reading it, as the API revises the latest point)."""
        today = self.now.date()
        platform = ARTIST_SOURCE_SERIES[job.source][0] if job.entity == "artist" else job.source
        last = self.warehouse.last_audience_date(job.entity, job.uuid, platform, metric)
        earliest = today - timedelta(days=lookback_days - 1)  # N days inclusive: one 90-day call, not two
        return max(last, earliest) if last else earliest

    def run(self, job: AudienceJob, fetch_and_store: Callable[[AudienceJob], int]) -> None:
        if job.source in self.not_in_plan_sources:
            self._record(job, "not_in_plan")
            return
        try:
            written = fetch_and_store(job)
        except NotFoundError:
            self._record(job, "not_found")
        except PlanRestrictedError:
            with self.lock:
                self.not_in_plan_sources.add(job.source)
            self._record(job, "not_in_plan")
        else:
            with self.lock:
                self.report.rows_written += written
                self.report.fetched += 1

    def _record(self, job: AudienceJob, status: str) -> None:
        self.warehouse.record_audience_outcome(job.entity, job.uuid, job.source, status, self.now)
        with self.lock:
            if status == "not_found":
                self.report.not_found += 1
            else:
                self.report.not_in_plan += 1
            self.report.gaps.append(f"{job.entity} {job.uuid} on {job.source}: {status}")


def fetch_leased_audience(
    warehouse: Warehouse,
    entity: str,
    uuids: Sequence[str],
    sources: Sequence[str],
    freshness: FreshnessSettings,
    now: datetime,
    owner: str,
    handle: Callable[[AudienceJob], None],
    workers: int,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Fetch every stale series, leasing them first, so overlapping runs never pay twice for one series.

    Series another run holds are waited for (it stores them, or its lease lapses and we take them over), so
    the step still ends with every series of its chart fresh.
    """
    max_age = timedelta(hours=freshness.audience_hours)
    while True:
        leased = warehouse.claim_stale_audience(
            entity, uuids, sources, max_age, now, owner, limit=AUDIENCE_CLAIM_CHUNK
        )
        if leased:
            try:
                run_concurrently([AudienceJob(entity, uuid, source) for uuid, source in leased], handle, workers)
            finally:
                warehouse.release_claims(entity, leased, owner)
        elif warehouse.stale_audience(entity, uuids, sources, max_age, now):
            sleep(CLAIM_POLL_SECONDS)
        else:
            return


def _fresh_pair_count(
    warehouse: Warehouse, entity: str, uuids: Sequence[str], sources: Sequence[str],
    freshness: FreshnessSettings, now: datetime,
) -> int:
    """How many (entity, source) series are still fresh: the "reused" figure of the step."""
    stale = warehouse.stale_audience(entity, uuids, sources, timedelta(hours=freshness.audience_hours), now)
    return len(uuids) * len(sources) - len(stale)


def refresh_track_audience(
    client: SoundchartsClient,
    warehouse: Warehouse,
    slug: str,
    freshness: FreshnessSettings,
    now: datetime | None = None,
    workers: int = 8,
) -> StepReport:
    """Spotify, YouTube and Shazam series and Airplay spins for the chart's tracks that are not fresh."""
    now = now or utc_now()
    meter = _CallMeter(client)
    uuids = warehouse.ranking_song_uuids(slug)
    reused = _fresh_pair_count(warehouse, "song", uuids, TRACK_AUDIENCE_SOURCES, freshness, now)
    state = _AudienceRun(warehouse, now)
    today = now.date()

    def fetch_and_store(job: AudienceJob) -> int:
        if job.source == AIRPLAY:
            start = today - timedelta(days=AIRPLAY_WINDOW_DAYS - 1)
            counts = client.get_song_airplay(job.uuid, start, today)
            return warehouse.write_track_airplay(job.uuid, today, counts, fetched_at=now)
        start = state.window_start(job, freshness.audience_lookback_days)
        points = client.get_song_audience(job.uuid, job.source, start, today)
        return warehouse.write_track_audience(job.uuid, job.source, points, fetched_at=now)

    fetch_leased_audience(warehouse, "song", uuids, TRACK_AUDIENCE_SOURCES, freshness, now, slug,
                          lambda job: state.run(job, fetch_and_store), workers)
    state.report.reused = reused
    return meter.finish(state.report)


def refresh_artist_audience(
    client: SoundchartsClient,
    warehouse: Warehouse,
    slug: str,
    freshness: FreshnessSettings,
    now: datetime | None = None,
    workers: int = 8,
) -> StepReport:
    """Followers on Spotify, YouTube, Instagram, TikTok and Spotify monthly listeners for the chart's artists."""
    now = now or utc_now()
    meter = _CallMeter(client)
    uuids = warehouse.chart_artist_uuids(slug)
    reused = _fresh_pair_count(warehouse, "artist", uuids, ARTIST_AUDIENCE_SOURCES, freshness, now)
    state = _AudienceRun(warehouse, now)
    today = now.date()

    def fetch_and_store(job: AudienceJob) -> int:
        platform, metric = ARTIST_SOURCE_SERIES[job.source]
        start = state.window_start(job, freshness.audience_lookback_days, metric)
        if job.source == SPOTIFY_LISTENING:
            points = client.get_artist_monthly_listeners(job.uuid, start, today)
        else:
            points = client.get_artist_audience(job.uuid, platform, start, today)
        return warehouse.write_artist_audience(job.uuid, platform, points, fetched_at=now, source=job.source)

    fetch_leased_audience(warehouse, "artist", uuids, ARTIST_AUDIENCE_SOURCES, freshness, now, slug,
                          lambda job: state.run(job, fetch_and_store), workers)
    state.report.reused = reused
    return meter.finish(state.report)

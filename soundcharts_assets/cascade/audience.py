"""The audience steps: song series (Spotify, YouTube, Shazam, Airplay) and artist series (followers on four
platforms and Spotify monthly listeners).

The API has no batch endpoint for series, so each (entity, source) pair costs at least one call: only stale
pairs are fetched, each under a lease, and a fetch asks only for the days after the last stored one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from soundcharts_assets.cascade.leases import Pair, fetch_leased_audience
from soundcharts_assets.cascade.pool import run_concurrently
from soundcharts_assets.cascade.report import CallMeter, StepReport
from soundcharts_assets.clock import utc_now
from soundcharts_assets.settings import FreshnessSettings
from soundcharts_assets.soundcharts.client import SoundchartsClient
from soundcharts_assets.soundcharts.errors import NotFoundError, PlanRestrictedError
from soundcharts_assets.vocabulary import (
    ARTIST_AUDIENCE_SOURCES,
    TRACK_AUDIENCE_SOURCES,
    ArtistSource,
    EntityKind,
    FetchStatus,
    TrackSource,
)
from soundcharts_assets.warehouse import Warehouse

#: Where each artist source lands: (platform, the metric that tells how far the stored series goes).
ARTIST_SOURCE_SERIES: dict[str, tuple[str, str]] = {
    **{source: (source, "followers") for source in ARTIST_AUDIENCE_SOURCES if source != ArtistSource.SPOTIFY_LISTENING},
    ArtistSource.SPOTIFY_LISTENING: ("spotify", "monthly_listeners"),
}
AIRPLAY_WINDOW_DAYS = 7


@dataclass(frozen=True)
class AudienceJob:
    entity: str
    uuid: str
    source: str


class _AudienceRun:
    """Shared state of one audience step: the report, and sources found not to be in the plan."""

    def __init__(self, warehouse: Warehouse, now: datetime) -> None:
        self.warehouse = warehouse
        self.now = now
        self.report = StepReport()
        self.lock = threading.Lock()
        self.not_in_plan_sources: set[str] = set()

    def window_start(self, job: AudienceJob, lookback_days: int, metric: str | None = None) -> date:
        """Resume at the last stored day (re-reading it, as the API revises the latest point)."""
        today = self.now.date()
        platform = ARTIST_SOURCE_SERIES[job.source][0] if job.entity == EntityKind.ARTIST else job.source
        last = self.warehouse.last_audience_date(job.entity, job.uuid, platform, metric)
        earliest = today - timedelta(days=lookback_days - 1)  # N days inclusive: one 90-day call, not two
        return max(last, earliest) if last else earliest

    def run(self, job: AudienceJob, fetch_and_store: Callable[[AudienceJob], int]) -> None:
        if job.source in self.not_in_plan_sources:
            self._record(job, FetchStatus.NOT_IN_PLAN)
            return
        try:
            written = fetch_and_store(job)
        except NotFoundError:
            self._record(job, FetchStatus.NOT_FOUND)
        except PlanRestrictedError:
            with self.lock:
                self.not_in_plan_sources.add(job.source)
            self._record(job, FetchStatus.NOT_IN_PLAN)
        else:
            with self.lock:
                self.report.rows_written += written
                self.report.fetched += 1

    def _record(self, job: AudienceJob, status: FetchStatus) -> None:
        self.warehouse.record_audience_outcome(job.entity, job.uuid, job.source, status, self.now)
        with self.lock:
            if status == FetchStatus.NOT_FOUND:
                self.report.not_found += 1
            else:
                self.report.not_in_plan += 1
            self.report.gaps.append(f"{job.entity} {job.uuid} on {job.source}: {status}")


def refresh_track_audience(
    client: SoundchartsClient,
    warehouse: Warehouse,
    slug: str,
    freshness: FreshnessSettings,
    now: datetime | None = None,
    workers: int = 8,
    owner: str | None = None,
) -> StepReport:
    """Spotify, YouTube and Shazam series and Airplay spins for the chart's tracks that are not fresh."""
    now = now or utc_now()
    state = _AudienceRun(warehouse, now)
    today = now.date()

    def fetch_and_store(job: AudienceJob) -> int:
        if job.source == TrackSource.AIRPLAY:
            start = today - timedelta(days=AIRPLAY_WINDOW_DAYS - 1)
            counts = client.get_song_airplay(job.uuid, start, today)
            return warehouse.write_track_airplay(job.uuid, today, counts, fetched_at=now)
        start = state.window_start(job, freshness.audience_lookback_days)
        points = client.get_song_audience(job.uuid, job.source, start, today)
        return warehouse.write_track_audience(job.uuid, job.source, points, fetched_at=now)

    uuids = warehouse.ranking_song_uuids(slug)
    return _refresh_series(
        client,
        state,
        EntityKind.SONG,
        uuids,
        TRACK_AUDIENCE_SOURCES,
        freshness,
        owner or slug,
        fetch_and_store,
        workers,
    )


def refresh_artist_audience(
    client: SoundchartsClient,
    warehouse: Warehouse,
    slug: str,
    freshness: FreshnessSettings,
    now: datetime | None = None,
    workers: int = 8,
    owner: str | None = None,
) -> StepReport:
    """Followers on Spotify, YouTube, Instagram, TikTok and Spotify monthly listeners for the chart's artists."""
    now = now or utc_now()
    state = _AudienceRun(warehouse, now)
    today = now.date()

    def fetch_and_store(job: AudienceJob) -> int:
        platform, metric = ARTIST_SOURCE_SERIES[job.source]
        start = state.window_start(job, freshness.audience_lookback_days, metric)
        if job.source == ArtistSource.SPOTIFY_LISTENING:
            points = client.get_artist_monthly_listeners(job.uuid, start, today)
        else:
            points = client.get_artist_audience(job.uuid, platform, start, today)
        return warehouse.write_artist_audience(job.uuid, platform, points, fetched_at=now, source=job.source)

    uuids = warehouse.chart_artist_uuids(slug)
    return _refresh_series(
        client,
        state,
        EntityKind.ARTIST,
        uuids,
        ARTIST_AUDIENCE_SOURCES,
        freshness,
        owner or slug,
        fetch_and_store,
        workers,
    )


def _refresh_series(
    client: SoundchartsClient,
    state: _AudienceRun,
    entity: EntityKind,
    uuids: Sequence[str],
    sources: Sequence[str],
    freshness: FreshnessSettings,
    owner: str,
    fetch_and_store: Callable[[AudienceJob], int],
    workers: int,
) -> StepReport:
    """Fetch every stale series of ``uuids`` under a lease; fresh ones count as reused."""
    meter = CallMeter(client)
    max_age = timedelta(hours=freshness.audience_hours)
    stale = state.warehouse.stale_audience(entity, uuids, sources, max_age, state.now)
    reused = len(uuids) * len(sources) - len(stale)

    def fetch(leased: list[Pair]) -> None:
        jobs = [AudienceJob(entity, uuid, source) for uuid, source in leased]
        run_concurrently(jobs, lambda job: state.run(job, fetch_and_store), workers)

    fetch_leased_audience(state.warehouse, entity, uuids, sources, max_age, state.now, owner, fetch)
    state.report.reused = reused
    return meter.finish(state.report)

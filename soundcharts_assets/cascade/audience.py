"""The audience steps: every source of the table (``sources.py``) for the charts' songs (Spotify, YouTube and
Shazam series, airplay spins) and artists (followers per platform, Spotify monthly listeners).

The API has no batch endpoint for series, so each (entity, source) pair costs at least one call: only due
pairs are fetched (``due.py``: once the series' next crawl can have happened), each under a lease, and a fetch
asks only for the days from the last stored one. With ``SOUNDCHARTS_CURRENT_STATS=1`` one current-stats call
per entity stands in for the series that only lack their newest point (``current_stats.py``).

A windowed source (airplay: spins summed over a window rather than a crawled point) tiles its windows instead:
each covers the complete days since the last fetch (a week by default, the source's minimum interval), so
every spin is stored once, in the row dated the window's last day.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from soundcharts_assets.cascade.current_stats import (
    NOT_IN_PLAN_NOTE,
    SeriesHistory,
    covered_by_current_stats,
    crawl_instant,
)
from soundcharts_assets.cascade.leases import Pair, fetch_leased_audience, new_owner
from soundcharts_assets.cascade.pool import run_concurrently
from soundcharts_assets.cascade.step_reports import ChartReports, Fleet, StepReport
from soundcharts_assets.clock import utc_now
from soundcharts_assets.due import RefreshPolicy
from soundcharts_assets.refresh_policy import min_hours, refresh_policy
from soundcharts_assets.settings import FreshnessSettings
from soundcharts_assets.soundcharts.client import SoundchartsClient
from soundcharts_assets.soundcharts.errors import NotFoundError, PlanRestrictedError
from soundcharts_assets.soundcharts.models import ArtistAudiencePoint, CurrentStats, Series, SongAudiencePoint
from soundcharts_assets.sources import AudienceSource, Endpoint, audience_sources
from soundcharts_assets.vocabulary import EntityKind, FetchStatus
from soundcharts_assets.warehouse import Warehouse

AUDIENCE_WORKERS = 16
"""Threads per audience step: more than the requests the client keeps in flight (``SOUNDCHARTS_MAX_IN_FLIGHT``,
12), so that while those wait on the API the others store what came back. With as many threads as slots each
thread's write held up its next request: one audience step made ~50 calls/s, half of a 6,000/min plan.

12 in flight, not 8: a request takes its rate-limit token inside its slot (transport ``_send``), so a slot
also covers the token's wait and, every few requests, the shared bucket's round trip to the database. With
8, a step running alone on a busy machine fell to 72-85 calls/s (50-chart Celery benchmark, 1.22x); with
12 it kept 81-94 (1.19x)."""


LEAVERS_LOOKBACK_DAYS = 7
"""How far back a step looks for entities its charts dropped (a week of missed runs): each gets one last
fetch up to the last day an edition ranked it, if the fetches before did not reach it."""


@dataclass(frozen=True)
class AudienceJob:
    entity: str
    uuid: str
    source: str


Point = SongAudiencePoint | ArtistAudiencePoint


def fetch_series(
    client: SoundchartsClient, source: AudienceSource, uuid: str, start: date, end: date
) -> Series[SongAudiencePoint] | Series[ArtistAudiencePoint]:
    """A crawled source's points over ``[start, end]``, through the client method of its endpoint."""
    if source.endpoint is Endpoint.SONG_AUDIENCE:
        return client.get_song_audience(uuid, source.platform, start, end)
    if source.endpoint is Endpoint.ARTIST_AUDIENCE:
        return client.get_artist_audience(uuid, source.platform, start, end)
    if source.endpoint is Endpoint.ARTIST_LISTENING:
        return client.get_artist_monthly_listeners(uuid, start, end, platform=source.platform)
    raise ValueError(f"{source.entity} {source.name} is fetched by window (get_song_airplay), not as a series")


@dataclass(frozen=True)
class SeriesIO:
    """How a step reads and writes one kind of entity: a series fetch, a current-stats call, a stored point."""

    fetch_and_store: Callable[[AudienceJob], int]
    current_stats: Callable[[str], CurrentStats]
    store_point: Callable[[AudienceJob, Point], int]


class _AudienceRun:
    """Shared state of one audience step: the per-chart reports and sources found not to be in the plan."""

    def __init__(
        self,
        client: SoundchartsClient,
        warehouse: Warehouse,
        fleet: Fleet,
        entity: EntityKind,
        now: datetime,
        current_stats: bool = False,
    ) -> None:
        self.warehouse = warehouse
        self.fleet = fleet
        self.entity = entity
        self.sources = {source.name: source for source in audience_sources(entity)}
        """The entity's rows of the table, read once per step."""
        self.now = now
        self.reports = ChartReports(client, fleet.charts, "audience")
        self.lock = threading.Lock()
        self.not_in_plan_sources: set[str] = set()
        self.current_stats = current_stats
        self.stats_by_uuid: dict[str, CurrentStats | None] = {}
        """Answers already paid for: an entity's due series may come in two leased chunks."""
        self.last_days: dict[Pair, date] = {}
        """The last stored day of each leased series, read once per leased chunk (:meth:`remember_stored`)."""
        self.window_fetches: dict[Pair, datetime] = {}
        """When each leased windowed series (airplay) was last fetched (where its next window starts)."""

    def remember_stored(self, leased: Sequence[Pair]) -> None:
        """Read where each leased series stands in one query per chunk, not one per series: at fleet size the
        per-series reads were a database round trip for every call."""
        uuids = list(dict.fromkeys(uuid for uuid, _ in leased))
        sources = [self.sources[name] for name in dict.fromkeys(name for _, name in leased)]
        days = {key: series.last_day for key, series in self.warehouse.stored_sources(uuids, sources).items()}
        windowed = [source.name for source in sources if source.windowed]
        fetches = {}
        if windowed:
            found = self.warehouse.last_fetches(self.entity, uuids, windowed)
            fetches = {pair: fetch.fetched_at for pair, fetch in found.items()}
        with self.lock:
            self.last_days.update(days)
            self.window_fetches.update(fetches)

    def run_entity(self, entity: str, uuid: str, sources: list[str], history: SeriesHistory, io: SeriesIO) -> None:
        """One entity's due series: one current-stats call for those with history, series for the rest."""
        jobs = [AudienceJob(entity, uuid, source) for source in sources]
        stats = self._current_stats(uuid, io) if any(history.has_history(uuid, s) for s in sources) else None
        for job in jobs:
            point = covered_by_current_stats(self.sources[job.source], uuid, stats, history) if stats else None
            if point is None:
                self.run(job, io.fetch_and_store)
                continue
            self._stored(uuid, io.store_point(job, point))

    def _stored(self, uuid: str, written: int) -> None:
        def stored(report: StepReport) -> None:
            report.rows_written += written
            report.fetched += 1

        self.reports.update(self.fleet.charts_by_uuid[uuid], stored)

    def _current_stats(self, uuid: str, io: SeriesIO) -> CurrentStats | None:
        if not self.current_stats:
            return None
        if uuid in self.stats_by_uuid:
            return self.stats_by_uuid[uuid]
        try:
            stats = self.reports.charge(self.fleet.owner(uuid), lambda: io.current_stats(uuid))
        except NotFoundError:
            stats = None
        except PlanRestrictedError:
            with self.lock:
                if not self.current_stats:
                    return None
                self.current_stats = False
            self.reports.update(self.fleet.charts, lambda report: report.notes.append(NOT_IN_PLAN_NOTE))
            return None
        self.stats_by_uuid[uuid] = stats
        return stats

    def window_start(self, job: AudienceJob, lookback_days: int) -> date:
        """Resume at the last stored day (re-reading it, as the API revises the latest point)."""
        today = self.now.date()
        last = self.last_days.get((job.uuid, job.source))
        earliest = today - timedelta(days=lookback_days - 1)  # N days inclusive: one 90-day call, not two
        return max(last, earliest) if last else earliest

    def tiled_window(self, job: AudienceJob, first_days: int, lookback_days: int) -> tuple[date, date] | None:
        """A windowed source's complete days (up to yesterday) from the day of the last fetch, whose window
        ended the day before; a first fetch takes the last ``first_days``. ``None`` when no complete day is new."""
        end = self.now.date() - timedelta(days=1)
        last = self.window_fetches.get((job.uuid, job.source))
        start = last.date() if last else end - timedelta(days=first_days - 1)
        start = max(start, end - timedelta(days=lookback_days - 1))
        return (start, end) if start <= end else None

    def run(self, job: AudienceJob, fetch_and_store: Callable[[AudienceJob], int]) -> None:
        if job.source in self.not_in_plan_sources:
            self._record(job, FetchStatus.NOT_IN_PLAN)
            return
        try:
            written = self.reports.charge(self.fleet.owner(job.uuid), lambda: fetch_and_store(job))
        except NotFoundError:
            self._record(job, FetchStatus.NOT_FOUND)
        except PlanRestrictedError:
            with self.lock:
                self.not_in_plan_sources.add(job.source)
            self._record(job, FetchStatus.NOT_IN_PLAN)
        else:

            def stored(report: StepReport) -> None:
                report.rows_written += written
                report.fetched += 1

            self.reports.update(self.fleet.charts_by_uuid[job.uuid], stored)

    def _record(self, job: AudienceJob, status: FetchStatus) -> None:
        self.warehouse.record_audience_outcome(job.entity, job.uuid, job.source, status, self.now)

        def gap(report: StepReport) -> None:
            if status == FetchStatus.NOT_FOUND:
                report.not_found += 1
            else:
                report.not_in_plan += 1
            report.gaps.append(f"{job.entity} {job.uuid} on {job.source}: {status}")

        self.reports.update(self.fleet.charts_by_uuid[job.uuid], gap)


def refresh_track_audience(
    client: SoundchartsClient,
    warehouse: Warehouse,
    slugs: Sequence[str],
    freshness: FreshnessSettings,
    now: datetime | None = None,
    workers: int = AUDIENCE_WORKERS,
    owner: str | None = None,
) -> dict[str, StepReport]:
    """Every song source (Spotify, YouTube and Shazam series, airplay spins) for the charts' tracks that is due."""
    now = now or utc_now()
    fleet = Fleet(
        {slug: warehouse.ranking_song_uuids(slug) for slug in slugs},
        {slug: warehouse.left_recently(slug, EntityKind.SONG, LEAVERS_LOOKBACK_DAYS) for slug in slugs},
    )
    state = _AudienceRun(client, warehouse, fleet, EntityKind.SONG, now, freshness.current_stats)
    reports = _refresh_series(state, freshness, owner or new_owner(), _series_io(client, state, freshness), workers)
    return _with_statistics_refreshed(warehouse, EntityKind.SONG, reports)


def refresh_artist_audience(
    client: SoundchartsClient,
    warehouse: Warehouse,
    slugs: Sequence[str],
    freshness: FreshnessSettings,
    now: datetime | None = None,
    workers: int = AUDIENCE_WORKERS,
    owner: str | None = None,
) -> dict[str, StepReport]:
    """Every artist source (followers per platform, Spotify monthly listeners) for the charts' artists."""
    now = now or utc_now()
    fleet = Fleet(
        {slug: warehouse.chart_artist_uuids(slug) for slug in slugs},
        {slug: warehouse.left_recently(slug, EntityKind.ARTIST, LEAVERS_LOOKBACK_DAYS) for slug in slugs},
    )
    state = _AudienceRun(client, warehouse, fleet, EntityKind.ARTIST, now, freshness.current_stats)
    reports = _refresh_series(state, freshness, owner or new_owner(), _series_io(client, state, freshness), workers)
    return _with_statistics_refreshed(warehouse, EntityKind.ARTIST, reports)


def _with_statistics_refreshed(
    warehouse: Warehouse, entity: EntityKind, reports: dict[str, StepReport]
) -> dict[str, StepReport]:
    """The step's reports, once the planner's statistics of what it wrote are up to date for the insight steps
    that read it next (``Warehouse.refresh_audience_statistics``). Rows shared by several charts are counted
    for each, so the sum is an upper bound: at worst an ``ANALYZE`` a little early."""
    warehouse.refresh_audience_statistics(entity, sum(report.rows_written for report in reports.values()))
    return reports


def _series_io(client: SoundchartsClient, state: _AudienceRun, freshness: FreshnessSettings) -> SeriesIO:
    """How a step fetches and stores its entity's sources: each through its row (``sources.py``)."""
    warehouse, now, lookback = state.warehouse, state.now, freshness.audience_lookback_days

    def fetch_and_store(job: AudienceJob) -> int:
        source = state.sources[job.source]
        if source.windowed:
            first_days = max(1, math.ceil(min_hours(freshness, source.name) / 24))
            window = state.tiled_window(job, first_days, lookback)
            if window is None:
                return 0
            counts = client.get_song_airplay(job.uuid, *window)
            return warehouse.write_track_airplay(job.uuid, window[1], counts, fetched_at=now)
        points = fetch_series(client, source, job.uuid, state.window_start(job, lookback), now.date())
        return warehouse.write_series(source, job.uuid, points, fetched_at=now, last_crawl_at=points.last_crawl_at)

    def store_point(job: AudienceJob, point: Point) -> int:
        crawl = crawl_instant(point.date)
        return warehouse.write_series(state.sources[job.source], job.uuid, [point], fetched_at=now, last_crawl_at=crawl)

    current_stats = (
        client.get_song_current_stats if state.entity == EntityKind.SONG else client.get_artist_current_stats
    )
    return SeriesIO(fetch_and_store, current_stats, store_point)


def _refresh_series(
    state: _AudienceRun, freshness: FreshnessSettings, owner: str, io: SeriesIO, workers: int
) -> dict[str, StepReport]:
    """Fetch every due series of the fleet's entities under a lease; the others count as reused. Then the
    last fetch of the entities the charts dropped, up to their last ranked day (``RefreshPolicy.catching_up``)."""
    entity, sources = state.entity, list(state.sources)
    policy = refresh_policy(freshness)
    passes: list[tuple[Sequence[str], RefreshPolicy]] = [(state.fleet.uuids, policy)]
    passes += [(uuids, policy.catching_up(day)) for day, uuids in sorted(state.fleet.leavers_by_day().items())]
    due: set[Pair] = set()
    for uuids, rule in passes:
        due.update(state.warehouse.due_audience(entity, uuids, sources, rule, state.now))
    state.reports.step = "track_audience" if entity == EntityKind.SONG else "artist_audience"
    state.reports.expect(len(due))
    for slug, uuids in state.fleet.uuids_by_chart.items():
        pairs = {(uuid, source) for uuid in uuids for source in sources}
        state.reports.by_chart[slug].reused = len(pairs - due)

    def fetch(leased: list[Pair]) -> None:
        state.remember_stored(leased)
        if not state.current_stats:
            jobs = [AudienceJob(entity, uuid, source) for uuid, source in leased]
            run_concurrently(jobs, lambda job: state.run(job, io.fetch_and_store), workers)
            return
        by_uuid: dict[str, list[str]] = {}
        for uuid, source in leased:
            by_uuid.setdefault(uuid, []).append(source)
        history = SeriesHistory.read(state.warehouse, entity, list(by_uuid), state.sources.values())
        run_concurrently(
            list(by_uuid.items()),
            lambda item: state.run_entity(entity, item[0], item[1], history, io),
            workers,
        )

    for uuids, rule in passes:
        fetch_leased_audience(state.warehouse, entity, uuids, sources, rule, state.now, owner, fetch)
    return state.reports.finish(state.warehouse, state.reports.step, state.now)

"""``Warehouse``: the one object the rest of the project uses to store and read chart data.

It owns one SQLAlchemy engine and opens one transaction per call: a write either lands whole or not at
all. The SQL lives in ``reads.py``, ``writes.py`` and ``upserts.py``; this class only decides transactions,
translates connection failures into ``WarehouseError``, retries Postgres deadlocks and waits out a brief outage
of the server (``outages.py``: a whole transaction is run again).
"""

from __future__ import annotations

import functools
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import URL

from soundcharts_assets.settings import warehouse_url_from_env
from soundcharts_assets.soundcharts.models import (
    AirplayCount, Artist, ArtistAudiencePoint, ArtistRef, Chart, ChartRanking, Song, SongAudiencePoint,
)
from soundcharts_assets.warehouse import reads, schema, writes
from soundcharts_assets.warehouse.engine import WRITE_OPTION, create_warehouse_engine, display, parse_url
from soundcharts_assets.warehouse.outages import OutageRetry, cannot_open_error, server_went_away
from soundcharts_assets.warehouse.rows import ChartRow, TrackRow

T = TypeVar("T")
P = ParamSpec("P")
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Any fixed 64-bit number shared by every process migrating the same database.
MIGRATION_LOCK_KEY = zlib.crc32(b"soundcharts_assets.warehouse.migrate")
_RETRYABLE_PGCODES = {"40P01", "40001"}  # deadlock detected, serialization failure
_WRITE_ATTEMPTS = 5


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _whole_call_retried(method: Callable[Concatenate[Warehouse, P], T]) -> Callable[Concatenate[Warehouse, P], T]:
    """Run a one-transaction method again, whole, while the server is briefly gone (``OutageRetry``).

    One-shot iterators among the arguments are read into lists first, so a second attempt sees the same ids.
    """
    @functools.wraps(method)
    def run(self: Warehouse, *args: P.args, **kwargs: P.kwargs) -> T:
        again = [list(a) if isinstance(a, Iterator) else a for a in args]
        named = {k: list(v) if isinstance(v, Iterator) else v for k, v in kwargs.items()}
        return self.through_outages(lambda: method(self, *again, **named))  # type: ignore[arg-type]
    return run


class Warehouse:
    """SQLite by default, Postgres by URL; see docs/architecture.md for the contract."""

    def __init__(self, url: str | URL, outage_wait_seconds: float | None = None) -> None:
        """``outage_wait_seconds``: how long a Postgres outage is waited out (default: the setting, 30 s)."""
        self.url = parse_url(url) if isinstance(url, str) else parse_url(url.render_as_string(False))
        self.engine = create_warehouse_engine(self.url)
        self._outages = OutageRetry(self.url, outage_wait_seconds)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Warehouse:
        return cls(warehouse_url_from_env(env))

    def __repr__(self) -> str:
        return f"Warehouse({self.url_for_display()!r})"

    def url_for_display(self) -> str:
        """The URL with its password hidden, for logs, metadata and the CLI."""
        return display(self.url)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.dispose()

    def through_outages(self, work: Callable[[], T]) -> T:
        """Run ``work`` (one read or one idempotent write, e.g. a pandas loader), again whole while the server
        is briefly unreachable; ``WarehouseUrlError`` once SOUNDCHARTS_DB_OUTAGE_WAIT_SECONDS have passed."""
        return self._outages.run(work)

    # -- transactions -------------------------------------------------------------------------------------

    @contextmanager
    def _connect(self, write: bool = False) -> Iterator[sa.Connection]:
        conn = self._outages.run(self._checkout)  # inside a retried unit, the unit is retried instead
        with conn:
            if write:
                conn.execution_options(**{WRITE_OPTION: True})
            yield conn

    def _checkout(self) -> sa.Connection:
        """A pooled connection (pinged first); an outage is left to ``OutageRetry``, anything else is final."""
        try:
            return self.engine.connect()
        except sa.exc.DBAPIError as exc:
            if server_went_away(exc) and self._outages.wait_seconds > 0:
                raise
            raise cannot_open_error(self.url, exc) from None

    @contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        """A read transaction: one consistent snapshot for the whole call."""
        with self._connect() as conn, conn.begin():
            yield conn

    def _write(self, work: Callable[[sa.Connection], T]) -> T:
        """Run ``work`` in one write transaction; deadlocks and brief outages of the server are retried."""
        return self._outages.run(lambda: self._write_retrying_deadlocks(work))

    def _write_retrying_deadlocks(self, work: Callable[[sa.Connection], T]) -> T:
        for attempt in range(1, _WRITE_ATTEMPTS + 1):
            try:
                with self._connect(write=True) as conn, conn.begin():
                    return work(conn)
            except sa.exc.DBAPIError as exc:
                if getattr(exc.orig, "pgcode", None) not in _RETRYABLE_PGCODES or attempt == _WRITE_ATTEMPTS:
                    raise
                time.sleep(0.05 * attempt)
        raise AssertionError("unreachable")

    def migrate(self) -> None:
        """Bring the schema to the newest revision; a no-op when there, safe to call from many processes.

        On Postgres a transaction-scoped advisory lock serialises concurrent callers: the second waits, then
        finds the schema at head. On SQLite ``BEGIN IMMEDIATE`` plus the busy timeout does the same.
        The upgrade is one transaction, so a server outage mid-way is retried whole.
        """
        self._outages.run(self._upgrade_to_head)

    def _upgrade_to_head(self) -> None:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        with self._connect(write=True) as conn, conn.begin():
            if self.dialect == "postgresql":
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK_KEY)))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    # -- charts registry ------------------------------------------------------------------------------------

    def upsert_chart(self, chart: Chart, sync_schedule: str | None = None) -> None:
        self._write(lambda conn: writes.upsert_chart(conn, chart, sync_schedule, _utcnow()))

    def register_chart(self, slug: str, sync_schedule: str = "none") -> None:
        """Add a chart by slug alone (name and platform arrive with its first ranking) or set its schedule."""
        self._write(lambda conn: writes.register_chart(conn, slug, sync_schedule, _utcnow()))

    def set_sync_schedule(self, slug: str, schedule: str) -> None:
        self._write(lambda conn: writes.set_sync_schedule(conn, slug, schedule, _utcnow()))

    @_whole_call_retried
    def get_chart(self, slug: str) -> ChartRow | None:
        with self._read() as conn:
            stmt = sa.select(schema.charts).where(schema.charts.c.slug == slug)
            row = conn.execute(stmt).mappings().first()
        return ChartRow(**row) if row else None

    @_whole_call_retried
    def list_charts(self, sync_schedule: str | None = None) -> list[ChartRow]:
        charts = schema.charts
        stmt = sa.select(charts).order_by(charts.c.slug)
        if sync_schedule is not None:
            writes.check_schedule(sync_schedule)
            stmt = stmt.where(charts.c.sync_schedule == sync_schedule)
        with self._read() as conn:
            return [ChartRow(**row) for row in conn.execute(stmt).mappings()]

    def remove_chart(self, slug: str) -> bool:
        """Drop the registry row only; stored rankings stay as history."""
        return self._write(lambda conn: writes.remove_chart(conn, slug))

    # -- rankings -------------------------------------------------------------------------------------------

    def write_ranking(self, ranking: ChartRanking, fetched_at: datetime | None = None) -> int:
        when = fetched_at or _utcnow()
        return self._write(lambda conn: writes.write_ranking(conn, ranking, when))

    @_whole_call_retried
    def ranking_dates(self, slug: str) -> list[datetime]:
        with self._read() as conn:
            return reads.ranking_dates(conn, slug)

    @_whole_call_retried
    def latest_ranking_date(self, slug: str) -> datetime | None:
        with self._read() as conn:
            return reads.latest_ranking_date(conn, slug)

    @_whole_call_retried
    def ranking_song_uuids(self, slug: str, ranking_date: datetime | None = None) -> list[str]:
        with self._read() as conn:
            return reads.ranking_song_uuids(conn, slug, ranking_date)

    # -- tracks and artists ---------------------------------------------------------------------------------

    @_whole_call_retried
    def stale_song_uuids(self, uuids: Iterable[str], max_age: timedelta, now: datetime) -> list[str]:
        with self._read() as conn:
            return reads.stale_song_uuids(conn, uuids, max_age, now)

    def upsert_songs(self, songs: Iterable[Song], fetched_at: datetime) -> int:
        batch = list(songs)
        return self._write(lambda conn: writes.upsert_songs(conn, batch, fetched_at))

    def record_missing_songs(self, uuids: Iterable[str], checked_at: datetime) -> None:
        batch = list(uuids)
        self._write(lambda conn: writes.record_missing(conn, schema.tracks, batch, checked_at))

    @_whole_call_retried
    def get_track(self, song_uuid: str) -> TrackRow | None:
        with self._read() as conn:
            row = reads.get_track(conn, song_uuid)
        return TrackRow.from_row(row) if row else None

    @_whole_call_retried
    def credited_artists(self, song_uuids: Iterable[str]) -> dict[str, list[ArtistRef]]:
        with self._read() as conn:
            return reads.credited_artists(conn, song_uuids)

    def link_track_artists(self, links: Mapping[str, Sequence[ArtistRef]]) -> int:
        return self._write(lambda conn: writes.link_track_artists(conn, links))

    @_whole_call_retried
    def chart_artist_uuids(self, slug: str, ranking_date: datetime | None = None) -> list[str]:
        with self._read() as conn:
            return reads.chart_artist_uuids(conn, slug, ranking_date)

    @_whole_call_retried
    def stale_artist_uuids(self, uuids: Iterable[str], max_age: timedelta, now: datetime) -> list[str]:
        with self._read() as conn:
            return reads.stale_artist_uuids(conn, uuids, max_age, now)

    def upsert_artists(self, artists: Iterable[Artist], fetched_at: datetime) -> int:
        batch = list(artists)
        return self._write(lambda conn: writes.upsert_artists(conn, batch, fetched_at))

    def record_missing_artists(self, uuids: Iterable[str], checked_at: datetime) -> None:
        batch = list(uuids)
        self._write(lambda conn: writes.record_missing(conn, schema.artists, batch, checked_at))

    # -- audience -------------------------------------------------------------------------------------------

    @_whole_call_retried
    def stale_audience(
        self, entity: str, uuids: Iterable[str], platforms: Iterable[str], max_age: timedelta, now: datetime
    ) -> list[tuple[str, str]]:
        with self._read() as conn:
            return reads.stale_audience(conn, entity, uuids, platforms, max_age, now)

    @_whole_call_retried
    def claim_stale_audience(
        self, entity: str, uuids: Iterable[str], platforms: Iterable[str], max_age: timedelta, now: datetime,
        owner: str, lease: timedelta = timedelta(minutes=10), limit: int = 128,
    ) -> list[tuple[str, str]]:
        """Stale pairs leased to ``owner`` (at most ``limit``); pairs another run holds are left out."""
        return self._write(
            lambda conn: writes.claim_stale_audience(
                conn, entity, list(uuids), list(platforms), max_age, now, owner, lease.total_seconds(), limit
            )
        )

    @_whole_call_retried
    def stale_metadata_uuids(self, entity: str, uuids: Iterable[str], max_age: timedelta, now: datetime) -> list[str]:
        """Songs or artists (``entity``) whose metadata is missing or older than ``max_age``."""
        with self._read() as conn:
            return reads.stale_metadata_uuids(conn, entity, uuids, max_age, now)

    @_whole_call_retried
    def claim_stale_metadata(
        self, entity: str, uuids: Iterable[str], max_age: timedelta, now: datetime, owner: str,
        lease: timedelta = timedelta(minutes=10), limit: int = 1000,
    ) -> list[str]:
        """Songs or artists with stale metadata, leased to ``owner``; those another run holds are left out."""
        reads.check_entity(entity)
        return self._write(
            lambda conn: writes.claim_stale_metadata(
                conn, entity, list(uuids), max_age, now, owner, lease.total_seconds(), limit
            )
        )

    @_whole_call_retried
    def release_claims(self, entity: str, pairs: Iterable[tuple[str, str]], owner: str) -> None:
        """Drop ``owner``'s leases on (uuid, platform) pairs; a metadata lease's platform is ``"metadata"``."""
        self._write(lambda conn: writes.release_claims(conn, entity, list(pairs), owner))

    def release_metadata_claims(self, entity: str, uuids: Iterable[str], owner: str) -> None:
        self.release_claims(entity, [(uuid, writes.METADATA_LEASE) for uuid in uuids], owner)

    @_whole_call_retried
    def last_audience_date(
        self, entity: str, uuid: str, platform: str, metric: str | None = None
    ) -> date | None:
        """The last stored day (of one artist ``metric`` when given), so the next fetch asks only for new days."""
        with self._read() as conn:
            return reads.last_audience_date(conn, entity, uuid, platform, metric)

    def write_track_audience(
        self, song_uuid: str, platform: str, points: Sequence[SongAudiencePoint], fetched_at: datetime,
        status: str = "ok",
    ) -> int:
        return self._write(
            lambda conn: writes.write_track_audience(conn, song_uuid, platform, points, fetched_at, status)
        )

    def write_track_airplay(
        self, song_uuid: str, day: date, counts: Sequence[AirplayCount], fetched_at: datetime,
        status: str = "ok",
    ) -> int:
        return self._write(
            lambda conn: writes.write_track_airplay(conn, song_uuid, day, counts, fetched_at, status)
        )

    def write_artist_audience(
        self, artist_uuid: str, platform: str, points: Sequence[ArtistAudiencePoint], fetched_at: datetime,
        status: str = "ok", source: str | None = None,
    ) -> int:
        """``source`` names the fetch in ``audience_fetches`` when one platform has several endpoints
        (Spotify followers vs Spotify monthly listeners); it defaults to the platform."""
        return self._write(
            lambda conn: writes.write_artist_audience(
                conn, artist_uuid, platform, points, fetched_at, status, source or platform
            )
        )

    def record_audience_outcome(
        self, entity: str, uuid: str, platform: str, status: str, fetched_at: datetime
    ) -> None:
        """Remember a 404 (``not_found``) or 403 (``not_in_plan``) so it is not asked again until stale."""
        self._write(
            lambda conn: writes.record_audience_outcome(conn, entity, uuid, platform, status, fetched_at)
        )

    @_whole_call_retried
    def audience_coverage(
        self, entity: str, uuids: Iterable[str], platforms: Iterable[str]
    ) -> dict[str, dict[str, int]]:
        with self._read() as conn:
            return reads.audience_coverage(conn, entity, uuids, platforms)

    # -- checks and metadata --------------------------------------------------------------------------------

    @_whole_call_retried
    def ranking_positions(self, slug: str, ranking_date: datetime | None = None) -> list[int]:
        with self._read() as conn:
            return reads.ranking_positions(conn, slug, ranking_date)

    def delete_ranking_position(self, slug: str, position: int, ranking_date: datetime | None = None) -> bool:
        return self._write(lambda conn: writes.delete_ranking_position(conn, slug, position, ranking_date))

    @_whole_call_retried
    def songs_without_metadata(self, slug: str, ranking_date: datetime | None = None) -> list[str]:
        with self._read() as conn:
            return reads.songs_without_metadata(conn, slug, ranking_date)

    @_whole_call_retried
    def artists_without_metadata(self, slug: str, ranking_date: datetime | None = None) -> list[str]:
        with self._read() as conn:
            return reads.artists_without_metadata(conn, slug, ranking_date)

    @_whole_call_retried
    def songs_not_found(self, slug: str, ranking_date: datetime | None = None) -> list[str]:
        with self._read() as conn:
            return reads.songs_not_found(conn, slug, ranking_date)

    @_whole_call_retried
    def artists_not_found(self, slug: str, ranking_date: datetime | None = None) -> list[str]:
        with self._read() as conn:
            return reads.artists_not_found(conn, slug, ranking_date)

    @_whole_call_retried
    def table_counts(self) -> dict[str, int]:
        with self._read() as conn:
            return reads.table_counts(conn)

    @_whole_call_retried
    def chart_summary(self, slug: str) -> dict[str, Any]:
        with self._read() as conn:
            return reads.chart_summary(conn, slug)

    @contextmanager
    def connection(self) -> Iterator[sa.Connection]:
        """A read connection for ``loaders.py`` (pandas needs one); not for writes."""
        with self._read() as conn:
            yield conn

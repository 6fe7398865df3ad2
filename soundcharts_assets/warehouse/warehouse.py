"""``Warehouse``: the one object the rest of the project uses to store and read chart data.

Its operations live with the noun they serve, each written once with its SQL: ``charts.py`` (registry,
rankings, checks on an edition), ``catalogue.py`` (songs, artists, credits), ``audience.py`` (series and
fetch outcomes) and ``leases.py`` (claims on what a run is about to fetch). This module adds the lifecycle:
opening from the environment, migrating, disposing, and the overviews that span every table.
"""

from __future__ import annotations

import zlib
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from soundcharts_assets.settings import warehouse_url_from_env
from soundcharts_assets.vocabulary import FetchStatus
from soundcharts_assets.warehouse.alert_inputs import AlertInputStore
from soundcharts_assets.warehouse.alerts import AlertStore
from soundcharts_assets.warehouse.audience import AudienceStore
from soundcharts_assets.warehouse.catalogue import CatalogueStore
from soundcharts_assets.warehouse.charts import ChartStore, latest_ranking_date
from soundcharts_assets.warehouse.churn import ChurnStore
from soundcharts_assets.warehouse.leases import LeaseStore
from soundcharts_assets.warehouse.schema import (
    DATA_TABLES,
    artist_audience,
    artists,
    chart_rankings,
    track_artists,
    track_audience,
    tracks,
)
from soundcharts_assets.warehouse.spend import SpendStore
from soundcharts_assets.warehouse.watchlists import WatchlistStore

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Any fixed 64-bit number shared by every process migrating the same database.
MIGRATION_LOCK_KEY = zlib.crc32(b"soundcharts_assets.warehouse.migrate")


def _count(conn: sa.Connection, table: sa.FromClause, *where: Any) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one())


class Warehouse(
    ChartStore,
    ChurnStore,
    CatalogueStore,
    AudienceStore,
    LeaseStore,
    SpendStore,
    WatchlistStore,
    AlertStore,
    AlertInputStore,
):
    """SQLite by default, Postgres by URL; see docs/architecture.md for the contract.

    A context manager: ``with Warehouse(url) as wh:`` disposes of the engine's connections on the way out.
    """

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Warehouse:
        return cls(warehouse_url_from_env(env))

    def __repr__(self) -> str:
        return f"Warehouse({self.url_for_display()!r})"

    def dispose(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.dispose()

    def migrate(self) -> None:
        """Bring the schema to the newest revision; a no-op when there, safe to call from many processes.

        On Postgres a transaction-scoped advisory lock serialises concurrent callers: the second waits, then
        finds the schema at head. On SQLite ``BEGIN IMMEDIATE`` plus the busy timeout does the same.
        The upgrade is one transaction, so a server outage mid-way is retried whole.
        """
        self.through_outages(self._upgrade_to_head)

    def _upgrade_to_head(self) -> None:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        with self._connect(write=True) as conn, conn.begin():
            if self.dialect == "postgresql":
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK_KEY)))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    @contextmanager
    def connection(self) -> Iterator[sa.Connection]:
        """A read connection for ``loaders.py`` (pandas needs one); not for writes."""
        with self._read() as conn:
            yield conn

    def table_counts(self, only: Collection[str] | None = None) -> dict[str, int]:
        """Rows per data table (``only`` those named: counting the audience tables scans millions of rows)."""
        with self._read() as conn:
            return {table.name: _count(conn, table) for table in DATA_TABLES if only is None or table.name in only}

    def chart_summary(self, slug: str) -> dict[str, Any]:
        """What is stored for one chart across all its editions: the CLI prints this after a run."""
        r, ta, ok = chart_rankings.c, track_artists.c, FetchStatus.OK.value
        songs = sa.select(r.song_uuid).where(r.chart_slug == slug).distinct()
        chart_artists = sa.select(ta.artist_uuid).where(ta.song_uuid.in_(songs)).distinct()
        editions = sa.select(sa.func.count(sa.distinct(r.ranking_date))).where(r.chart_slug == slug)
        with self._read() as conn:
            return {
                "slug": slug,
                "ranking_rows": _count(conn, chart_rankings, r.chart_slug == slug),
                "editions": int(conn.execute(editions).scalar_one()),
                "latest_ranking_date": latest_ranking_date(conn, slug),
                "songs": _count(conn, songs.subquery()),
                "tracks": _count(conn, tracks, tracks.c.song_uuid.in_(songs), tracks.c.status == ok),
                "artists": _count(conn, artists, artists.c.artist_uuid.in_(chart_artists), artists.c.status == ok),
                "artist_links": _count(conn, chart_artists.subquery()),
                "track_audience_rows": _count(conn, track_audience, track_audience.c.song_uuid.in_(songs)),
                "artist_audience_rows": _count(conn, artist_audience, artist_audience.c.artist_uuid.in_(chart_artists)),
            }

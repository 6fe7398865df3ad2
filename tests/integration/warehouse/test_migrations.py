"""The database enforces the vocabulary (migration 0004), and upgrading a database with rows keeps them.

Each test runs on a SQLite file and on a Postgres database. Bad words are written with raw inserts, past the
``Warehouse`` methods that would refuse them first, because the point is what the database itself refuses.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext

from soundcharts_assets.warehouse import Warehouse
from soundcharts_assets.warehouse.schema import (
    VERSION_TABLE,
    artists,
    audience_claims,
    audience_fetches,
    charts,
    metadata,
    tracks,
)
from soundcharts_assets.warehouse.warehouse import MIGRATIONS_DIR

NOW = datetime(2024, 5, 10, 12, 0, tzinfo=timezone.utc)
CHECKED = {"charts", "tracks", "artists", "audience_fetches", "audience_claims"}


def _track(status: str) -> dict[str, Any]:
    return {"song_uuid": f"s-{status}", "fetched_at": NOW, "status": status}


def _artist(status: str) -> dict[str, Any]:
    return {"artist_uuid": f"a-{status}", "fetched_at": None if status == "stub" else NOW, "status": status}


def _fetch(entity: str, status: str) -> dict[str, Any]:
    return {
        "entity": entity,
        "entity_uuid": f"{entity}-{status}",
        "platform": "spotify",
        "fetched_at": NOW,
        "status": status,
        "points": 0,
    }


def _claim(entity: str, platform: str) -> dict[str, Any]:
    return {
        "entity": entity,
        "entity_uuid": f"{entity}-1",
        "platform": platform,
        "claimed_by": "chart-a",
        "claimed_until": 1.0e9,
    }


def _chart(schedule: str) -> dict[str, Any]:
    return {"slug": f"chart-{schedule}", "sync_schedule": schedule, "registered_at": NOW, "updated_at": NOW}


VALID_ROWS: list[tuple[sa.Table, dict[str, Any]]] = [
    (charts, _chart("weekly")),
    (tracks, _track("ok")),
    (tracks, _track("not_found")),
    (artists, _artist("stub")),
    (artists, _artist("ok")),
    (artists, _artist("not_found")),
    (audience_fetches, _fetch("song", "ok")),
    (audience_fetches, _fetch("artist", "not_in_plan")),
    (audience_claims, _claim("song", "spotify")),
    (audience_claims, _claim("artist", "metadata")),
]
BAD_ROWS = {
    "charts.sync_schedule": (charts, _chart("hourly")),
    "tracks.status": (tracks, _track("stub")),
    "artists.status": (artists, _artist("missing")),
    "audience_fetches.entity": (audience_fetches, _fetch("album", "ok")),
    "audience_fetches.status": (audience_fetches, _fetch("song", "forbidden")),
    "audience_claims.entity": (audience_claims, _claim("album", "metadata")),
}


def _migrate_to(warehouse: Warehouse, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with warehouse.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def _insert(warehouse: Warehouse, table: sa.Table, row: dict[str, Any]) -> None:
    with warehouse.engine.begin() as conn:
        conn.execute(table.insert().values(**row))


@pytest.mark.parametrize("column", sorted(BAD_ROWS))
def test_the_database_refuses_a_word_outside_the_vocabulary(warehouse_url: str, column: str) -> None:
    with Warehouse(warehouse_url) as wh:
        wh.migrate()
        table, row = BAD_ROWS[column]
        with pytest.raises(sa.exc.IntegrityError, match=f"ck_{column.replace('.', '_')}"):
            _insert(wh, table, row)
        assert wh.table_counts().get(table.name, 0) == 0


def test_upgrading_a_database_with_rows_keeps_them_and_adds_the_checks(warehouse_url: str) -> None:
    with Warehouse(warehouse_url) as wh:
        _migrate_to(wh, "0003")
        for table, row in VALID_ROWS:
            _insert(wh, table, row)
        _insert(wh, tracks, _track("ok") | {"song_uuid": "s-isrc", "isrc": "FR0000000001"})
        columns = _columns(wh)
        before = _dump(wh, columns)

        wh.migrate()
        assert _dump(wh, columns) == before
        inspector = sa.inspect(wh.engine)
        assert {ix["name"] for ix in inspector.get_indexes("tracks")} == {"ix_tracks_isrc"}
        stored = {table: {check["name"] for check in inspector.get_check_constraints(table)} for table in CHECKED}
        expected = {
            table.name: {c.name for c in table.constraints if isinstance(c, sa.CheckConstraint)}
            for table in metadata.tables.values()
            if table.name in CHECKED
        }
        assert stored == expected  # schema.py and the migrations name the same constraints
        with wh.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
            assert compare_metadata(context, metadata) == []
        for table, row in BAD_ROWS.values():
            with pytest.raises(sa.exc.IntegrityError):
                _insert(wh, table, row)


def _dump(warehouse: Warehouse, columns: dict[str, list[str]] | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the checked tables, in the columns the database has (or ``columns``, to compare a later
    revision on the columns an earlier one had: later migrations may add some)."""
    columns = columns or _columns(warehouse)
    with warehouse.connection() as conn:
        return {
            name: sorted(
                tuple(row)
                for row in conn.execute(sa.select(*(sa.column(c) for c in columns[name])).select_from(sa.table(name)))
            )
            for name in sorted(CHECKED)
        }


def _columns(warehouse: Warehouse) -> dict[str, list[str]]:
    inspector = sa.inspect(warehouse.engine)
    return {name: [column["name"] for column in inspector.get_columns(name)] for name in sorted(CHECKED)}

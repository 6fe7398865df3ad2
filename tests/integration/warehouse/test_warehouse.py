"""The warehouse's lifecycle against real SQLite files and real Postgres databases (each test runs on both):
migrations, unusable URLs, and concurrent writers.

Model instances are built by hand (``builders.py``): these tests pin what the warehouse stores, not
what the API sends. The operations are tested by noun in ``test_warehouse_{charts,catalogue,audience}.py``.
"""

from __future__ import annotations

import multiprocessing
import threading
from datetime import date, datetime, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from soundcharts_assets.soundcharts.models import SongAudiencePoint
from soundcharts_assets.warehouse import Warehouse, WarehouseError
from soundcharts_assets.warehouse.schema import VERSION_TABLE, metadata
from soundcharts_assets.warehouse.warehouse import MIGRATIONS_DIR
from tests.integration.warehouse.builders import DAY1, ranking, song

# -- migrations ---------------------------------------------------------------------------------------------


def test_migrate_twice_is_a_noop_and_matches_schema(wh: Warehouse) -> None:
    wh.write_ranking(ranking(DAY1, ["s1"]))
    before = wh.table_counts()
    wh.migrate()
    assert wh.table_counts() == before
    with wh.engine.connect() as conn:
        versions = conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        diffs = compare_metadata(context, metadata)
    assert versions == [ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()]
    assert diffs == []


def test_concurrent_migrate_from_two_threads(warehouse_url: str) -> None:
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def migrate() -> None:
        warehouse = Warehouse(warehouse_url)
        try:
            barrier.wait()
            warehouse.migrate()
        except BaseException as exc:
            errors.append(exc)
        finally:
            warehouse.dispose()

    threads = [threading.Thread(target=migrate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with Warehouse(warehouse_url) as warehouse:
        assert warehouse.table_counts()["charts"] == 0


# -- bad URLs ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "this is not a url",
        "mysql://user:s3cr3tpw@db.example/charts",
        "postgresql+nosuchdriver://user:s3cr3tpw@127.0.0.1/charts",
        "postgresql://user:s3cr3tpw@127.0.0.1:1/charts",
        "sqlite:////proc/no-such-folder/warehouse.sqlite",
    ],
)
def test_bad_urls_give_one_line_errors_without_password(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOUNDCHARTS_DB_OUTAGE_WAIT_SECONDS", "1")  # a refused port is waited out like a restart
    if url.startswith("postgresql://"):
        assert "s3cr3tpw" not in Warehouse(url).url_for_display()
    with pytest.raises(WarehouseError) as caught:
        warehouse = Warehouse(url)
        warehouse.migrate()
    message = str(caught.value)
    print(message)
    assert "SOUNDCHARTS_WAREHOUSE_URL" in message
    assert "s3cr3tpw" not in message and "\n" not in message


# -- concurrency ---------------------------------------------------------------------------------------------


def _upsert_overlapping(url: str, worker: int, start: Any) -> None:
    """One racer: songs 0-299 or 150-449 in batches of 10, artists linked, audience written."""
    warehouse = Warehouse(url)
    start.wait(timeout=30)  # a multiprocessing Barrier: both migrate the fresh database, then write, together
    warehouse.migrate()
    uuids = [f"song-{i:04d}" for i in range(worker * 150, worker * 150 + 300)]
    for batch_start in range(0, len(uuids), 10):
        batch = uuids[batch_start : batch_start + 10]
        fetched = datetime.now(timezone.utc)
        warehouse.upsert_songs([song(u, f"art-{int(u[-4:]) % 40}", "art-shared") for u in batch], fetched)
        warehouse.link_track_artists(warehouse.credited_artists(batch))
        for u in batch[:2]:
            point = SongAudiencePoint(date(2024, 5, 1), "id", 1)
            warehouse.write_track_audience(u, "spotify", [point], fetched)
    warehouse.dispose()


@pytest.mark.slow
def test_two_processes_upserting_overlapping_songs(warehouse_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    processes = [context.Process(target=_upsert_overlapping, args=(warehouse_url, w, start)) for w in (0, 1)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
    assert [p.exitcode for p in processes] == [0, 0]
    with Warehouse(warehouse_url) as warehouse:
        counts = warehouse.table_counts()
    assert counts["tracks"] == 450
    assert counts["artists"] == 41
    assert counts["track_artists"] == 900

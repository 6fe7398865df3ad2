"""The embedded instance's SQLite event log keeps its databases open, and other processes still see every event.

``instance_sqlite.KeptOpenSqliteEventLogStorage`` (named in the shipped dagster.yaml) keeps one connection per
database per process. Two storage objects on one directory stand for two processes (the CLI running a run, the
webserver showing it): each has its own connections, as separate processes do.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from soundcharts_assets.instance_events import log_line
from soundcharts_assets.instance_sqlite import KeptOpenSqliteEventLogStorage
from tests.support.paths import REPO_ROOT
from tests.support.waiting import wait_for

RUN_ID = "0f1e2d3c-aaaa-bbbb-cccc-000000000002"


def _entry(message: str) -> EventLogEntry:
    return log_line(message, run_id=RUN_ID, job_name="cascade")


def _messages(storage: SqliteEventLogStorage) -> list[str]:
    return [record.event_log_entry.user_message for record in storage.get_records_for_run(RUN_ID).records]


def test_events_written_over_a_kept_connection_are_read_at_once_by_another_process(tmp_path: Path) -> None:
    writer = KeptOpenSqliteEventLogStorage(str(tmp_path))
    reader = KeptOpenSqliteEventLogStorage(str(tmp_path))
    try:
        for message in ("first", "second"):
            writer.store_event(_entry(message))
            assert _messages(reader)[-1] == message
        assert _messages(SqliteEventLogStorage(str(tmp_path))) == ["first", "second"]  # Dagster's own reads them
    finally:
        writer.dispose()
        reader.dispose()


def test_a_run_database_is_the_one_dagster_creates(tmp_path: Path) -> None:
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    KeptOpenSqliteEventLogStorage(str(ours)).store_event(_entry("hello"))
    SqliteEventLogStorage(str(theirs)).store_event(_entry("hello"))

    def schema(folder: Path) -> tuple[list[tuple[str, str]], list[tuple[str]], str]:
        with sqlite3.connect(folder / f"{RUN_ID}.db") as conn:
            tables = conn.execute("SELECT type, name FROM sqlite_master ORDER BY name").fetchall()
            version = conn.execute("SELECT version_num FROM alembic_version").fetchall()
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        return tables, version, mode

    assert schema(ours) == schema(theirs)
    assert schema(ours)[2] == "wal"


def test_a_watcher_sees_events_still_in_the_writers_wal(tmp_path: Path) -> None:
    """The webserver follows a running run by watching its database; a kept connection's commits stay in the
    ``-wal`` file until a checkpoint, so the watcher follows that file too."""
    writer = KeptOpenSqliteEventLogStorage(str(tmp_path))
    watcher = KeptOpenSqliteEventLogStorage(str(tmp_path))
    seen: list[str] = []
    try:
        writer.store_event(_entry("before the watch"))
        watcher.watch(RUN_ID, None, lambda entry, _cursor: seen.append(entry.user_message))
        for message in ("one", "two", "three"):
            writer.store_event(_entry(message))

            def arrived(wanted: str = message) -> bool:
                return wanted in seen

            wait_for(f"the watcher to see {message!r}", arrived, timeout=10, interval=0.05)
        assert (tmp_path / f"{RUN_ID}.db-wal").exists()  # the writer's commits were in the WAL
    finally:
        writer.dispose()
        watcher.dispose()


def test_wipe_deletes_the_run_databases_it_keeps_open(tmp_path: Path) -> None:
    storage = KeptOpenSqliteEventLogStorage(str(tmp_path))
    try:
        storage.store_event(_entry("kept"))
        storage.wipe()
        assert not (tmp_path / f"{RUN_ID}.db").exists()
        storage.store_event(_entry("after the wipe"))
        assert _messages(storage) == ["after the wipe"]
    finally:
        storage.dispose()


def test_the_shipped_instance_keeps_its_event_log_where_dagster_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its own root directory's ``history/runs``, Dagster's default (``dagster._core.instance.ref``), even opened
    by path with DAGSTER_HOME elsewhere."""
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    for home in (tmp_path / "home", tmp_path / "other"):
        home.mkdir()
        shutil.copy(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
        with dg.DagsterInstance.from_config(str(home)) as instance:
            storage = instance.event_log_storage
            assert isinstance(storage, KeptOpenSqliteEventLogStorage)
            assert Path(storage._base_dir) == home / "history" / "runs"
            instance.add_dynamic_partitions("charts", ["global-28"])
        assert (home / "history" / "runs" / "index.db").exists()

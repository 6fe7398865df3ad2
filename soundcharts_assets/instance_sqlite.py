"""The embedded instance's event log on SQLite, keeping its databases open instead of reopening them per statement.

Dagster's ``SqliteEventLogStorage`` creates an engine, opens the file, commits and disposes for every statement.
In WAL mode (Dagster puts every event-log database in WAL) the close of the last connection checkpoints the
WAL into the database, and the commit and the checkpoint each wait on ``fsync``: ~20 ms a statement on this
project's machines. Creating a run writes one ``ASSET_MATERIALIZATION_PLANNED`` event per asset and check, 3-4
statements each, so `cascade --wait` spent ~1.5 s before its first API call writing 14 events.

Here each database (the cross-run ``index`` and one per run) keeps one engine and one connection per process,
with ``synchronous=NORMAL``: in WAL mode a commit then waits on no ``fsync`` and a crash of the process loses
nothing; a power cut may lose the last commits, never the database (https://sqlite.org/pragma.html#pragma_synchronous).
Several processes (webserver, daemon, `cascade --wait`) share the files as before: WAL lets readers and one
writer work side by side, and the busy timeout is Dagster's. At most :data:`KEPT_RUN_DATABASES` run databases
stay open (the webserver reads many runs); the oldest is closed first.

One consequence is handled here: the webserver follows a running run by watching its database file for
changes, and a commit kept in the WAL changes ``<run>.db-wal``, not ``<run>.db``, until a checkpoint. The
watcher here follows both files.

dagster.yaml names this class as its ``event_log_storage``; the run and schedule storages stay Dagster's.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from typing import Any

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from dagster import Field, StringSource
from dagster._core.event_api import EventHandlerFn
from dagster._core.storage.event_log.schema import SqlEventLogStorageMetadata
from dagster._core.storage.event_log.sqlite import sqlite_event_log
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SqliteEventLogStorage,
    SqliteEventLogStorageWatchdog,
)
from dagster._core.storage.sql import get_alembic_config
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from watchdog.events import FileSystemEvent

from soundcharts_assets.instance_events import NeverEmptyEventLog

KEPT_RUN_DATABASES = 8
"""Run databases a process keeps open at once, besides the index (the webserver reads many runs)."""


class KeptOpenSqliteEventLogStorage(NeverEmptyEventLog, SqliteEventLogStorage):
    """``SqliteEventLogStorage`` with one kept engine per database per process (module docstring)."""

    def __init__(self, base_dir: str | None = None, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines: OrderedDict[str, sa.Engine] = OrderedDict()
        self._pid = os.getpid()
        if base_dir is None:  # Dagster's default place, known once the instance registers (its root directory)
            self._inst_data = inst_data
            self._instance_weakref = None
            return
        super().__init__(base_dir, inst_data)

    @classmethod
    def config_type(cls) -> dict[str, Field]:
        return {"base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, Any]
    ) -> KeptOpenSqliteEventLogStorage:
        return cls(config_value.get("base_dir"), inst_data=inst_data)

    def register_instance(self, instance: Any) -> None:
        """Without ``base_dir``, the event log goes where Dagster's default SQLite storage puts it for this
        instance, under its root directory (``dagster._core.instance.ref``), whatever DAGSTER_HOME says."""
        if not hasattr(self, "_base_dir"):
            super().__init__(os.path.join(instance.root_directory, "history", "runs", ""), self._inst_data)
        super().register_instance(instance)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[sa.Connection]:
        with self._db_lock, self._engine_for(shard).connect() as conn, conn.begin():
            yield conn

    def _engine_for(self, shard: str) -> sa.Engine:
        """The shard's kept engine, created (and its database initialised) on first use in this process."""
        if os.getpid() != self._pid:  # forked: the connections belong to the parent
            for inherited in self._engines.values():
                inherited.dispose(close=False)
            self._engines.clear()
            self._pid = os.getpid()
        if shard in self._engines:
            self._engines.move_to_end(shard)
            return self._engines[shard]
        engine = kept_engine(self.conn_string_for_shard(shard))
        if shard not in self._initialized_dbs:
            self._initdb(engine, for_index_shard=shard == INDEX_SHARD_NAME)
            self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        runs = [name for name in self._engines if name != INDEX_SHARD_NAME]
        for name in runs[:-KEPT_RUN_DATABASES]:
            self._engines.pop(name).dispose()
        return engine

    def _initdb(self, engine: sa.Engine, for_index_shard: bool = False) -> None:
        """Dagster's, reading the migration scripts once per process instead of twice per database: a database
        at the newest revision needs nothing, a new run database gets the tables and the stamp in one go. Anything
        else (an old database, the index, another process creating the same file) is left to Dagster's."""
        if at_head_revision(engine):
            return
        if not for_index_shard:
            try:
                with engine.connect() as conn:
                    if not sa.inspect(conn).get_table_names():
                        SqlEventLogStorageMetadata.create_all(conn)
                        MigrationContext.configure(conn).stamp(migration_scripts(), "head")
                        conn.commit()
                        return
            except sa.exc.DBAPIError:
                pass  # another process got there first: Dagster's retries sort it out
        super()._initdb(engine, for_index_shard)

    def _close_run_databases(self) -> None:
        with self._db_lock:
            for name in [name for name in self._engines if name != INDEX_SHARD_NAME]:
                self._engines.pop(name).dispose()

    def wipe(self) -> None:
        self._close_run_databases()  # the run databases are deleted: never write into an unlinked file
        super().wipe()

    def dispose(self) -> None:
        super().dispose()
        with self._db_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()

    def watch(self, run_id: str, cursor: str | None, callback: EventHandlerFn) -> None:
        """Dagster's watch, with a watchdog that also sees commits still in the run's WAL file."""
        if not self._obs:
            self._obs = sqlite_event_log.Observer()  # type: ignore[assignment]
            self._obs.start()  # type: ignore[attr-defined]
        handler = RunDatabaseWatchdog(self, run_id, callback, cursor)
        self._watchers[run_id][callback] = (
            handler,
            self._obs.schedule(handler, self._base_dir, recursive=True),  # type: ignore[attr-defined]
        )


class RunDatabaseWatchdog(SqliteEventLogStorageWatchdog):
    """Reads a run's new events when its database or its WAL file changes."""

    def __init__(
        self, storage: SqliteEventLogStorage, run_id: str, callback: EventHandlerFn, cursor: str | None
    ) -> None:
        super().__init__(storage, run_id, callback, cursor)
        self._patterns = [self._log_path, f"{self._log_path}-wal"]  # Dagster's passes the database only

    def on_modified(self, event: FileSystemEvent) -> None:
        self._process_log()


def kept_engine(url: str) -> sa.Engine:
    """One connection kept for the database (more while one is in use, closed on return), WAL without fsync
    per commit. Threads share it under the storage's lock, hence ``check_same_thread=False``."""
    engine = sa.create_engine(
        url,
        poolclass=sa.QueuePool,
        pool_size=1,
        max_overflow=-1,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
    )
    sa.event.listen(engine, "connect", _wal_without_fsync_per_commit)
    return engine


def _wal_without_fsync_per_commit(dbapi_connection: Any, _record: Any) -> None:
    """WAL is what Dagster sets on every event-log database (after creating its tables: here before, so that
    creating them is not one ``fsync`` per table); ``synchronous`` is per connection."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def at_head_revision(engine: sa.Engine) -> bool:
    """Whether the database is already at the event log's newest migration: then Dagster's ``_initdb`` (which
    reads every migration script, ~0.1-0.3 s per database) has nothing to do."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision() == head_revision()


def head_revision() -> str | tuple[str, ...] | None:
    """The event log's newest alembic revision."""
    return migration_scripts().as_revision_number("head")


@cache
def migration_scripts() -> ScriptDirectory:
    """The event log's alembic scripts, read once per process."""
    return ScriptDirectory.from_config(get_alembic_config(sqlite_event_log.__file__))

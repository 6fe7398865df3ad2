"""Engine creation: URL validation, SQLite pragmas and ``BEGIN IMMEDIATE``, Postgres pool settings.

SQLite is the default because it needs nothing installed, but Dagster runs several processes at once
against the same file. Three settings make that safe:

* WAL journal mode, so readers never block the writer and the writer never blocks readers;
* a 30 s busy timeout, so a second writer waits for the lock instead of failing;
* ``BEGIN IMMEDIATE`` for write transactions. With the driver's default deferred ``BEGIN`` a transaction
  that reads and then writes must upgrade its lock mid-way, and SQLite answers "database is locked" at
  once (the busy handler cannot help, waiting could deadlock). Taking the write lock up front turns every
  conflict into a plain wait. This is SQLAlchemy's documented recipe: the driver's own transaction
  handling is switched off (``isolation_level = None``) and a ``begin`` hook emits our ``BEGIN``.
"""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine
from sqlalchemy.pool import StaticPool

from soundcharts_assets.warehouse.errors import WarehouseUrlError

ENV_VAR = "SOUNDCHARTS_WAREHOUSE_URL"
BUSY_TIMEOUT_SECONDS = 30.0
WRITE_OPTION = "soundcharts_write"
"""Connection execution option marking a write transaction (SQLite begins it with ``BEGIN IMMEDIATE``)."""

_POSTGRES_NAMES = {"postgres", "postgresql"}


def mask_password(raw: str) -> str:
    """Hide the password of a URL that SQLAlchemy could not parse, so the error can still quote it."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", raw)


def parse_url(raw: str) -> URL:
    """Parse and normalise a warehouse URL; ``postgres://`` and ``postgresql://`` mean psycopg2."""
    try:
        url = sa.make_url(raw)
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise WarehouseUrlError(
            f"{ENV_VAR}={mask_password(raw)!r} is not a database URL ({exc}); "
            "use e.g. sqlite:///data/warehouse.sqlite or postgresql://user@host/db"
        ) from None
    if url.drivername in _POSTGRES_NAMES:
        url = url.set(drivername="postgresql+psycopg2")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise WarehouseUrlError(
            f"{ENV_VAR}={display(url)} uses {url.get_backend_name()!r}; "
            "the warehouse supports sqlite:// and postgresql:// URLs"
        )
    return url


def display(url: URL) -> str:
    """The URL as it may appear in messages and logs."""
    return url.render_as_string(hide_password=True)


def create_warehouse_engine(url: URL) -> Engine:
    """An engine configured for concurrent writers; ``WarehouseUrlError`` when the driver is not installed."""
    try:
        if url.get_backend_name() == "sqlite":
            return _sqlite_engine(url)
        return _postgres_engine(url)
    except (sa.exc.NoSuchModuleError, ImportError) as exc:
        raise WarehouseUrlError(
            f"{ENV_VAR}={display(url)} names a driver that is not installed ({exc}); "
            "use sqlite:// or postgresql:// (psycopg2)"
        ) from None


POSTGRES_POOL_SIZE = 16
"""Connections kept open per process: an audience step writes from its 16 fetch threads while its lease
heartbeat and readers run. SQLAlchemy's default (5) closes every connection above it when it is returned,
so each write past the fifth paid a fresh connect (5 % of a Celery worker's time in a 20-chart fleet)."""


def _postgres_engine(url: URL) -> Engine:
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = 10
    # No pool_pre_ping: it is a round trip before every transaction. A connection the server dropped (a
    # restart) fails its first statement instead; SQLAlchemy then invalidates the whole pool and
    # ``OutageRetry`` runs the transaction again, whole, on a fresh connection.
    return sa.create_engine(
        url,
        pool_size=POSTGRES_POOL_SIZE,
        max_overflow=POSTGRES_POOL_SIZE,
        connect_args=connect_args,
    )


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
    if in_memory:
        # One connection shared by all users, otherwise every connection would see its own empty database.
        engine = sa.create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        _require_folder(url, Path(database).expanduser().resolve().parent)
        engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})
    _install_sqlite_hooks(engine, wal=not in_memory)
    return engine


def _require_folder(url: URL, folder: Path) -> None:
    """The SQLite file's folder exists: a mistyped path is refused, never created as an empty warehouse
    (the default one in the data directory is created by ``settings.warehouse_url_from_env``)."""
    if folder.is_dir():
        return
    problem = "is not a folder" if folder.exists() else "does not exist"
    raise WarehouseUrlError(
        f"{ENV_VAR}={display(url)}: the folder {folder} {problem}; create it first or point it at a writable path"
    )


def _switch_to_wal(cursor: Any) -> None:
    """Put the file in WAL mode (it stays so); retried because the switch does not wait on the busy handler.

    Only the first connections to a fresh file ever switch: when two processes open it at once, one of
    them is refused with "database is locked" while the other converts the file.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _install_sqlite_hooks(engine: Engine, wal: bool) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy (see the module docstring).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # busy_timeout first: switching to WAL needs a lock another process may hold.
            cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if wal:
                _switch_to_wal(cursor)
            # NORMAL is durable across application crashes in WAL mode and much faster than FULL.
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        if conn.get_execution_options().get(WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

"""The instance's event log on PostgreSQL keeps one connection per process, and never shares it with a fork.

``dagster-postgres`` opens a connection per statement outside the webserver; a 50-chart fleet run's start
wrote ~900 of them. ``instance_storage.OutageTolerantEventLogStorage`` pools one. Server sessions are counted
by PostgreSQL itself (``pg_stat_database.sessions``), so the test sees what the server saw.
"""

from __future__ import annotations

import os
import time

import pytest
import sqlalchemy as sa
from dagster._core.events.log import EventLogEntry

from soundcharts_assets.instance_events import log_line
from soundcharts_assets.instance_storage import OutageTolerantEventLogStorage

pytestmark = pytest.mark.postgres

RUN_ID = "0f1e2d3c-aaaa-bbbb-cccc-000000000001"


def _entry(message: str) -> EventLogEntry:
    return log_line(message, run_id=RUN_ID, job_name="fleet")


def _sessions(admin_url: str, url: str) -> int:
    """Sessions the server has opened on the database so far (its statistics, flushed first)."""
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT pg_stat_force_next_flush()"))
        time.sleep(0.6)  # other backends flush their counters on their own schedule (at most every second)
        count = conn.execute(
            sa.text("SELECT sessions FROM pg_stat_database WHERE datname = :name"),
            {"name": sa.make_url(url).database},
        ).scalar_one()
    engine.dispose()
    return int(count)


def _backend_pid(storage: OutageTolerantEventLogStorage) -> int:
    with storage._connect() as conn:
        return int(conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())


def test_a_process_writes_its_events_over_one_connection(postgres_admin_url: str, postgres_url: str) -> None:
    storage = OutageTolerantEventLogStorage(postgres_url)
    try:
        storage.store_event(_entry("first"))
        before = _sessions(postgres_admin_url, postgres_url)
        for index in range(30):
            storage.store_event(_entry(f"event {index}"))
        opened = _sessions(postgres_admin_url, postgres_url) - before
        assert len(storage.get_logs_for_run(RUN_ID)) == 31
    finally:
        storage.dispose()
    # dagster-postgres' own storage opens one session per event here (30); the pool reuses its one.
    assert opened <= 1, f"{opened} sessions opened for 30 events"


def test_a_forked_child_opens_its_own_connection(postgres_url: str) -> None:
    storage = OutageTolerantEventLogStorage(postgres_url)
    try:
        storage.store_event(_entry("parent before"))
        parent_backend = _backend_pid(storage)
        read, write = os.pipe()
        child = os.fork()
        if child == 0:  # the child: report its backend, write events, exit without running pytest's teardown
            code = 1
            try:
                os.write(write, str(_backend_pid(storage)).encode())
                for index in range(5):
                    storage.store_event(_entry(f"child {index}"))
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        child_backend = int(os.read(read, 64).decode())
        _, status = os.waitpid(child, 0)
        storage.store_event(_entry("parent after"))
        assert os.waitstatus_to_exitcode(status) == 0
        assert child_backend != parent_backend
        assert _backend_pid(storage) == parent_backend  # the parent's connection survived the child's exit
        assert len(storage.get_logs_for_run(RUN_ID)) == 7
    finally:
        storage.dispose()

"""Both event logs we ship answer automation's "newest event id" with an id, even when empty
(``instance_events.NeverEmptyEventLog``; what automation does with it: ``defs/alerts/test_sensors.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster._core.storage.event_log.sql_event_log import SqlEventLogStorage

from soundcharts_assets.instance_events import log_line
from soundcharts_assets.instance_sqlite import KeptOpenSqliteEventLogStorage
from soundcharts_assets.instance_storage import OutageTolerantEventLogStorage

RUN_ID = "0f1e2d3c-aaaa-bbbb-cccc-000000000003"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def event_logs(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[SqlEventLogStorage, SqlEventLogStorage]]:
    """Two storages on one event log, each with its own connections, as two processes (the daemon, a CLI
    command) have."""
    if request.param == "sqlite":
        logs: tuple[SqlEventLogStorage, SqlEventLogStorage] = (
            KeptOpenSqliteEventLogStorage(str(tmp_path)),
            KeptOpenSqliteEventLogStorage(str(tmp_path)),
        )
    else:
        url = request.getfixturevalue("postgres_url")
        logs = (OutageTolerantEventLogStorage(url), OutageTolerantEventLogStorage(url))
    yield logs
    for log in logs:
        log.dispose()


def test_an_empty_event_log_answers_with_its_first_entry_written_once(event_logs) -> None:
    daemon, cli = event_logs
    first = daemon.get_maximum_record_id()
    assert isinstance(first, int)
    assert cli.get_maximum_record_id() == first  # seen by the other storage, not written again
    assert daemon.get_maximum_record_id() == first
    assert daemon.get_asset_keys() == []  # no asset's event, in no run of the instance

    cli.store_event(log_line("a run's first line", run_id=RUN_ID))
    assert [entry.user_message for entry in daemon.get_logs_for_run(RUN_ID)] == ["a run's first line"]


@pytest.mark.postgres
def test_a_connection_that_may_not_write_gets_dagsters_answer(postgres_url: str) -> None:
    """A webserver on a read-only replica or role asks too: it gets ``None``, as from Dagster's own storage."""
    OutageTolerantEventLogStorage(postgres_url).dispose()  # the tables, made by a process that may write
    read_only = f"{postgres_url}?options=-c%20default_transaction_read_only%3Don"
    storage = OutageTolerantEventLogStorage(read_only, should_autocreate_tables=False)
    try:
        assert storage.get_maximum_record_id() is None
    finally:
        storage.dispose()

"""``OutageRetry``: which errors are outages, how long they are waited out, what the final error says."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from soundcharts_assets.warehouse.errors import WarehouseUrlError
from soundcharts_assets.warehouse.outages import OutageRetry, server_went_away

PG = sa.make_url("postgresql+psycopg2://bob:hunter2@db.example:5432/warehouse")
REFUSED = 'connection to server at "db.example", port 5432 failed: Connection refused\n\tIs the server running?'


def _error(message: str, pgcode: str | None = None, invalidated: bool = False) -> sa.exc.DBAPIError:
    orig = Exception(message)
    orig.pgcode = pgcode  # type: ignore[attr-defined]
    return sa.exc.OperationalError("SELECT 1", {}, orig, connection_invalidated=invalidated)


def _scripted(*outcomes: object):
    """Work that raises or returns each outcome in turn."""
    left = list(outcomes)

    def work() -> object:
        outcome = left.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return work


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.mark.parametrize(
    "error",
    [
        _error(REFUSED),
        _error("server closed the connection unexpectedly"),
        _error("terminating connection due to administrator command", "57P01"),
        _error("FATAL:  the database system is starting up", "57P03"),
        _error("FATAL:  the database system is shutting down"),
        _error("anything", invalidated=True),
    ],
)
def test_outages_are_recognised(error: sa.exc.DBAPIError) -> None:
    assert server_went_away(error)


@pytest.mark.parametrize(
    "error",
    [
        _error('password authentication failed for user "bob"', "28P01"),
        _error('database "nope" does not exist', "3D000"),
        _error('could not translate host name "nope" to address'),
        _error("duplicate key value violates unique constraint", "23505"),
    ],
)
def test_mistakes_are_not_outages(error: sa.exc.DBAPIError) -> None:
    assert not server_went_away(error)


def test_a_brief_outage_is_waited_out() -> None:
    fake = FakeTime()
    work = _scripted(_error(REFUSED), _error(REFUSED), _error("the database system is starting up", "57P03"), "done")
    retry = OutageRetry(PG, 30, sleep=fake.sleep, clock=lambda: fake.now)
    assert retry.run(work) == "done"
    assert len(fake.sleeps) == 3 and fake.sleeps == sorted(fake.sleeps)


def test_a_long_outage_fails_with_one_line_naming_the_url_and_the_wait() -> None:
    fake = FakeTime()

    def work() -> None:
        raise _error(REFUSED.replace("Connection refused", "Connection refused (hunter2)"))

    retry = OutageRetry(PG, 5, sleep=fake.sleep, clock=lambda: fake.now)
    with pytest.raises(WarehouseUrlError) as raised:
        retry.run(work)
    message = str(raised.value)
    assert "\n" not in message and "hunter2" not in message
    assert message.startswith("cannot open SOUNDCHARTS_WAREHOUSE_URL=postgresql+psycopg2://bob:***@db.example")
    assert "waited 5 s for it (SOUNDCHARTS_DB_OUTAGE_WAIT_SECONDS)" in message
    assert fake.now == pytest.approx(5.0) and max(fake.sleeps) <= 1.0


def test_mistakes_and_sqlite_are_not_waited_for() -> None:
    fake = FakeTime()
    retry = OutageRetry(PG, 30, sleep=fake.sleep, clock=lambda: fake.now)
    with pytest.raises(sa.exc.OperationalError):
        retry.run(_scripted(_error("password authentication failed", "28P01")))
    sqlite = OutageRetry(sa.make_url("sqlite:///w.sqlite"), 30, sleep=fake.sleep, clock=lambda: fake.now)
    assert sqlite.wait_seconds == 0
    with pytest.raises(WarehouseUrlError) as raised:
        sqlite.run(_scripted(_error(REFUSED)))
    assert "waited" not in str(raised.value)
    assert fake.sleeps == []


def test_nested_units_leave_the_retry_to_the_outermost() -> None:
    fake = FakeTime()
    retry = OutageRetry(PG, 30, sleep=fake.sleep, clock=lambda: fake.now)
    calls = {"outer": 0, "inner": 0}

    def inner() -> None:
        calls["inner"] += 1
        if calls["inner"] == 1:
            raise _error(REFUSED)

    def outer() -> None:
        calls["outer"] += 1
        retry.run(inner)

    retry.run(outer)
    assert calls == {"outer": 2, "inner": 2}


def test_units_share_one_deadline() -> None:
    """Once an outage has outlasted the wait, the next unit fails at its first refusal; a success resets it."""
    fake = FakeTime()
    retry = OutageRetry(PG, 5, sleep=fake.sleep, clock=lambda: fake.now)

    def refused() -> None:
        raise _error(REFUSED)

    with pytest.raises(WarehouseUrlError):
        retry.run(refused)
    slept = len(fake.sleeps)
    with pytest.raises(WarehouseUrlError) as raised:
        retry.run(refused)
    assert len(fake.sleeps) == slept and "waited 5 s" in str(raised.value)
    assert retry.run(lambda: "back") == "back"
    assert retry.run(_scripted(_error(REFUSED), "again")) == "again"  # a new outage gets the whole wait again
    assert len(fake.sleeps) == slept + 1


def test_an_outage_a_pandas_loader_met_is_waited_out() -> None:
    """pandas 3 re-raises SQLAlchemy's error from ``read_sql`` as its own ``DatabaseError``: still an outage."""
    import pandas as pd

    def wrapped(error: sa.exc.DBAPIError) -> Exception:
        try:
            raise pd.errors.DatabaseError("Execution failed on sql 'SELECT 1'") from error
        except pd.errors.DatabaseError as raised:
            return raised

    fake = FakeTime()
    work = _scripted(wrapped(_error("server closed the connection unexpectedly")), "done")
    retry = OutageRetry(PG, 30, sleep=fake.sleep, clock=lambda: fake.now)
    assert retry.run(work) == "done" and len(fake.sleeps) == 1
    mistake = wrapped(_error('relation "nope" does not exist', "42P01"))
    with pytest.raises(pd.errors.DatabaseError):
        OutageRetry(PG, 30, sleep=fake.sleep, clock=lambda: fake.now).run(_scripted(mistake))

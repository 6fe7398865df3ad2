"""The Dagster instance's event log on PostgreSQL, waiting out a brief outage of its server.

``dagster-postgres`` retries opening a connection, but not a statement whose connection the server drops
(a restart terminates open connections): a step that logs at that moment failed the whole run with
"server closed the connection unexpectedly". Events are written by every step process all the time, so
with the instance database restarting for 2 s a run failed about one time in four. Here ``store_event``,
and every other public statement of the event log (the reads a step makes as it starts, its pool slot), is
retried, whole, like a warehouse transaction (``warehouse.outages``): same test of what an outage is, same
bounded wait (``SOUNDCHARTS_DB_OUTAGE_WAIT_SECONDS``). A retried insert may store the event twice if the
server committed it just before dropping the connection; a duplicate log line beats a failed run.

It also keeps one connection per process instead of opening one per statement. ``dagster-postgres``
uses a ``NullPool`` outside the webserver, and writing an event opens two connections (the insert, then the
asset index), ~4 ms each on loopback. A 50-chart fleet run writes one planned event per asset and chart
when it is created: ~900 connections, ~4 s of the run's start. The pool holds one connection, checks it
with a ping before use (a server restart leaves it dead; the ping replaces it), opens more for concurrent
threads and closes those on return (``max_overflow=-1``), as the NullPool would, and is dropped in a
forked child, which must never share its parent's socket.

deploy/postgres/dagster.yaml names this class as its ``event_log_storage``.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Any

import sqlalchemy as sa
from dagster._core.events.log import EventLogEntry
from dagster._serdes import ConfigurableClassData
from dagster_postgres.event_log import PostgresEventLogStorage
from dagster_postgres.utils import create_pg_engine, get_token_provider_from_config, pg_url_from_config

from soundcharts_assets.instance_events import NeverEmptyEventLog
from soundcharts_assets.warehouse.outages import OutageRetry


class OutageTolerantEventLogStorage(NeverEmptyEventLog, PostgresEventLogStorage):
    """``PostgresEventLogStorage`` whose event writes wait out a server restart (module docstring)."""

    POOL_RECYCLE_SECONDS = 1800
    """A kept connection is replaced after this long (short-lived auth tokens, server-side idle limits)."""

    def __init__(self, postgres_url: str, *args: Any, **kwargs: Any) -> None:
        self._pid = os.getpid()  # before the parent's __init__, which may create tables through _connect
        super().__init__(postgres_url, *args, **kwargs)
        self._outages = OutageRetry(sa.make_url(postgres_url))
        self._engine.dispose()
        self._engine = create_pg_engine(
            self.postgres_url,
            self._token_provider,
            isolation_level="AUTOCOMMIT",
            pool_size=1,
            max_overflow=-1,
            pool_pre_ping=True,
            pool_recycle=self.POOL_RECYCLE_SECONDS,
        )

    def _connect(self) -> AbstractContextManager[sa.Connection]:
        if os.getpid() != self._pid:  # forked: the pool's connection belongs to the parent
            self._engine.dispose(close=False)
            self._pid = os.getpid()
        return super()._connect()

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, Any]
    ) -> OutageTolerantEventLogStorage:
        return cls(
            inst_data=inst_data,
            postgres_url=pg_url_from_config(config_value),
            should_autocreate_tables=config_value.get("should_autocreate_tables", True),
            token_provider=get_token_provider_from_config(config_value),
        )

    def store_event(self, event: EventLogEntry) -> None:
        self._outages.run(lambda: super(OutageTolerantEventLogStorage, self).store_event(event))


#: Not statements to re-run: lifecycle, watching, maintenance, and what yields a connection or rows lazily.
NOT_RETRIED = frozenset(
    {"store_event", "dispose", "end_watch", "watch", "optimize_for_webserver", "upgrade", "reindex_events",
     "reindex_assets", "migrate", "wipe", "wipe_asset", "wipe_asset_partitions", "delete_events", "alembic_version",
     "index_connection", "run_connection", "index_transaction", "run_transaction"}
)  # fmt: skip


def _outage_tolerant(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def run(self: OutageTolerantEventLogStorage, *args: Any, **kwargs: Any) -> Any:
        outages = self.__dict__.get("_outages")  # None while the parent's __init__ creates the tables
        if outages is None:
            return method(self, *args, **kwargs)
        return outages.run(lambda: method(self, *args, **kwargs))

    return run


def _retry_every_statement(cls: type[OutageTolerantEventLogStorage]) -> None:
    """Every public method of the event log is one read or one small write, run again whole after a dropped
    connection like ``store_event``. Steps on threads of one process (``cascade --wait``) share the process's
    kept connection, so a read a step makes as it starts (its partition's existence, its pool slot, the
    latest materializations) meets a server restart as often as an event write does."""
    for name, _ in inspect.getmembers(PostgresEventLogStorage, inspect.isfunction):
        member = getattr(cls, name)  # as the class has it: a mixin's method (``NeverEmptyEventLog``) is kept
        if (
            name.startswith("_")
            or name in NOT_RETRIED
            or isinstance(inspect.getattr_static(cls, name), staticmethod | classmethod)
            or inspect.isgeneratorfunction(member)
            or hasattr(member, "__wrapped__")  # a @contextmanager (the caller's statements run outside it), or done
        ):
            continue
        setattr(cls, name, _outage_tolerant(name, member))


_retry_every_statement(OutageTolerantEventLogStorage)

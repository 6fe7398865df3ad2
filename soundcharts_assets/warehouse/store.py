"""``Store``: the engine and its transactions, shared by every noun's store (charts, catalogue, audience, leases).

Each noun module defines a mixin on top of this class, so a method can write ``with self._read() as conn``
or ``self._write(work)`` and hold its SQL right there; ``Warehouse`` combines the mixins. A read is one
consistent snapshot; a write lands whole or not at all, and Postgres deadlocks between writers are retried.
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Concatenate, ParamSpec, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import URL

from soundcharts_assets.warehouse.engine import WRITE_OPTION, create_warehouse_engine, display, parse_url
from soundcharts_assets.warehouse.outages import OutageRetry, cannot_open_error, server_went_away

T = TypeVar("T")
P = ParamSpec("P")
_RETRYABLE_PGCODES = {"40P01", "40001"}  # deadlock detected, serialization failure
_WRITE_ATTEMPTS = 5


#: Names of the public methods that are not one unit of work to re-run whole during an outage.
_NOT_RETRIED = frozenset({"dispose", "connection", "url_for_display", "through_outages", "from_env", "migrate"})


def _whole_call_retried(method: Callable[Concatenate[Store, P], T]) -> Callable[Concatenate[Store, P], T]:
    """Run a store method again, whole, while the server is briefly gone (``OutageRetry``).

    One-shot iterators among the arguments are read into lists first, so a second attempt sees the same ids.
    """

    @functools.wraps(method)
    def run(self: Store, *args: P.args, **kwargs: P.kwargs) -> T:
        again = [list(a) if isinstance(a, Iterator) else a for a in args]
        named = {k: list(v) if isinstance(v, Iterator) else v for k, v in kwargs.items()}
        return self.through_outages(lambda: method(self, *again, **named))  # type: ignore[arg-type]

    return run


class Store:
    """One SQLAlchemy engine and the transactions every warehouse operation runs in.

    Every public method a noun's store defines is one unit of work (a read, or an idempotent upsert), so
    :meth:`__init_subclass__` wraps each in :meth:`through_outages`: a brief Postgres outage (a restart, a
    failover) is waited out for ``SOUNDCHARTS_DB_OUTAGE_WAIT_SECONDS`` and the call re-run whole, once per
    store and method, written here rather than on each of the stores' methods.
    """

    def __init__(self, url: str | URL, outage_wait_seconds: float | None = None) -> None:
        """``outage_wait_seconds``: how long a Postgres outage is waited out (default: the setting, 30 s)."""
        self.url = parse_url(url) if isinstance(url, str) else parse_url(url.render_as_string(False))
        self.engine = create_warehouse_engine(self.url)
        self._outages = OutageRetry(self.url, outage_wait_seconds)

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            if inspect.isfunction(value) and not name.startswith("_") and name not in _NOT_RETRIED:
                setattr(cls, name, _whole_call_retried(value))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def url_for_display(self) -> str:
        """The URL with its password hidden, for logs, metadata and the CLI."""
        return display(self.url)

    def through_outages(self, work: Callable[[], T]) -> T:
        """Run ``work`` (one read or one idempotent write, e.g. a pandas loader), again whole while the server
        is briefly unreachable; ``WarehouseUrlError`` once SOUNDCHARTS_DB_OUTAGE_WAIT_SECONDS have passed."""
        return self._outages.run(work)

    @contextmanager
    def _connect(self, write: bool = False) -> Iterator[sa.Connection]:
        conn = self._outages.run(self._checkout)  # inside a retried unit, the unit is retried instead
        with conn:
            if write:
                conn.execution_options(**{WRITE_OPTION: True})
            yield conn

    def _checkout(self) -> sa.Connection:
        """A pooled connection (pinged first); an outage is left to ``OutageRetry``, anything else is final."""
        try:
            return self.engine.connect()
        except sa.exc.DBAPIError as exc:
            if server_went_away(exc) and self._outages.wait_seconds > 0:
                raise
            raise cannot_open_error(self.url, exc) from None

    @contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        """A read transaction: one consistent snapshot for the whole call."""
        with self._connect() as conn, conn.begin():
            yield conn

    def _write(self, work: Callable[[sa.Connection], T]) -> T:
        """Run ``work`` in one write transaction; deadlocks and brief outages of the server are retried."""
        return self._outages.run(lambda: self._write_retrying_deadlocks(work))

    def _write_retrying_deadlocks(self, work: Callable[[sa.Connection], T]) -> T:
        for attempt in range(1, _WRITE_ATTEMPTS + 1):
            try:
                with self._connect(write=True) as conn, conn.begin():
                    return work(conn)
            except sa.exc.DBAPIError as exc:
                if getattr(exc.orig, "pgcode", None) not in _RETRYABLE_PGCODES or attempt == _WRITE_ATTEMPTS:
                    raise
                time.sleep(0.05 * attempt)
        raise AssertionError("unreachable")

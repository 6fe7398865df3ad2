"""``Store``: the engine and its transactions, shared by every noun's store (charts, catalogue, audience, leases).

Each noun module defines a mixin on top of this class, so a method can write ``with self._read() as conn``
or ``self._write(work)`` and hold its SQL right there; ``Warehouse`` combines the mixins. A read is one
consistent snapshot; a write lands whole or not at all, and Postgres deadlocks between writers are retried.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import URL

from soundcharts_assets.warehouse.engine import (
    ENV_VAR,
    WRITE_OPTION,
    create_warehouse_engine,
    display,
    parse_url,
)
from soundcharts_assets.warehouse.errors import WarehouseUrlError

T = TypeVar("T")
_RETRYABLE_PGCODES = {"40P01", "40001"}  # deadlock detected, serialization failure
_WRITE_ATTEMPTS = 5


class Store:
    """One SQLAlchemy engine and the transactions every warehouse operation runs in."""

    def __init__(self, url: str | URL) -> None:
        self.url = parse_url(url) if isinstance(url, str) else parse_url(url.render_as_string(False))
        self.engine = create_warehouse_engine(self.url)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def url_for_display(self) -> str:
        """The URL with its password hidden, for logs, metadata and the CLI."""
        return display(self.url)

    @contextmanager
    def _connect(self, write: bool = False) -> Iterator[sa.Connection]:
        try:
            conn = self.engine.connect()
        except sa.exc.DBAPIError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            if self.url.password:
                reason = reason.replace(self.url.password, "***")
            raise WarehouseUrlError(
                f"cannot open {ENV_VAR}={display(self.url)}: {reason}; check the URL and that the server runs"
            ) from None
        with conn:
            if write:
                conn.execution_options(**{WRITE_OPTION: True})
            yield conn

    @contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        """A read transaction: one consistent snapshot for the whole call."""
        with self._connect() as conn, conn.begin():
            yield conn

    def _write(self, work: Callable[[sa.Connection], T]) -> T:
        """Run ``work`` in one write transaction; Postgres deadlocks between writers are retried."""
        for attempt in range(1, _WRITE_ATTEMPTS + 1):
            try:
                with self._connect(write=True) as conn, conn.begin():
                    return work(conn)
            except sa.exc.DBAPIError as exc:
                if getattr(exc.orig, "pgcode", None) not in _RETRYABLE_PGCODES or attempt == _WRITE_ATTEMPTS:
                    raise
                time.sleep(0.05 * attempt)
        raise AssertionError("unreachable")

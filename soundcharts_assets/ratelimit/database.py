"""The shared backend: one API rate limit for every process, a token bucket stored in the warehouse database.

Dagster runs each step in its own process and several charts run at once, so a limiter in memory lets every
process spend the whole per-minute budget. The bucket is a row of ``api_rate_limit`` that each process
updates in a short write transaction (``SELECT ... FOR UPDATE`` on Postgres, ``BEGIN IMMEDIATE`` on SQLite),
so every refill and every withdrawal is seen by all of them.

Two choices keep it cheap and exact:

* A process withdraws a few tokens at a time (at most one second's worth, at most ``MAX_RESERVOIR``) into a
  local reservoir, so most ``acquire()`` calls never touch the database. Tokens leave the shared bucket
  before they are spent, so the global rate can never exceed the limit; a process that stops with tokens
  left only under-spends.
* The bucket may go negative: a withdrawal reserves its tokens and the caller sleeps exactly until the debt
  is repaid by the refill (no polling, first come first served, the lock is never held while sleeping).
  Tokens are used only once the whole withdrawal is covered, so at any time ``t`` the tokens spent are at
  most ``burst + rate * t``.

Clocks: refills use the callers' wall clocks (``time.time``), so hosts sharing one database need NTP. A clock
behind the stored time refills nothing and waits from the stored time, which errs on the slow side.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from soundcharts_assets.warehouse.engine import WRITE_OPTION, create_warehouse_engine, parse_url
from soundcharts_assets.warehouse.outages import OutageRetry
from soundcharts_assets.warehouse.schema import api_rate_limit
from soundcharts_assets.warehouse.upserts import upsert

DEFAULT_NAME = "soundcharts_api"
MAX_RESERVOIR = 5
"""Tokens a process may hold locally; bounded so that a process which stops early wastes little."""


class DatabaseRateLimiter:
    """Blocks in :meth:`acquire` so that all processes together stay under ``rate_per_minute``.

    Implements :class:`soundcharts_assets.ratelimit.RateLimiter`. ``burst`` (default one second's
    worth) is what an idle bucket saves up. Thread-safe; one instance per process is enough.
    """

    def __init__(
        self,
        url_or_engine: str | Engine,
        name: str = DEFAULT_NAME,
        rate_per_minute: float = 6000,
        burst: int | None = None,
        *,
        reservoir: int | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        outage_wait_seconds: float | None = None,
    ) -> None:
        if rate_per_minute <= 0:
            raise ValueError(f"rate_per_minute must be positive, got {rate_per_minute}")
        self.name = name
        self.rate_per_second = rate_per_minute / 60.0
        self.burst = burst if burst is not None else max(1, int(self.rate_per_second))
        if self.burst < 1:
            raise ValueError(f"burst must be at least 1, got {burst}")
        default_reservoir = min(MAX_RESERVOIR, max(1, int(self.rate_per_second)), self.burst)
        self.reservoir_size = max(1, min(reservoir or default_reservoir, self.burst))
        self._owns_engine = isinstance(url_or_engine, str)
        self._engine = (
            create_warehouse_engine(parse_url(url_or_engine)) if isinstance(url_or_engine, str) else url_or_engine
        )
        self._clock = clock
        self._sleep = sleep
        # A withdrawal is one transaction: when the server restarts it is run again (at worst tokens are
        # withdrawn twice, which only slows this process down).
        self._outages = OutageRetry(self._engine.url, outage_wait_seconds)
        self._lock = threading.Lock()
        self._tokens = 0  # withdrawn from the shared bucket, usable from ``_ready_at`` on
        self._ready_at = 0.0
        self.withdrawals = 0
        """Database round trips so far (to tell the local reservoir's effect)."""

    def acquire(self) -> None:
        with self._lock:
            if self._tokens == 0:
                self._ready_at = self._outages.run(lambda: self._withdraw(self.reservoir_size))
                self._tokens = self.reservoir_size
                self.withdrawals += 1
            self._tokens -= 1
            ready_at = self._ready_at
        wait = ready_at - self._clock()
        if wait > 0:
            self._sleep(wait)

    def _withdraw(self, count: int) -> float:
        """Take ``count`` tokens from the shared bucket; returns the time at which all of them are covered."""
        with self._engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                now = self._clock()
                tokens, updated_at = self._locked_bucket(conn, now)
                # The bucket's own time: a clock read before another process's last update (read, then
                # waited for the row lock; or a host behind) refills nothing and repays its debt from there.
                at = max(now, updated_at)
                refilled = tokens + (at - updated_at) * self.rate_per_second
                left = min(float(self.burst), refilled) - count
                conn.execute(
                    sa.update(api_rate_limit)
                    .where(api_rate_limit.c.name == self.name)
                    .values(tokens=left, updated_at=at)
                )
        return at + (-left / self.rate_per_second if left < 0 else 0.0)

    def _locked_bucket(self, conn: sa.Connection, now: float) -> tuple[float, float]:
        """The bucket row, locked until the transaction ends; created full on first use."""
        stmt = (
            sa.select(api_rate_limit.c.tokens, api_rate_limit.c.updated_at)
            .where(api_rate_limit.c.name == self.name)
            .with_for_update()
        )
        row: Any = conn.execute(stmt).first()
        if row is None:
            full = {"name": self.name, "tokens": float(self.burst), "updated_at": now}
            upsert(conn, api_rate_limit, [full], do_nothing=True)
            row = conn.execute(stmt).one()
        return float(row.tokens), float(row.updated_at)

    def close(self) -> None:
        """Dispose of the engine when this limiter created it from a URL."""
        if self._owns_engine:
            self._engine.dispose()

    def __repr__(self) -> str:
        return (
            f"DatabaseRateLimiter(name={self.name!r}, rate_per_minute={self.rate_per_second * 60:g}, "
            f"burst={self.burst}, reservoir={self.reservoir_size})"
        )

"""Outages: a Postgres server that restarts, fails over or refuses connections for a few seconds.

Without this a two-second restart of the warehouse's server failed the whole run ("cannot open
SOUNDCHARTS_WAREHOUSE_URL=...: Connection refused") and its re-run paid again for the calls in flight.
Every warehouse transaction, the migrations and the shared rate limiter's bucket go through
:class:`OutageRetry`, which waits such an outage out for a bounded time (``SOUNDCHARTS_DB_OUTAGE_WAIT_SECONDS``).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import URL

from soundcharts_assets.settings import db_outage_wait_seconds_from_env
from soundcharts_assets.warehouse.engine import ENV_VAR, display
from soundcharts_assets.warehouse.errors import WarehouseUrlError

T = TypeVar("T")

OUTAGE_ENV_VAR = "SOUNDCHARTS_DB_OUTAGE_WAIT_SECONDS"
_OUTAGE_BACKOFF_FIRST_SECONDS = 0.1
_OUTAGE_BACKOFF_MAX_SECONDS = 1.0
# admin_shutdown ("terminating connection due to administrator command"), crash_shutdown, cannot_connect_now
# ("the database system is starting up"); class 08 is "connection exception".
_SERVER_GONE_PGCODES = frozenset({"57P01", "57P02", "57P03"})
_SERVER_GONE_MESSAGES = (
    "connection refused",
    "server closed the connection unexpectedly",
    "terminating connection due to administrator command",
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is in recovery mode",
    "the database system is not yet accepting connections",
    "connection already closed",
    "no connection to the server",
    "could not receive data from server",
    "could not send data to server",
    "connection reset by peer",
    "ssl connection has been closed unexpectedly",
    "connection timed out",
    "timeout expired",
)
_log = logging.getLogger(__name__)


def database_error(exc: BaseException | None) -> sa.exc.DBAPIError | None:
    """SQLAlchemy's error in ``exc`` or in what it was raised from: pandas 3 re-raises a failed ``read_sql`` as
    its own ``DatabaseError`` (``from`` SQLAlchemy's), and an outage met by a pandas loader went unretried (a
    Postgres restart under ``chart_movers`` failed the run: tests/reliability/test_database_outage.py)."""
    while exc is not None and not isinstance(exc, sa.exc.DBAPIError):
        exc = exc.__cause__
    return exc


def server_went_away(exc: BaseException) -> bool:
    """Whether ``exc`` says the server is unreachable or went away, rather than that the work is wrong.

    Bad passwords, unknown databases, unknown hosts and SQL errors are not outages: they fail at once.
    """
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    if exc.connection_invalidated:  # SQLAlchemy's own disconnect detection (it also invalidates the pool)
        return True
    code = getattr(exc.orig, "pgcode", None) or ""
    if code in _SERVER_GONE_PGCODES or code.startswith("08"):
        return True
    text = str(exc.orig if exc.orig is not None else exc).lower()
    return any(message in text for message in _SERVER_GONE_MESSAGES)


def cannot_open_error(url: URL, exc: sa.exc.DBAPIError, waited_seconds: float | None = None) -> WarehouseUrlError:
    """The one-line error for a server we cannot use: the driver's first line, the password hidden."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
    if url.password:
        reason = reason.replace(str(url.password), "***")
    waited = f"; waited {waited_seconds:g} s for it ({OUTAGE_ENV_VAR})" if waited_seconds is not None else ""
    return WarehouseUrlError(
        f"cannot open {ENV_VAR}={display(url)}: {reason}{waited}; check the URL and that the server runs"
    )


class OutageRetry:
    """Re-runs a whole unit of work (one transaction) while the Postgres server is briefly unreachable.

    Every warehouse write is an idempotent upsert in one transaction and every read is one snapshot, so running
    one again after the server dropped it is safe. A unit is retried with exponential backoff (0.1 s doubling
    to 1 s, jittered) until the outage has lasted ``wait_seconds``, then fails with :func:`cannot_open_error`.
    The outage is timed from the first failure of any unit until any unit succeeds, so the threads of a step,
    and the units a failing step still runs (releasing its leases), share one deadline instead of each
    waiting in turn. Nested calls run their work once: the outermost unit is the one retried.
    The pool needs no repair: SQLAlchemy invalidates the whole pool when a statement meets a disconnect, so
    the retry runs on a fresh connection (there is no ``pool_pre_ping``: a round trip per transaction). SQLite never waits (a file cannot restart;
    its busy timeout handles locks).
    """

    def __init__(
        self,
        url: URL,
        wait_seconds: float | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if wait_seconds is None:
            wait_seconds = db_outage_wait_seconds_from_env()
        self.url = url
        self.wait_seconds = 0.0 if url.get_backend_name() == "sqlite" else max(0.0, wait_seconds)
        self._sleep = sleep
        self._clock = clock
        self._local = threading.local()
        self._lock = threading.Lock()
        self._down_since: float | None = None

    @property
    def active(self) -> bool:
        """True inside :meth:`run` on this thread."""
        return bool(getattr(self._local, "active", False))

    def run(self, work: Callable[[], T]) -> T:
        if self.active:
            return work()
        self._local.active = True
        try:
            return self._run_until_deadline(work)
        finally:
            self._local.active = False

    def _run_until_deadline(self, work: Callable[[], T]) -> T:
        attempt = 0
        while True:
            try:
                result = work()
            except Exception as raised:
                exc = database_error(raised)
                if exc is None or not server_went_away(exc):
                    raise
                waited = self._outage_lasted()
                left = self.wait_seconds - waited
                if left <= 0:  # the message names the bound: units met late in the outage waited it too
                    raise cannot_open_error(self.url, exc, self.wait_seconds or None) from None
                if attempt == 0 and waited == 0:
                    _log.warning(
                        "database %s unreachable (%s); retrying for up to %.0f s",
                        display(self.url),
                        str(exc.orig or exc).strip().splitlines()[0],
                        self.wait_seconds,
                    )
                attempt += 1
                backoff = min(_OUTAGE_BACKOFF_MAX_SECONDS, _OUTAGE_BACKOFF_FIRST_SECONDS * 2 ** (attempt - 1))
                self._sleep(min(left, backoff * random.uniform(0.5, 1.0)))
                continue
            with self._lock:
                recovered, self._down_since = self._down_since is not None, None
            if recovered:
                _log.warning("database %s reachable again", display(self.url))
            return result

    def _outage_lasted(self) -> float:
        """Seconds since this outage was first met (0 when this failure is the first)."""
        now = self._clock()
        with self._lock:
            if self._down_since is None:
                self._down_since = now
            return now - self._down_since

"""Thread-safe bookkeeping of what the client spends: calls sent, per endpoint, and the quota left.

Both are shared by every thread of a fan-out, so each is one small object with one lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from .errors import QuotaFloorReachedError

# Responses of parallel requests arrive out of order, so a higher x-quota-remaining seen shortly after a
# lower one is stale; after this long without a lower value, a higher one is believed (the monthly reset).
_STALE_AFTER_SECONDS = 60.0


class CallCounters:
    """Every HTTP request sent (pages, retries and failures included), in total and per endpoint name, and
    the billed ones: the API bills a request only when it answers 2xx ("failed requests and by-platform 404s
    are not counted"), so what the quota loses is ``billed``, while the rate limit sees every ``total``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._total = 0
        self._billed = 0
        self._by_endpoint: dict[str, int] = {}
        self._thread = threading.local()

    def record(self, endpoint: str) -> None:
        with self._lock:
            self._total += 1
            self._by_endpoint[endpoint] = self._by_endpoint.get(endpoint, 0) + 1
        self._thread.total = self.in_this_thread + 1

    def record_billed(self) -> None:
        """A request the API answered with a 2xx: one unit of the monthly quota."""
        with self._lock:
            self._billed += 1
        self._thread.billed = self.billed_in_this_thread + 1

    @property
    def in_this_thread(self) -> int:
        """Requests sent by the calling thread: a caller can charge a piece of work with exactly its calls,
        even while other threads of the same fan-out send theirs."""
        return int(getattr(self._thread, "total", 0))

    @property
    def billed_in_this_thread(self) -> int:
        return int(getattr(self._thread, "billed", 0))

    @property
    def total(self) -> int:
        with self._lock:
            return self._total

    @property
    def billed(self) -> int:
        with self._lock:
            return self._billed

    @property
    def by_endpoint(self) -> dict[str, int]:
        with self._lock:
            return dict(self._by_endpoint)


class QuotaTracker:
    """The lowest recent ``x-quota-remaining``, and the floor below which the client refuses to spend."""

    def __init__(self, floor: int = 0, clock: Callable[[], float] = time.monotonic) -> None:
        self.floor = floor
        self._clock = clock
        self._lock = threading.Lock()
        self._remaining: int | None = None
        self._updated = 0.0

    @property
    def remaining(self) -> int | None:
        with self._lock:
            return self._remaining

    def observe(self, raw: str | None) -> None:
        if raw is None:
            return
        try:
            value = int(raw.strip())
        except ValueError:
            return
        with self._lock:
            now = self._clock()
            stale = now - self._updated > _STALE_AFTER_SECONDS
            if self._remaining is None or value <= self._remaining or stale:
                self._remaining = value
                self._updated = now

    def check_floor(self) -> None:
        """Raise before sending when the known quota is at or below a positive floor."""
        remaining = self.remaining
        if self.floor > 0 and remaining is not None and remaining <= self.floor:
            raise QuotaFloorReachedError(
                f"quota floor reached: {remaining} calls left, floor is {self.floor}; lower "
                "SOUNDCHARTS_QUOTA_FLOOR to spend them, or wait for the monthly reset"
            )

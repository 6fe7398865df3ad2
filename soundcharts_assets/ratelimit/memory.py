"""The in-process backend: a token bucket for the threads of one process, and a limiter that never waits.

Enough when one process talks to the API (the CLI, a notebook, a test); Dagster steps share
:class:`~soundcharts_assets.ratelimit.database.DatabaseRateLimiter` instead. Both implement
:class:`~soundcharts_assets.ratelimit.RateLimiter`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["TokenBucketLimiter", "UnlimitedLimiter"]


class TokenBucketLimiter:
    """A thread-safe token bucket: ``rate_per_minute`` tokens a minute, at most ``burst`` saved up.

    Each caller reserves its token under the lock (the bucket may go negative) and then sleeps outside it, so
    waiting threads are served in arrival order and never hold the lock while sleeping. The clock is
    monotonic so wall-clock jumps (NTP, DST) neither stall nor flood the API.
    """

    def __init__(
        self,
        rate_per_minute: float,
        burst: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_minute <= 0:
            raise ValueError(f"rate_per_minute must be positive, got {rate_per_minute}")
        # Default burst: one second's worth, so a fresh client does not fire a whole minute's budget at once.
        self.burst = burst if burst is not None else max(1, int(rate_per_minute // 60))
        if self.burst < 1:
            raise ValueError(f"burst must be at least 1, got {burst}")
        self.rate_per_second = rate_per_minute / 60.0
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(self.burst)
        self._updated = clock()

    def acquire(self) -> None:
        with self._lock:
            now = self._clock()
            elapsed = max(0.0, now - self._updated)
            self._tokens = min(float(self.burst), self._tokens + elapsed * self.rate_per_second)
            self._updated = now
            self._tokens -= 1.0
            wait = -self._tokens / self.rate_per_second if self._tokens < 0 else 0.0
        if wait > 0:
            self._sleep(wait)

    def __repr__(self) -> str:
        return f"TokenBucketLimiter(rate_per_minute={self.rate_per_second * 60:g}, burst={self.burst})"


class UnlimitedLimiter:
    """Never waits: for tests and for callers that pace requests themselves."""

    def acquire(self) -> None:
        return None

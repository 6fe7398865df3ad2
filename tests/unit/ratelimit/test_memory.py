"""The in-process token bucket: paced to the rate, bursts bounded, safe across threads."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from soundcharts_assets.ratelimit import RateLimiter
from soundcharts_assets.ratelimit.memory import TokenBucketLimiter, UnlimitedLimiter


def test_token_bucket_paces_to_the_rate() -> None:
    clock = {"t": 0.0}
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock["t"] += seconds

    limiter = TokenBucketLimiter(600, burst=5, clock=lambda: clock["t"], sleep=sleep)  # 10 per second
    for _ in range(25):
        limiter.acquire()
    assert waits[:1] == [pytest.approx(0.1)] and len(waits) == 20  # the first 5 are the burst
    assert clock["t"] == pytest.approx(2.0)  # 20 more at 10/s
    clock["t"] += 100  # a long idle period saves at most `burst` tokens
    waits.clear()
    for _ in range(6):
        limiter.acquire()
    assert len(waits) == 1


def test_token_bucket_is_thread_safe_with_real_clock() -> None:
    limiter = TokenBucketLimiter(60 * 200, burst=1)  # 200 per second
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: limiter.acquire(), range(41)))
    assert time.monotonic() - started >= 0.19  # 40 tokens after the first at 200/s


def test_both_backends_and_the_null_limiter_satisfy_the_protocol() -> None:
    from soundcharts_assets.ratelimit.database import DatabaseRateLimiter

    assert isinstance(TokenBucketLimiter(60), RateLimiter) and isinstance(UnlimitedLimiter(), RateLimiter)
    assert issubclass(DatabaseRateLimiter, RateLimiter)

"""The database rate limiter shared by processes, on SQLite and Postgres: never over the rate, close to it alone.

Processes are started with ``spawn`` (as Dagster's multiprocess executor does), wait on a barrier so they all
compete for the bucket at once, and report the wall-clock time of every token they got.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Sequence

import pytest

from soundcharts_assets.ratelimit.database import DatabaseRateLimiter
from soundcharts_assets.warehouse import Warehouse

RATE_PER_MINUTE = 1800  # 30 a second: enough acquisitions to count, few enough for a 2-core machine
BURST = 10
SECONDS = 2.5
# Timestamps are taken after acquire() returns, so scheduling may shift a few of them by some milliseconds.
SLACK_SECONDS = 0.05


def acquire_until(url: str, barrier, seconds: float, threads: int, results) -> None:
    """Child process: take tokens from ``threads`` threads for ``seconds``; send back their timestamps."""
    limiter = DatabaseRateLimiter(url, rate_per_minute=RATE_PER_MINUTE, burst=BURST)
    stamps: list[float] = []
    lock = threading.Lock()
    barrier.wait()
    deadline = time.time() + seconds

    def work() -> None:
        while True:
            limiter.acquire()
            now = time.time()
            if now > deadline:
                return
            with lock:
                stamps.append(now)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    limiter.close()
    results.put(stamps)


def worst_excess(stamps: Sequence[float], rate_per_second: float, burst: int) -> float:
    """max over every interval [a, b] between two stamps of count - (burst + rate * (b - a + slack))."""
    ordered = sorted(stamps)
    worst = float("-inf")
    for i, start in enumerate(ordered):
        for j in range(i, len(ordered)):
            allowed = burst + rate_per_second * (ordered[j] - start + SLACK_SECONDS)
            worst = max(worst, (j - i + 1) - allowed)
    return worst


def run_processes(url: str, processes: int) -> list[float]:
    Warehouse(url).migrate()
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(processes)
    results = ctx.Queue()
    children = [ctx.Process(target=acquire_until, args=(url, barrier, SECONDS, 3, results)) for _ in range(processes)]
    for child in children:
        child.start()
    stamps: list[float] = []
    for _ in children:
        stamps.extend(results.get(timeout=60))
    for child in children:
        child.join(timeout=30)
        assert child.exitcode == 0
    return stamps


@pytest.mark.slow
def test_three_processes_together_stay_under_the_rate(warehouse_url: str) -> None:
    stamps = run_processes(warehouse_url, processes=3)
    rate = RATE_PER_MINUTE / 60
    assert len(stamps) <= BURST + rate * SECONDS
    assert worst_excess(stamps, rate, BURST) <= 0
    # They share the budget rather than starving: together they still get most of it.
    assert len(stamps) >= 0.8 * rate * SECONDS


def test_one_process_gets_close_to_the_rate_with_few_database_round_trips(warehouse_url: str) -> None:
    warehouse = Warehouse(warehouse_url)
    warehouse.migrate()
    warehouse.dispose()
    limiter = DatabaseRateLimiter(warehouse_url, rate_per_minute=RATE_PER_MINUTE, burst=BURST)
    rate = RATE_PER_MINUTE / 60
    started = time.time()
    count = 0
    while time.time() - started < 2.0:
        limiter.acquire()
        count += 1
    elapsed = time.time() - started
    limiter.close()
    assert count >= 0.9 * rate * elapsed
    assert count <= BURST + rate * elapsed + 1
    # The local reservoir: one database transaction per few tokens, not one per request.
    assert limiter.withdrawals <= count / limiter.reservoir_size + 1


def test_a_long_idle_bucket_saves_up_only_the_burst(warehouse_url: str) -> None:
    warehouse = Warehouse(warehouse_url)
    warehouse.migrate()
    warehouse.dispose()
    clock = [1_000.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    limiter = DatabaseRateLimiter(
        warehouse_url, rate_per_minute=60, burst=3, reservoir=1, clock=lambda: clock[0], sleep=sleep
    )
    for _ in range(3):
        limiter.acquire()
    assert slept == []
    clock[0] += 3_600  # an hour idle refills three tokens, not 3,600
    for _ in range(4):
        limiter.acquire()
    limiter.close()
    assert slept == [1.0]  # the fourth waits exactly one token's time: computed, not polled

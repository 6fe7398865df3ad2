"""describe_charts: every chart described, in order, and insight's describes at a lower CPU priority only."""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest

from soundcharts_assets.defs.insight.assets import INSIGHT_NICENESS
from soundcharts_assets.defs.publish import (
    SERVER_DESCRIBE_WORKERS,
    ChartOutcome,
    describe_charts,
    describe_workers,
    made_once,
)
from soundcharts_assets.warehouse import Warehouse


def _own_niceness() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_outcomes_come_back_in_the_charts_order() -> None:
    slugs = [f"chart-{index}" for index in range(12)]
    outcomes = describe_charts(slugs, lambda slug: ChartOutcome({"slug": slug}))
    assert list(outcomes) == slugs
    assert [outcome.metadata["slug"] for outcome in outcomes.values()] == slugs


@pytest.mark.skipif(sys.platform != "linux", reason="nice is per thread on Linux only")
def test_insight_describes_run_at_a_lower_priority_and_leave_the_process_as_it_was() -> None:
    before = _own_niceness()
    seen: dict[str, int] = {}

    def describe(slug: str) -> ChartOutcome:
        seen[slug] = _own_niceness()
        return ChartOutcome({})

    describe_charts(["a", "b", "c", "d", "e"], describe, niceness=INSIGHT_NICENESS)
    assert set(seen.values()) == {min(19, before + INSIGHT_NICENESS)}
    assert _own_niceness() == before  # the calling thread (a Celery worker's, reused) is untouched
    describe_charts(["f"], describe)
    assert seen["f"] == before


def test_describes_run_on_several_threads_only_where_they_wait_on_a_database_server(tmp_path) -> None:
    sqlite, server = Warehouse(f"sqlite:///{tmp_path / 'w.sqlite'}"), Warehouse("postgresql+psycopg2://u@db/w")
    try:  # neither is connected to: the rule reads the URL's dialect
        assert (describe_workers(sqlite), describe_workers(server)) == (1, SERVER_DESCRIBE_WORKERS)
    finally:
        sqlite.dispose()
        server.dispose()


@pytest.mark.parametrize("workers", [1, SERVER_DESCRIBE_WORKERS])
def test_describe_charts_runs_as_many_describes_at_once_as_it_is_given_workers(workers: int) -> None:
    lock, running, most = threading.Lock(), [0], [0]
    pairs = threading.Barrier(2, timeout=30)  # with several threads, describes meet two by two

    def describe(slug: str) -> ChartOutcome:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        if workers > 1:
            pairs.wait()
        with lock:
            running[0] -= 1
        return ChartOutcome({})

    describe_charts(["a", "b", "c", "d"], describe, workers=workers)
    assert (most[0] == 1) if workers == 1 else (most[0] >= 2), most[0]


def test_what_the_charts_share_is_made_once_for_describes_on_several_threads(tmp_path) -> None:
    wh = Warehouse(f"sqlite:///{tmp_path / 'w.sqlite'}")
    made: list[int] = []
    inside = threading.Barrier(SERVER_DESCRIBE_WORKERS, timeout=30)  # every thread is describing at once

    def make(warehouse: Warehouse) -> dict[str, int]:
        made.append(1)
        time.sleep(0.2)  # a read: without the lock, the other threads would each start their own meanwhile
        return {"calls": len(made)}

    shared = made_once(make)

    def describe(slug: str) -> ChartOutcome:
        inside.wait()
        return ChartOutcome(shared(wh))

    try:
        slugs = [f"chart-{index}" for index in range(SERVER_DESCRIBE_WORKERS)]
        outcomes = describe_charts(slugs, describe, workers=SERVER_DESCRIBE_WORKERS)
    finally:
        wh.dispose()
    assert len(made) == 1
    assert all(outcome.metadata == {"calls": 1} for outcome in outcomes.values())


def test_a_shared_read_that_failed_fails_every_describe_without_being_read_again(tmp_path) -> None:
    wh = Warehouse(f"sqlite:///{tmp_path / 'w.sqlite'}")
    tries: list[int] = []

    def make(warehouse: Warehouse) -> None:
        tries.append(1)
        raise RuntimeError("the warehouse is gone")

    shared = made_once(make)
    try:
        for _ in range(3):
            with pytest.raises(RuntimeError, match="the warehouse is gone"):
                shared(wh)
    finally:
        wh.dispose()
    assert len(tries) == 1

"""describe_charts: every chart described, in order, and insight's describes at a lower CPU priority only."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from soundcharts_assets.defs.insight.assets import INSIGHT_NICENESS
from soundcharts_assets.defs.publish import ChartOutcome, describe_charts


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

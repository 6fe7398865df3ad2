"""How `cascade --wait` words a chart's failure, read from a real run's event log (in-process Dagster runs of
small stand-in assets): our own failures are one line, a bug brings its traceback."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import dagster as dg
import pytest

from soundcharts_assets.cli.outcomes import ChartAnswer, chart_answers
from soundcharts_assets.defs.names import FAILED_CHARTS_METADATA

PARTITIONS = dg.StaticPartitionsDefinition(["top-200-fr"])


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as test_instance:
        yield test_instance


def answer_of(instance: dg.DagsterInstance, body: Callable[[], None], retries: int = 0) -> ChartAnswer:
    """Run a stand-in ``chart_rankings`` whose body is ``body`` and read the chart's answer from its log."""
    policy = dg.RetryPolicy(max_retries=retries) if retries else None

    @dg.asset(name="chart_rankings", partitions_def=PARTITIONS, retry_policy=policy)
    def stand_in() -> dg.MaterializeResult:
        body()
        return dg.MaterializeResult(metadata={"rows_written": 200})

    result = dg.materialize([stand_in], instance=instance, partition_key="top-200-fr", raise_on_error=False)
    report = chart_answers(result.run_id, result.success, instance.all_logs(result.run_id), ["top-200-fr"])
    [answer] = report.answers
    assert answer.run_id == result.run_id and report.success is result.success
    return answer


def test_a_success_counts_the_tracks_the_run_stored(instance):
    answer = answer_of(instance, lambda: None)
    assert (answer.success, answer.tracks_count, answer.message) == (True, 200, "cascade for top-200-fr succeeded")


def test_a_chart_of_its_own_failure_gets_its_cause(instance):
    def fail() -> None:
        raise dg.Failure(
            description="1 chart(s) failed: top-200-fr: no edition on 2030-01-01 (nearest: 2026-12-04, 2026-12-05)",
            metadata={
                FAILED_CHARTS_METADATA: {"top-200-fr": "no edition on 2030-01-01 (nearest: 2026-12-04, 2026-12-05)"}
            },
        )

    answer = answer_of(instance, fail)
    assert (answer.success, answer.tracks_count, answer.traceback) == (False, 0, "")
    assert answer.error_line() == (
        "error: top-200-fr: no edition on 2030-01-01 (nearest: 2026-12-04, 2026-12-05); "
        f"run {answer.run_id[:8]} in the Dagster UI"
    )


def test_a_step_failure_applies_to_every_chart_of_the_step(instance):
    def fail() -> None:
        raise dg.Failure(description="quota floor reached: 10 calls left, floor is 50; lower SOUNDCHARTS_QUOTA_FLOOR")

    answer = answer_of(instance, fail)
    assert answer.message == (
        "cascade for top-200-fr failed: quota floor reached: 10 calls left, floor is 50; lower SOUNDCHARTS_QUOTA_FLOOR"
    )


def test_a_transient_failure_that_outlasted_the_retries_is_still_our_line(instance):
    def fail() -> None:
        raise dg.Failure(description="Soundcharts kept failing on GET /x (503) after 5 retries", allow_retries=True)

    answer = answer_of(instance, fail, retries=1)
    assert answer.cause == "Soundcharts kept failing on GET /x (503) after 5 retries" and answer.traceback == ""


def test_a_bug_keeps_its_traceback(instance):
    def bug() -> None:
        {}["missing"]  # the bug under test

    answer = answer_of(instance, bug)
    assert answer.cause == "chart_rankings failed on a bug (KeyError: 'missing')"
    assert "Stack Trace" in answer.traceback and '{}["missing"]' in answer.traceback
    assert answer.error_line().endswith(f"; the traceback is above; run {answer.run_id[:8]} in the Dagster UI")

"""The progress line a step logs and `cascade --wait` reads back, and how a missing edition is worded."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from soundcharts_assets.cascade.ranking import no_edition_message
from soundcharts_assets.cascade.step_reports import Progress


@pytest.mark.parametrize(
    ("progress", "line"),
    [
        (Progress("tracks", 3, 10, 1, 999), "progress tracks: 3/10 entities, 1 call sent, quota left 999"),
        (
            Progress("chart_rankings", 0, 1, 0, None),
            "progress chart_rankings: 0/1 entities, 0 calls sent, quota left unknown",
        ),
    ],
)
def test_a_progress_line_reads_back_as_what_it_says(progress, line):
    assert progress.line() == line
    assert Progress.parse(line) == progress


@pytest.mark.parametrize("message", ["progress tracks: done", "Started execution of step", "progress x: 1/2 entities"])
def test_other_log_lines_are_not_progress(message):
    assert Progress.parse(message) is None


def day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_no_edition_names_the_two_nearest_editions_oldest_first():
    editions = [day("2026-12-05"), day("2026-12-04"), day("2026-12-01"), day("2026-11-28")]
    assert (
        no_edition_message(day("2030-01-01"), editions) == "no edition on 2030-01-01 (nearest: 2026-12-04, 2026-12-05)"
    )
    assert (
        no_edition_message(day("2026-12-02"), editions) == "no edition on 2026-12-02 (nearest: 2026-12-01, 2026-12-04)"
    )
    assert (
        no_edition_message(day("2020-01-01"), editions) == "no edition on 2020-01-01 (nearest: 2026-11-28, 2026-12-01)"
    )
    assert no_edition_message(day("2030-01-01"), []) == "no edition on 2030-01-01: the chart has no edition yet"

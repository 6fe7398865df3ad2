"""Pure rules of the cascade: slugs, new editions, quality outcomes, schedules, markdown."""

from datetime import datetime, timezone

import pytest

from soundcharts_assets.charts import InvalidChartSlugError, validate_chart_slug, validate_sync_schedule
from soundcharts_assets.defs.schedules import charts_due
from soundcharts_assets.editions import EditionRequest, dump_cursor, new_editions, parse_cursor
from soundcharts_assets.quality import (
    audience_coverage_outcome,
    metadata_coverage_outcome,
    ranking_positions_outcome,
)
from soundcharts_assets.reporting import markdown_table

D1 = datetime(2026, 11, 20, tzinfo=timezone.utc)
D2 = datetime(2026, 11, 21, tzinfo=timezone.utc)


@pytest.mark.parametrize("slug", ["global-28", "top-200-us", "a", "chart_1.v2", "9"])
def test_valid_slugs_pass(slug):
    assert validate_chart_slug(slug) == slug


@pytest.mark.parametrize(
    "slug",
    ["", "Global-28", "a b", "x;drop table charts", "it's", 'quo"te', "pipe|x", "é-chart", "-lead", "a" * 129,
     "x" * 10_000, "tab\tx", "line\nx", "../etc"],
)
def test_hostile_slugs_are_refused_with_one_line(slug):
    with pytest.raises(InvalidChartSlugError) as error:
        validate_chart_slug(slug)
    message = str(error.value)
    assert "\n" not in message and len(message) < 300


def test_sync_schedule_validation():
    assert validate_sync_schedule("weekly") == "weekly"
    with pytest.raises(ValueError):
        validate_sync_schedule("hourly")


def test_new_chart_is_requested_once_and_stored_editions_are_skipped():
    latest = {"global-28": D2, "top-200-us": D2}
    requests = new_editions(latest, seen={}, stored_latest={"global-28": None, "top-200-us": D2})
    assert requests == [EditionRequest("global-28", D2)]
    assert requests[0].run_key == "global-28:2026-11-21"
    seen = {"global-28": D2.isoformat()}
    assert new_editions({"global-28": D2}, seen, {"global-28": None}) == []
    assert new_editions({"global-28": D2}, {"global-28": D1.isoformat()}, {"global-28": D1}) == [
        EditionRequest("global-28", D2)
    ]


def test_cursor_round_trip_and_garbage():
    assert parse_cursor(dump_cursor({"b": "2", "a": "1"})) == {"a": "1", "b": "2"}
    assert parse_cursor("not json") == {} and parse_cursor(None) == {} and parse_cursor("[1]") == {}


def test_positions_rule():
    assert ranking_positions_outcome([1, 2, 3]).passed
    broken = ranking_positions_outcome([1, 2, 2, 4])
    assert not broken.passed and broken.details["duplicates"] == 1
    assert not ranking_positions_outcome([1, 3]).passed
    assert not ranking_positions_outcome([]).passed


def test_metadata_coverage_rule():
    assert metadata_coverage_outcome("songs", 3, [], []).passed
    missing = metadata_coverage_outcome("songs", 3, ["a", "b"], ["a"])
    assert not missing.passed and missing.severity == "error" and missing.details["missing"] == 1
    explained = metadata_coverage_outcome("songs", 3, ["a"], ["a"])
    assert not explained.passed and explained.severity == "warn"


def test_audience_coverage_rule():
    ok = {"spotify": {"ok": 3, "not_found": 0, "not_in_plan": 0, "missing": 0}}
    assert audience_coverage_outcome(ok).passed
    warn = {"tiktok": {"ok": 1, "not_found": 2, "not_in_plan": 0, "missing": 0}}
    assert audience_coverage_outcome(warn).severity == "warn" and not audience_coverage_outcome(warn).passed
    error = {"tiktok": {"ok": 1, "not_found": 0, "not_in_plan": 0, "missing": 1}}
    assert audience_coverage_outcome(error).severity == "error"


def test_charts_due_only_registered_on_that_cadence():
    schedules = {"a": "daily", "b": "weekly", "c": "daily", "d": "none"}
    assert charts_due("daily", ["c", "a", "b", "d"], schedules) == ["a", "c"]
    assert charts_due("daily", ["b"], {**schedules, "zz": "daily"}) == []


def test_markdown_table_escapes_pipes():
    table = markdown_table([{"name": "a|b", "n": 1234.0}])
    assert table.splitlines()[0] == "| name | n |"
    assert "a\\|b" in table and "1,234" in table
    assert markdown_table([]) == "_no rows_"

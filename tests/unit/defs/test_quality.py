"""Data-quality rules behind the asset checks."""

from soundcharts_assets.defs.audience.checks import audience_coverage_outcome
from soundcharts_assets.defs.catalogue.checks import metadata_coverage_outcome
from soundcharts_assets.defs.charts.checks import ranking_positions_outcome


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

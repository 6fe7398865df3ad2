"""Which charts a schedule refreshes."""

from soundcharts_assets.defs.charts.schedules import charts_due


def test_charts_due_only_registered_on_that_cadence():
    schedules = {"a": "daily", "b": "weekly", "c": "daily", "d": "none"}
    assert charts_due("daily", ["c", "a", "b", "d"], schedules) == ["a", "c"]
    assert charts_due("daily", ["b"], {**schedules, "zz": "daily"}) == []

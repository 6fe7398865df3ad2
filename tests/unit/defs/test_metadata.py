"""Markdown tables shown as asset metadata."""

from soundcharts_assets.defs.metadata import markdown_table


def test_markdown_table_escapes_pipes():
    table = markdown_table([{"name": "a|b", "n": 1234.0}])
    assert table.splitlines()[0] == "| name | n |"
    assert "a\\|b" in table and "1,234" in table
    assert markdown_table([]) == "_no rows_"


def test_a_fleet_groups_the_entities_its_charts_dropped_by_their_last_followed_day():
    from datetime import date

    from soundcharts_assets.cascade.step_reports import Fleet

    day1, day2 = date(2026, 12, 1), date(2026, 12, 2)
    fleet = Fleet(
        {"a": ["s1", "s2"], "b": ["s2", "s3"]},
        {"a": {"s4": day1, "s3": day2, "s5": day1}, "b": {"s5": day2}},
    )
    assert fleet.uuids == ["s1", "s2", "s3"]  # leavers are not followed
    assert fleet.leavers_by_day() == {day1: ["s4"], day2: ["s5"]}  # s3 is still in b; s5's latest day is b's
    assert fleet.owner("s4") == "a" and fleet.owner("s5") == "a"  # their calls are charged to a chart
    assert fleet.charts_by_uuid["s3"] == ["b"]  # still followed by b: a's reports do not count it

"""Many charts, few runs: which runs a set of chart partitions becomes."""

from soundcharts_assets.defs.partition_ranges import range_blocks, run_tags

ORDER = [f"c{i}" for i in range(10)]


def test_charts_added_together_are_one_run():
    assert range_blocks(ORDER, ["c2", "c3", "c4"]) == [["c2", "c3", "c4"]]


def test_gaps_split_runs_and_unknown_charts_are_left_out():
    assert range_blocks(ORDER, ["c0", "c1", "c5", "c9", "gone"]) == [["c0", "c1"], ["c5"], ["c9"]]


def test_a_run_holds_at_most_max_size_charts():
    assert range_blocks(ORDER, ORDER, max_size=4) == [ORDER[:4], ORDER[4:8], ORDER[8:]]


def test_one_chart_is_a_plain_partition_run_and_several_a_range():
    assert run_tags(["c1"]) == {"dagster/partition": "c1"}
    assert run_tags(["c1", "c2"]) == {
        "dagster/asset_partition_range_start": "c1",
        "dagster/asset_partition_range_end": "c2",
    }

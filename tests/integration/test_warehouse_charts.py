"""The chart registry and ranking editions (``warehouse/charts.py``), on SQLite and Postgres."""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest
from warehouse_builders import CHART, DAY1, DAY2, ranking

from soundcharts_assets.soundcharts.models import Chart
from soundcharts_assets.warehouse import Warehouse, WarehouseError

# -- charts registry and rankings ----------------------------------------------------------------------------


def test_chart_registry_keeps_schedule_and_history(wh: Warehouse) -> None:
    wh.upsert_chart(CHART, sync_schedule="daily")
    wh.upsert_chart(Chart(slug="top-fr", name="Top France (renamed)", platform="spotify"))
    row = wh.get_chart("top-fr")
    assert row is not None and row.sync_schedule == "daily" and row.name == "Top France (renamed)"
    assert row.registered_at.tzinfo is not None

    wh.write_ranking(ranking(DAY1, ["s1", "s2"]))
    assert wh.get_chart("top-fr").sync_schedule == "daily"  # type: ignore[union-attr]
    wh.upsert_chart(Chart(slug="top-us", name="Top US", platform="spotify"))
    assert [c.slug for c in wh.list_charts()] == ["top-fr", "top-us"]
    assert [c.slug for c in wh.list_charts("none")] == ["top-us"]
    wh.set_sync_schedule("top-us", "weekly")
    assert wh.get_chart("top-us").sync_schedule == "weekly"  # type: ignore[union-attr]

    with pytest.raises(WarehouseError, match="hourly"):
        wh.set_sync_schedule("top-us", "hourly")
    with pytest.raises(WarehouseError, match="not registered"):
        wh.set_sync_schedule("nope", "daily")

    wh.register_chart("top-de", "weekly")  # by slug alone, as the CLI does before the first ranking
    wh.register_chart("top-de", "daily")
    registered = wh.get_chart("top-de")
    assert registered is not None and registered.sync_schedule == "daily" and registered.name is None

    assert wh.remove_chart("top-fr") is True
    assert wh.remove_chart("top-fr") is False
    assert wh.get_chart("top-fr") is None
    assert wh.ranking_song_uuids("top-fr") == ["s1", "s2"]  # history stays


def test_write_ranking_is_idempotent_and_rewrite_replaces(wh: Warehouse) -> None:
    assert wh.latest_ranking_date("top-fr") is None
    assert wh.write_ranking(ranking(DAY1, ["a", "b", "c"])) == 3
    assert wh.write_ranking(ranking(DAY2, ["s1", "s2", "s3", "s4", "s5"])) == 5
    wh.write_ranking(ranking(DAY2, ["s1", "s2", "s3", "s4", "s5"]))
    assert wh.table_counts()["chart_rankings"] == 8

    # The edition is re-fetched and came back shorter and reordered: positions 4 and 5 must go.
    paris = timezone(timedelta(hours=2))
    wh.write_ranking(ranking(DAY2.astimezone(paris), ["s3", "s1", "s9"]))
    assert wh.ranking_positions("top-fr", DAY2) == [1, 2, 3]
    assert wh.ranking_song_uuids("top-fr") == ["s3", "s1", "s9"]
    assert wh.ranking_song_uuids("top-fr", DAY1) == ["a", "b", "c"]
    assert wh.ranking_dates("top-fr") == [DAY2, DAY1]
    assert wh.latest_ranking_date("top-fr") == DAY2
    assert wh.table_counts()["chart_rankings"] == 6
    assert wh.delete_ranking_position("top-fr", 2) is True
    assert wh.ranking_positions("top-fr") == [1, 3]
    summary = wh.chart_summary("top-fr")
    assert (summary["ranking_rows"], summary["editions"], summary["songs"]) == (5, 2, 5)

"""The chart registry and ranking editions (``warehouse/charts.py``), on SQLite and Postgres."""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest

from soundcharts_assets.soundcharts.models import Chart
from soundcharts_assets.warehouse import Warehouse, WarehouseError
from tests.integration.warehouse.builders import CHART, DAY1, DAY2, ranking

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


def test_left_recently_names_the_songs_the_latest_edition_dropped_with_their_last_ranked_day(wh: Warehouse) -> None:
    wh.write_ranking(ranking(DAY1 - timedelta(days=10), ["old"]))  # outside the week looked at
    wh.write_ranking(ranking(DAY1, ["s1", "s2", "s3"]))
    wh.write_ranking(ranking(DAY2, ["s2", "s3"]))
    wh.write_ranking(ranking(DAY2 + timedelta(days=1), ["s3", "s4"]))
    assert wh.left_recently(CHART.slug, "song", 7) == {"s1": DAY1.date(), "s2": DAY2.date()}
    assert wh.left_recently("no-such-chart", "song", 7) == {}


def test_a_song_one_chart_dropped_and_another_ranks_is_estimated_for_the_chart_that_ranks_it(wh: Warehouse) -> None:
    """The cost model charges a leaver's last fetch only when no chart of the run follows it, as a run does."""
    from soundcharts_assets.cascade.cost import stored_states
    from soundcharts_assets.settings import freshness_from_env

    other = Chart(slug="top-gb", name="Top UK", platform="spotify", frequency="daily", country_code="GB")
    wh.write_ranking(ranking(DAY1, ["x", "y"]))
    wh.write_ranking(ranking(DAY2, ["y"]))  # top-fr drops x
    wh.write_ranking(ranking(DAY2, ["x"], chart=other))  # top-gb ranks it
    now = DAY2 + timedelta(days=1)
    for order in ([CHART.slug, other.slug], [other.slug, CHART.slug]):
        states = stored_states(wh, order, freshness_from_env({}), now)
        assert states[other.slug].due_track_pairs == 4  # x's four series, never fetched: due under top-gb
        assert states[CHART.slug].due_track_pairs == 4  # y's; x is not a leaver while top-gb ranks it

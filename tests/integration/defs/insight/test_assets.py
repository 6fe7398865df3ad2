"""The insight assets on a seeded warehouse: hand-computed results, pictures, declarative automation."""

from __future__ import annotations

import base64
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from soundcharts_assets.definitions import CASCADE_ASSETS, defs
from soundcharts_assets.defs.insight.assets import INSIGHT_ASSETS
from soundcharts_assets.defs.partitions import CHARTS_PARTITIONS_NAME
from soundcharts_assets.defs.resources import WarehouseResource
from soundcharts_assets.insight import ChartNotStoredError
from soundcharts_assets.insight.errors import ChartNotFollowedError
from soundcharts_assets.insight.reads import (
    growth_by_chart,
    growth_for_chart,
    momentum_by_chart,
    momentum_for_chart,
    movers_for_chart,
)
from soundcharts_assets.insight.report import write_report
from soundcharts_assets.warehouse import Warehouse
from tests.integration.insight_seed import SLUG, publish_next_edition, seed

INSIGHT_KEYS = {"chart_movers", "artist_growth", "track_momentum"}
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def seeded(monkeypatch, sqlite_url, tmp_path):
    monkeypatch.setenv("SOUNDCHARTS_WAREHOUSE_URL", sqlite_url)
    monkeypatch.setenv("SOUNDCHARTS_DATA_DIR", str(tmp_path / "data"))
    seed(sqlite_url)
    return sqlite_url, tmp_path / "data"


def test_insight_reads_on_sqlite_and_postgres(warehouse_url):
    seed(warehouse_url)
    wh = Warehouse(warehouse_url)
    try:
        movers = movers_for_chart(wh, SLUG)
        kinds = movers.table.groupby("kind")["song_uuid"].apply(list).to_dict()
        assert kinds == {
            "new": ["f"],
            "re-entry": ["g", "h"],
            "climber": ["c"],
            "faller": ["b", "a"],
            "exit": ["d", "e"],
        }
        assert movers.chart.name == "Insight Test Top 6" and movers.chart.previous_date.day == 3
        assert movers.table.set_index("song_uuid").loc["a", "artists"] == "Xavi Lume, Yara"

        growth = growth_for_chart(wh, SLUG).set_index("artist_uuid")
        assert growth.loc["x", ["value", "change_7d", "change_28d"]].tolist() == [1210, 110, 210]
        assert growth.loc["y", ["value", "change_7d", "change_28d"]].tolist() == [660, 60, 160]
        assert growth.loc["x", "chart_share"] == pytest.approx(2.5 / 6)
        assert "w" not in growth.index  # Wren only had songs that left the chart

        momentum = momentum_for_chart(wh, SLUG).set_index(["song_uuid", "platform"])
        spotify = momentum.loc[("c", "spotify")]
        assert spotify[["value", "change_7d", "change_28d"]].tolist() == [2860, 660, 1760]
        assert momentum.loc[("c", "airplay"), ["value", "change_7d"]].tolist() == [21, 6]

        with pytest.raises(ChartNotStoredError, match="unknown chart 'nope'"):
            movers_for_chart(wh, "nope")
        wh.register_chart("registered-only")
        with pytest.raises(ChartNotStoredError, match="no stored ranking yet"):
            growth_for_chart(wh, "registered-only")

        # A fleet step reads its charts at once; each chart gets what it gets alone, or its own error.
        fleet = [SLUG, "registered-only", "nope"]
        for by_chart, for_chart in ((growth_by_chart, growth_for_chart), (momentum_by_chart, momentum_for_chart)):
            found = by_chart(wh, fleet)
            pd.testing.assert_frame_equal(found[SLUG], for_chart(wh, SLUG))
            assert "no stored ranking yet" in str(found["registered-only"])
            assert isinstance(found["nope"], ChartNotFollowedError)
    finally:
        wh.dispose()


def requested(result, keys=INSIGHT_KEYS) -> set[str]:
    return {key for key in keys if SLUG in result.get_requested_partitions(dg.AssetKey(key))}


@pytest.mark.slow
def test_insight_assets_materialize_and_follow_their_inputs(seeded):
    url, data_dir = seeded
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, [SLUG])
        for asset in CASCADE_ASSETS:  # the cascade ran (the warehouse was seeded by hand)
            instance.report_runless_asset_event(dg.AssetMaterialization(asset.key, partition=SLUG))

        # eager never backfills what existed before it was first evaluated: the first tick only takes note
        first = dg.evaluate_automation_conditions(defs=defs, instance=instance)
        assert requested(first) == set()

        result = dg.materialize(
            INSIGHT_ASSETS, partition_key=SLUG, instance=instance, resources={"warehouse": WarehouseResource()}
        )
        assert result.success
        movers = result.asset_materializations_for_node("chart_movers")[0].metadata
        counts = {"new_entries": 1, "re_entries": 2, "exits": 2, "climbers": 1, "fallers": 2}
        assert {key: movers[key].value for key in counts} == counts
        assert "Northern Lights" in movers["preview"].value
        for node, filename in (("chart_movers", "movers.png"), ("artist_growth", "growth.png")):
            metadata = result.asset_materializations_for_node(node)[0].metadata
            image = metadata["picture"].value
            assert image.startswith("![") and "](data:image/png;base64," in image
            assert base64.b64decode(image.split("base64,", 1)[1].rstrip(")")).startswith(PNG)
            assert Path(metadata["picture_path"].value) == data_dir / "reports" / SLUG / filename
            assert (data_dir / "reports" / SLUG / filename).read_bytes().startswith(PNG)
        growth = result.asset_materializations_for_node("artist_growth")[0].metadata
        assert growth["headline_series"].value == "spotify followers"
        assert "Xavi Lume" in growth["fastest_growing"].value

        # the HTML report shows the same selections: the same pictures (titles drawn in), the same headings
        with Warehouse(url) as wh:
            write_report(wh, SLUG, data_dir / "html")
            html = (data_dir / "html" / "report.html").read_text()
        for filename in ("movers.png", "growth.png"):
            assert (data_dir / "html" / filename).read_bytes() == (data_dir / "reports" / SLUG / filename).read_bytes()
        momentum = result.asset_materializations_for_node("track_momentum")[0].metadata
        shown = {"Movers": movers["preview"], "Fastest-growing artists": growth["fastest_growing"]}
        shown |= {
            "Share of the chart": growth["largest_share"],
            "Track momentum: Spotify streams": momentum["top_spotify_7d"],
        }
        for title, preview in shown.items():
            assert preview.value.startswith(f"**{title}**") and f"<h2>{title}</h2>" in html

        second = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=first.cursor)
        assert requested(second) == set()  # up to date: nothing to do

        publish_next_edition(url)
        instance.report_runless_asset_event(dg.AssetMaterialization("chart_rankings", partition=SLUG))
        third = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=second.cursor)
        # a new ranking requests the whole chain in one tick: the cascade and, behind it, all the insight
        assert requested(third) == INSIGHT_KEYS
        assert requested(third, {"tracks", "artists", "artist_audience", "track_audience"}) == {
            "tracks",
            "artists",
            "artist_audience",
            "track_audience",
        }

        # the runs of that tick: the insight reads the new edition
        again = dg.materialize(
            INSIGHT_ASSETS, partition_key=SLUG, instance=instance, resources={"warehouse": WarehouseResource()}
        )
        movers = again.asset_materializations_for_node("chart_movers")[0].metadata
        assert movers["ranking_date"].value == "2024-05-17"
        assert movers["previous_ranking_date"].value == "2024-05-10"
        assert (movers["climbers"].value, movers["fallers"].value, movers["exits"].value) == (1, 1, 4)
        fourth = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=third.cursor)
        assert requested(fourth) == set()

        instance.report_runless_asset_event(dg.AssetMaterialization("artist_audience", partition=SLUG))
        fifth = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=fourth.cursor)
        assert requested(fifth) == {"artist_growth"}  # only what reads the updated table

        instance.report_runless_asset_event(dg.AssetMaterialization("track_audience", partition=SLUG))
        sixth = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=fifth.cursor)
        assert requested(sixth) == {"track_momentum"}

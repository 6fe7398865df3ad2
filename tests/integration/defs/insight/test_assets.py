"""The insight assets on a seeded warehouse: hand-computed results, pictures, declarative automation."""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from soundcharts_assets.definitions import CASCADE_ASSETS, defs
from soundcharts_assets.defs.insight.assets import INSIGHT_ASSETS
from soundcharts_assets.defs.partitions import CHARTS_PARTITIONS_NAME
from soundcharts_assets.defs.resources import WarehouseResource
from soundcharts_assets.insight import ChartNotStoredError, artist_growth, reads, track_momentum
from soundcharts_assets.insight.errors import ChartNotFollowedError
from soundcharts_assets.insight.growth import GROWTH_METRICS
from soundcharts_assets.insight.reads import (
    growth_by_chart,
    growth_for_chart,
    momentum_by_chart,
    momentum_for_chart,
    movers_for_chart,
)
from soundcharts_assets.insight.report import write_report
from soundcharts_assets.soundcharts.models import ArtistAudiencePoint, Chart, ChartRanking, RankingEntry, SongRef
from soundcharts_assets.warehouse import Warehouse, loaders
from tests.integration.insight_seed import FETCHED, SLUG, day, publish_next_edition, seed
from tests.support.automation import evaluate_automation

INSIGHT_KEYS = {"chart_movers", "artist_growth", "track_momentum"}
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def seeded(monkeypatch, sqlite_url, tmp_path):
    monkeypatch.setenv("SOUNDCHARTS_WAREHOUSE_URL", sqlite_url)
    monkeypatch.setenv("SOUNDCHARTS_DATA_DIR", str(tmp_path / "data"))
    seed(sqlite_url)
    return sqlite_url, tmp_path / "data"


def test_insight_reads_on_sqlite_and_postgres(warehouse_url, monkeypatch):
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

        # A fleet step reads its charts at once; each chart gets what its own whole audience window gives, or its
        # own error. "insight-other" ranks only B (credited to Yara, whose followers end a day before Xavi's).
        other = Chart(slug="insight-other", name="Other", platform="spotify", frequency="daily")
        entry = RankingEntry(song=SongRef(uuid="b", name="Song B", credit_name=None), position=1)
        wh.write_ranking(ChartRanking(chart=other, date=day("2024-05-09"), entries=(entry,)), fetched_at=FETCHED)
        # Zed's YouTube followers: the 28-day change reaches back its full 35 days (04-12, less the 7-day gap).
        points = [
            ArtistAudiencePoint(date(2024, 4, 5), "followers", 10),
            ArtistAudiencePoint(date(2024, 5, 10), "followers", 20),
        ]
        wh.write_artist_audience("z", "youtube", points, fetched_at=FETCHED)
        fleet = [SLUG, other.slug, "registered-only", "nope"]
        for group_size in (1, 25):
            monkeypatch.setattr(reads, "FLEET_READ_CHARTS", group_size)
            growth, momentum = growth_by_chart(wh, fleet), momentum_by_chart(wh, fleet)
            for slug in (SLUG, other.slug):
                whole = alone(wh, slug)
                pd.testing.assert_frame_equal(growth[slug], whole[0])
                pd.testing.assert_frame_equal(momentum[slug], whole[1])
            for found in (growth, momentum):
                assert "no stored ranking yet" in str(found["registered-only"])
                assert isinstance(found["nope"], ChartNotFollowedError)
        yara = growth[other.slug].set_index("artist_uuid").loc["y"]
        assert yara["as_of"] == date(2024, 5, 9) and yara["value"] == 660  # its chart's own newest day
        assert growth[SLUG].set_index("artist_uuid").loc["y", "as_of"] == date(2024, 5, 10)
        zed = growth[SLUG].set_index(["artist_uuid", "platform"]).loc[("z", "youtube")]
        assert zed["change_28d"] == 10 and pd.isna(zed["change_7d"])
    finally:
        wh.dispose()


def alone(wh: Warehouse, slug: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One chart's growth and momentum from its own whole audience window, read as one chart's loaders do."""
    since = reads._audience_since(reads.stored_chart(wh, slug))
    artists = loaders.load_edition_artist_audience(wh, slug, since=since, metrics=GROWTH_METRICS)
    links, entries = loaders.load_edition_artists(wh, slug), len(wh.ranking_positions(slug))
    tracks = loaders.load_edition_track_audience(wh, slug, since=since)
    return artist_growth(artists, links, entries=entries), track_momentum(tracks, loaders.load_chart(wh, slug))


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
        first = evaluate_automation(defs, instance)
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

        second = evaluate_automation(defs, instance, first.cursor)
        assert requested(second) == set()  # up to date: nothing to do

        publish_next_edition(url)
        instance.report_runless_asset_event(dg.AssetMaterialization("chart_rankings", partition=SLUG))
        third = evaluate_automation(defs, instance, second.cursor)
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
        fourth = evaluate_automation(defs, instance, third.cursor)
        assert requested(fourth) == set()

        instance.report_runless_asset_event(dg.AssetMaterialization("artist_audience", partition=SLUG))
        fifth = evaluate_automation(defs, instance, fourth.cursor)
        assert requested(fifth) == {"artist_growth"}  # only what reads the updated table

        instance.report_runless_asset_event(dg.AssetMaterialization("track_audience", partition=SLUG))
        sixth = evaluate_automation(defs, instance, fifth.cursor)
        assert requested(sixth) == {"track_momentum"}

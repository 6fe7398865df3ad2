"""The whole chart cascade materialized by Dagster on a test instance, against the emulator over a socket."""

from __future__ import annotations

import dagster as dg
import httpx
import pytest

from soundcharts_assets.definitions import CASCADE_ASSETS
from soundcharts_assets.defs.partitions import CHARTS_PARTITIONS_NAME
from soundcharts_assets.defs.resources import CascadePolicyResource, SoundchartsResource, WarehouseResource
from soundcharts_assets.warehouse import Warehouse

pytestmark = pytest.mark.slow  # Dagster runs or subprocesses: left out of `make test-fast`

SANDBOX = {"x-app-id": "soundcharts", "x-api-key": "soundcharts"}
RESOURCES = {
    "soundcharts": SoundchartsResource(),
    "warehouse": WarehouseResource(),
    "policy": CascadePolicyResource(),
}


@pytest.fixture
def cascade_env(monkeypatch, emulator_for_test, warehouse_url, tmp_path):
    """The settings of a cascade: the warehouse, and the test's own ``emulator`` when it asks for one (to count or
    tune it), else the session's."""
    monkeypatch.setenv("SOUNDCHARTS_BASE_URL", emulator_for_test.url)
    monkeypatch.setenv("SOUNDCHARTS_WAREHOUSE_URL", warehouse_url)
    monkeypatch.setenv("SOUNDCHARTS_DATA_DIR", str(tmp_path / "data"))
    # The emulator has no limit here; the client's own (6,000/min by default) would only slow the suite.
    monkeypatch.setenv("SOUNDCHARTS_RATE_LIMIT_PER_MINUTE", "1000000")
    for name in ("SOUNDCHARTS_APP_ID", "SOUNDCHARTS_API_KEY", "SOUNDCHARTS_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    return emulator_for_test, warehouse_url


def materialize_chart(instance: dg.DagsterInstance, slug: str) -> dg.ExecuteInProcessResult:
    if not instance.has_dynamic_partition(CHARTS_PARTITIONS_NAME, slug):
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, [slug])
    return dg.materialize(CASCADE_ASSETS, partition_key=slug, instance=instance, resources=RESOURCES)


def served_ranking(emulator, slug: str) -> list[dict]:
    """What the emulator serves for the latest edition, read with plain httpx (not our client)."""
    items, path = [], f"/api/v2.14/chart/song/{slug}/ranking/latest?offset=0&limit=100"
    while path:
        page = httpx.get(emulator.url + path, headers=SANDBOX).json()
        if not page["items"]:
            break
        items += page["items"]
        path = page["page"]["next"]
    return items


def test_full_cascade_stores_what_the_emulator_served(cascade_env):
    emulator, url = cascade_env
    with dg.instance_for_test() as instance:
        result = materialize_chart(instance, "global-28")
        assert result.success
        materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
        assert materialized == {a.key.to_user_string() for a in CASCADE_ASSETS}
        checks = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
        assert checks["positions_unique_and_contiguous"] and checks["every_ranked_song_has_metadata"]
        assert checks["every_linked_artist_has_metadata"]

    served = served_ranking(emulator, "global-28")
    wh = Warehouse(url)
    try:
        stored = wh.ranking_song_uuids("global-28")
        assert stored == [item["song"]["uuid"] for item in sorted(served, key=lambda i: i["position"])]
        assert wh.songs_without_metadata("global-28") == []
        assert wh.artists_without_metadata("global-28") == []
        counts = wh.table_counts()
        assert counts["tracks"] == len(set(stored))
        assert counts["track_audience"] > 0 and counts["artist_audience"] > 0
        song = served[0]["song"]
        stored_song = httpx.get(f"{emulator.url}/api/v2.25/song/{song['uuid']}", headers=SANDBOX).json()["object"]
        track = wh.get_track(song["uuid"])
        assert track.name == stored_song["name"]
    finally:
        wh.dispose()


def test_a_rerun_spends_almost_nothing_and_a_second_chart_fetches_only_its_new_songs(cascade_env, emulator):
    """One stored chart, then: its rerun writes no duplicates and fetches no song or artist again; a second
    chart that shares songs with it fetches only the songs it adds (one cascade of the first chart serves both
    questions)."""
    _, url = cascade_env
    with dg.instance_for_test() as instance:
        assert materialize_chart(instance, "shazam-top-50-fr").success
        wh = Warehouse(url)
        first = wh.table_counts()
        first_chart = set(wh.ranking_song_uuids("shazam-top-50-fr"))
        emulator.reset_stats()
        assert materialize_chart(instance, "shazam-top-50-fr").success
        second = wh.table_counts()
        rerun_routes = emulator.stats()["by_route"]
        emulator.reset_stats()
        assert materialize_chart(instance, "airplay-fr").success
        second_chart = set(wh.ranking_song_uuids("airplay-fr"))
        wh.dispose()
    assert second == first
    assert sum(n for route, n in rerun_routes.items() if "/song/" in route and "chart" not in route) == 0
    assert sum(n for route, n in rerun_routes.items() if "/artist/" in route) == 0

    shared = first_chart & second_chart
    assert shared, "charts in the emulator overlap like real charts"
    new_songs = second_chart - first_chart
    song_batch_calls = sum(n for r, n in emulator.stats()["by_route"].items() if r.startswith("/api/v2.25/song/"))
    # 10 songs per batch call: only the songs not already fresh are fetched.
    assert song_batch_calls == -(-len(new_songs) // 10)


def test_broken_ranking_fails_the_positions_check(cascade_env, emulator):
    _, url = cascade_env
    emulator.configure(gapped_ranking_charts={"shazam-top-50-fr"})  # the API serves the edition without #5
    with dg.instance_for_test() as instance:
        result = materialize_chart(instance, "shazam-top-50-fr")
        assert result.success, "a failed check is reported, it does not fail the run"
        history = instance.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(dg.AssetKey("chart_rankings"), "positions_unique_and_contiguous"), limit=5
        )
    assert len(history) == 1 and history[0].partition == "shazam-top-50-fr"
    wh = Warehouse(url)
    try:
        assert 5 not in wh.ranking_positions("shazam-top-50-fr")
    finally:
        wh.dispose()
    evaluations = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert evaluations["positions_unique_and_contiguous"].passed is False
    assert evaluations["positions_unique_and_contiguous"].severity == dg.AssetCheckSeverity.ERROR
    assert evaluations["every_ranked_song_has_metadata"].passed is True

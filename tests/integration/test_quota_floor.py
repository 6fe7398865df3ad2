"""A cascade that reaches SOUNDCHARTS_QUOTA_FLOOR fails with one line and keeps everything it fetched."""

from __future__ import annotations

import dagster as dg
import pytest

from soundcharts_assets.definitions import CASCADE_ASSETS
from soundcharts_assets.defs.partitions import CHARTS_PARTITIONS_NAME
from soundcharts_assets.defs.resources import CascadePolicyResource, SoundchartsResource, WarehouseResource
from soundcharts_assets.emulator import EmulatorConfig, EmulatorServer
from soundcharts_assets.soundcharts.config import ApiSettings
from soundcharts_assets.warehouse import Warehouse

SLUG = "shazam-top-50-fr"  # 50 songs: 1 ranking call, 5 song batches, then ~200 track audience calls
QUOTA = 300
FLOOR = 200
AUDIENCE_ROUTES = ("/audience/", "/broadcast-groups", "/streaming/")


@pytest.fixture
def near_floor(monkeypatch, warehouse_url, tmp_path):
    with EmulatorServer(EmulatorConfig(seed=7, quota=QUOTA)) as server:
        monkeypatch.setenv("SOUNDCHARTS_BASE_URL", server.url)
        monkeypatch.setenv("SOUNDCHARTS_WAREHOUSE_URL", warehouse_url)
        monkeypatch.setenv("SOUNDCHARTS_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("SOUNDCHARTS_RATE_LIMIT_PER_MINUTE", "1000000")
        monkeypatch.setenv("SOUNDCHARTS_QUOTA_FLOOR", str(FLOOR))
        for name in ("SOUNDCHARTS_APP_ID", "SOUNDCHARTS_API_KEY", "SOUNDCHARTS_CLIENT_ID"):
            monkeypatch.delenv(name, raising=False)
        yield server, warehouse_url


def test_cascade_stops_at_the_quota_floor_and_keeps_what_it_fetched(near_floor) -> None:
    server, url = near_floor
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, [SLUG])
        result = dg.materialize(
            CASCADE_ASSETS,
            partition_key=SLUG,
            instance=instance,
            resources={
                "soundcharts": SoundchartsResource(),
                "warehouse": WarehouseResource(),
                "policy": CascadePolicyResource(),
            },
            raise_on_error=False,
        )
    assert not result.success
    failures = [e.step_failure_data for e in result.all_events if e.is_step_failure]
    messages = [f.user_failure_data.description for f in failures if f and f.user_failure_data]
    assert messages, "the floor surfaces as a dg.Failure, not as a crash"
    assert all(m.startswith("quota floor reached:") and "\n" not in m for m in messages)
    assert all("SOUNDCHARTS_QUOTA_FLOOR" in m for m in messages)

    stats = server.stats()
    # The client refuses before sending: at most the requests already in flight land past the floor.
    assert stats["quota_remaining"] >= FLOOR - ApiSettings().max_in_flight
    wh = Warehouse(url)
    try:
        assert len(wh.ranking_song_uuids(SLUG)) == 50
        assert wh.songs_without_metadata(SLUG) == []
        # Every audience answer the emulator gave (data or 404) was stored before the run stopped.
        answered = sum(n for route, n in stats["by_route"].items() if any(r in route for r in AUDIENCE_ROUTES))
        assert answered > 0
        counts = wh.table_counts()
        assert counts["audience_fetches"] == answered
    finally:
        wh.dispose()

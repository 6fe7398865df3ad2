"""A person in the Dagster UI: add a chart partition and materialize its ranking by clicking, and browse an
asset's pages with a hundred chart partitions, in Chromium.

Screenshots of the launch dialog, the run and the lineage graph land in test-artifacts/<test name>/. The two
tests share one deployment whose sensors are all stopped before the daemon starts: the run is the one launched
by the clicks (the automation test covers what the sensors do after it), and the made-up partitions are never
checked. Neither test looks at what the other adds (its own partition, its own run). The asset pages are timed
with the sensors stopped: with no chart followed in the warehouse, running they would only tick.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster_deployment import Deployment, new_deployment, serving
from dagster_ui import (
    chromium_browser,
    materialize_new_partition,
    open_page,
    screenshot_lineage,
    screenshot_on_failure,
    screenshot_run,
)
from served_by_emulator import served_latest_date, served_ranking

from soundcharts_assets.warehouse import Warehouse
from tests.support.databases import create_database, drop_database

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.slow]

SLUG = "deezer-top-50-de"  # 50 songs
DOWNSTREAM = ["tracks", "artists", "artist_metadata", "track_audience", "artist_audience"]
RUN_TIMEOUT_SECONDS = 240


ALL_SENSORS = (
    "new_chart_editions",
    "chart_registry",
    "cascade_automation",
    "alerts_after_cascade",
    "alerts_after_failed_cascade",
    "alerts_when_stored",
)


@pytest.fixture(scope="module")
def quiet_deployment(postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """The file's deployment: its own emulator and warehouse, every sensor stopped."""
    from soundcharts_assets.emulator import EmulatorConfig, EmulatorServer

    warehouse = create_database(postgres_admin_url, prefix="sca_e2e_warehouse")
    home = tmp_path_factory.mktemp("browser") / "dagster_home"
    try:
        with EmulatorServer(EmulatorConfig(seed=7)) as emulator:
            running, instance_db = new_deployment(postgres_admin_url, warehouse, emulator.url, home, ALL_SENSORS)
            with serving(running, postgres_admin_url, instance_db):
                yield running
    finally:
        drop_database(postgres_admin_url, warehouse)


@pytest.fixture
def deployment(request: pytest.FixtureRequest, quiet_deployment: Deployment) -> Deployment:
    """The file's deployment, its logs added to the report of a test that fails (conftest.py)."""
    request.node.e2e_deployment = quiet_deployment
    return quiet_deployment


def test_materialize_a_chart_partition_by_clicking(deployment: Deployment, chromium: Path, artifacts_dir: Path):
    api = deployment.api
    api_url, warehouse_url = deployment.env["SOUNDCHARTS_BASE_URL"], deployment.env["SOUNDCHARTS_WAREHOUSE_URL"]

    with chromium_browser(chromium) as browser:
        page = open_page(browser)
        with screenshot_on_failure(page, artifacts_dir / "failure.png"):
            run_id = materialize_new_partition(page, deployment.url, "chart_rankings", SLUG, artifacts_dir)
            run = api.wait_for_run(run_id, RUN_TIMEOUT_SECONDS, on_poll=deployment.check_alive)
            assert run.status == "SUCCESS", api.run_failure_messages(run_id)
            screenshot_run(page, deployment.url, run_id, artifacts_dir / "run.png")
            lineage = artifacts_dir / "lineage.png"
            screenshot_lineage(browser, deployment.url, "chart_rankings", DOWNSTREAM, lineage)

    assert run.tags.get("dagster/from_ui") == "true" and run.tags["dagster/partition"] == SLUG
    assert run.assets == ["chart_rankings"]
    [materialization] = api.materializations("chart_rankings", SLUG)
    assert materialization.run_id == run_id
    latest = served_latest_date(api_url, SLUG)
    assert materialization.metadata["ranking_date"] == latest.date().isoformat()
    warehouse = Warehouse(warehouse_url)
    try:
        served = served_ranking(api_url, SLUG)
        assert warehouse.ranking_song_uuids(SLUG) == [item["song"]["uuid"] for item in served]
        assert warehouse.latest_ranking_date(SLUG) == latest
    finally:
        warehouse.dispose()
    for name in ("launch-dialog.png", "run.png", "lineage.png"):
        assert (artifacts_dir / name).stat().st_size > 10_000, name


UI_TARGET_SECONDS = 3.0
FLEET_PARTITIONS = 100


def test_asset_pages_with_a_hundred_chart_partitions_load_within_three_seconds(
    deployment: Deployment, chromium: Path, artifacts_dir: Path
):
    """The asset page and the partitions view of artist_audience, timed by the GraphQL queries the UI makes."""
    api = deployment.api
    for i in range(FLEET_PARTITIONS):
        api.add_chart_partition(f"fleet-chart-{i:03d}")
    timings: dict[str, list[float]] = {}
    with chromium_browser(chromium) as browser:
        page = open_page(browser)

        def record(request) -> None:  # type: ignore[no-untyped-def]
            if "/graphql" in request.url:
                timing = request.timing  # ms from the request's start; -1 when unknown
                name = (request.post_data_json or {}).get("operationName") or "?"
                timings.setdefault(name, []).append(timing["responseEnd"] / 1000)

        page.on("requestfinished", record)
        with screenshot_on_failure(page, artifacts_dir / "fleet-failure.png"):
            for view in ("", "?view=partitions"):
                started = time.monotonic()
                page.goto(f"{deployment.url}/assets/artist_audience{view}")
                page.wait_for_load_state("networkidle")
                timings.setdefault(f"page{view or ''}", []).append(time.monotonic() - started)
            page.screenshot(path=str(artifacts_dir / "partitions-view.png"))
    (artifacts_dir / "graphql-timings.json").write_text(json.dumps(timings, indent=2, sort_keys=True))
    queries = {name: max(seconds) for name, seconds in timings.items() if not name.startswith("page")}
    assert queries, "the pages made no GraphQL query"
    slow = {name: seconds for name, seconds in queries.items() if seconds > UI_TARGET_SECONDS}
    assert not slow, f"GraphQL queries over {UI_TARGET_SECONDS} s with {FLEET_PARTITIONS} partitions: {slow}"

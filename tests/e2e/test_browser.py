"""A person in the Dagster UI: add a chart partition and materialize its ranking by clicking, in Chromium.

Screenshots of the launch dialog, the run and the lineage graph land in test-artifacts/<test name>/. The
daemon's sensors are stopped first: the run is the one launched by the clicks (the automation test covers
what the sensors do after it).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dagster_deployment import Deployment
from dagster_ui import (
    add_partitions,
    chromium_browser,
    materialize_new_partition,
    open_page,
    open_sensor_tick,
    screenshot_lineage,
    screenshot_on_failure,
    screenshot_run,
)
from playwright.sync_api import expect
from served_by_emulator import served_latest_date, served_ranking

from soundcharts_assets.warehouse import Warehouse
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.slow]

SLUG = "deezer-top-50-de"  # 50 songs
DOWNSTREAM = ["tracks", "artists", "artist_metadata", "track_audience", "artist_audience"]
RUN_TIMEOUT_SECONDS = 240


@pytest.mark.sensors_stopped(
    "new_chart_editions", "chart_registry", "cascade_automation", "alerts_after_cascade", "alerts_when_stored"
)
def test_materialize_a_chart_partition_by_clicking(
    deployment: Deployment, emulator, warehouse_db: str, chromium: Path, artifacts_dir: Path
):
    api = deployment.api

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
    latest = served_latest_date(emulator.url, SLUG)
    assert materialization.metadata["ranking_date"] == latest.date().isoformat()
    warehouse = Warehouse(warehouse_db)
    try:
        served = served_ranking(emulator.url, SLUG)
        assert warehouse.ranking_song_uuids(SLUG) == [item["song"]["uuid"] for item in served]
        assert warehouse.latest_ranking_date(SLUG) == latest
    finally:
        warehouse.dispose()
    for name in ("launch-dialog.png", "run.png", "lineage.png"):
        assert (artifacts_dir / name).stat().st_size > 10_000, name


UNKNOWN, INVALID = "top-200-xx", "Top-200!"  # the dialog refuses whitespace ("Top 200!"), not this
CHECK_ROUTE = "/api/v2.14/chart/song/{slug}/ranking/latest"
REFUSED_UNKNOWN = (
    f"unknown chart '{UNKNOWN}': Soundcharts has no song chart with this slug (check its spelling); "
    "its partition is removed (it was never followed)"
)
REFUSED_INVALID = (
    f"invalid chart slug '{INVALID}': use 1-128 lowercase letters, digits, '-', '_' or '.', starting with a "
    "letter or digit (e.g. global-28); its partition is removed (it was never followed)"
)


def charts_list(deployment: Deployment) -> list[str]:
    """`soundcharts-assets charts list --json` against the deployment's instance and warehouse: the slugs."""
    command = [sys.executable, "-m", "soundcharts_assets.cli", "charts", "list", "--json"]
    listed = subprocess.run(command, env=deployment.env, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    return [row["slug"] for row in json.loads(listed.stdout)]


@pytest.mark.sensors_stopped(
    "new_chart_editions", "cascade_automation", "alerts_after_cascade", "alerts_when_stored"
)  # not chart_registry
def test_slugs_added_in_the_ui_are_checked_and_the_bad_ones_refused_with_their_reason(
    deployment: Deployment, emulator, chromium: Path, artifacts_dir: Path
):
    """An unknown slug added and launched at once: its run checks it, fails with the reason and removes it. An
    invalid slug only added: the chart_registry sensor refuses it, the reason on its tick. One call at most each."""
    api = deployment.api
    emulator.reset_stats()

    with chromium_browser(chromium) as browser:
        page = open_page(browser)
        with screenshot_on_failure(page, artifacts_dir / "failure.png"):
            (artifacts_dir / "unknown").mkdir()
            run_id = materialize_new_partition(
                page, deployment.url, "chart_rankings", UNKNOWN, artifacts_dir / "unknown"
            )
            run = api.wait_for_run(run_id, RUN_TIMEOUT_SECONDS, on_poll=deployment.check_alive)
            assert run.status == "FAILURE"
            assert any(REFUSED_UNKNOWN in message for message in api.run_failure_messages(run_id))
            page.goto(f"{deployment.url}/runs/{run_id}")
            expect(page.get_by_text(f"unknown chart '{UNKNOWN}'").first).to_be_visible()
            page.screenshot(path=str(artifacts_dir / "unknown-run.png"))

            add_partitions(page, deployment.url, "chart_rankings", [INVALID])
            wait_for(
                f"the chart_registry sensor to refuse {INVALID!r}",
                lambda: INVALID not in charts_list(deployment),
                60,
                interval=2,
                on_poll=deployment.check_alive,
            )
            tick = open_sensor_tick(page, deployment.url, "chart_registry", "deleted")
            expect(tick.get_by_text(INVALID, exact=True).first).to_be_visible()  # "Deleted partitions"
            expect(tick.get_by_text(f"refused '{INVALID}': {REFUSED_INVALID}")).to_be_visible()  # "Skip reason"
            page.screenshot(path=str(artifacts_dir / "refused-tick.png"))

    assert charts_list(deployment) == []  # neither became a followed chart
    checks = emulator.stats()["by_route_status"].get(CHECK_ROUTE, {})
    assert checks == {"404": 1}  # the unknown slug cost one call; the invalid one none


UI_TARGET_SECONDS = 3.0
FLEET_PARTITIONS = 100


@pytest.mark.sensors_stopped("chart_registry")  # it would check (and remove) these made-up slugs
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

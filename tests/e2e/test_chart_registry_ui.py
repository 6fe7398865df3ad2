"""A person adds chart slugs in the Dagster UI: the unknown one is checked by its run and refused with the reason,
the invalid one refused by the ``chart_registry`` sensor with the reason on its tick (Chromium).

A deployment of its own: the ``chart_registry`` sensor runs here, and the browser tests of ``test_browser.py``
share a deployment whose sensors are all stopped.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from dagster_deployment import Deployment
from dagster_ui import (
    add_partitions,
    chromium_browser,
    materialize_new_partition,
    open_page,
    open_sensor_tick,
    screenshot_on_failure,
)
from playwright.sync_api import expect

from tests.support.waiting import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.slow]

RUN_TIMEOUT_SECONDS = 240


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

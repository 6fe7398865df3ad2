"""Nobody clicks: the daemon's sensor fetches new chart editions, and its run refreshes the whole cascade.

Register a chart (a partition through GraphQL, a row in the warehouse), wait for the ``new_chart_editions``
sensor's run to land the ranking and every downstream asset of that partition (one run of the whole cascade job,
as for a fleet); then publish a new edition in the emulator and wait for the whole cascade again.
Runs use the code location's executor (steps forked from a preloaded server), as in production.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from dagster_api import FINISHED, DagsterApi, Materialization, RunInfo
from dagster_deployment import Deployment, wait_for
from served_by_emulator import served_latest_date, served_ranking

from soundcharts_assets.warehouse import Warehouse

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.slow]

SLUG = "airplay-fr"  # 50 songs, daily
DOWNSTREAM = ["tracks", "artists", "artist_metadata", "track_audience", "artist_audience"]
CASCADE_TIMEOUT_SECONDS = 300


def latest(api: DagsterApi, asset: str) -> Materialization | None:
    events = api.materializations(asset, SLUG)
    return max(events, key=lambda m: m.timestamp_ms) if events else None


def cascade_for_edition(api: DagsterApi, edition: datetime) -> dict[str, Materialization] | None:
    """The latest materializations when the ranking of ``edition`` has landed, every downstream asset
    materialized after it and no run of the chart is left unfinished; None while the cascade is under way."""
    if any(run.status not in FINISHED for run in api.runs(SLUG)):
        return None
    ranking = latest(api, "chart_rankings")
    if ranking is None or ranking.metadata.get("ranking_date") != edition.date().isoformat():
        return None
    cascade = {"chart_rankings": ranking}
    for asset in DOWNSTREAM:
        event = latest(api, asset)
        if event is None or event.timestamp_ms < ranking.timestamp_ms:
            return None
        cascade[asset] = event
    return cascade


def wait_for_cascade(deployment: Deployment, edition: datetime) -> dict[str, Materialization]:
    return wait_for(
        f"the cascade of {SLUG} {edition.date()} (the sensor's run)",
        lambda: cascade_for_edition(deployment.api, edition),
        CASCADE_TIMEOUT_SECONDS,
        interval=1.0,
        on_poll=deployment.check_alive,
    )


def finished_runs(api: DagsterApi) -> dict[str, RunInfo] | None:
    """The chart's runs by id once none is queued or under way; None until then."""
    runs = api.runs(SLUG)
    return {run.run_id: run for run in runs} if all(run.status in FINISHED for run in runs) else None


def assert_launched_by_the_sensor(api: DagsterApi, cascade: dict[str, Materialization]) -> None:
    """One run of the whole cascade, started by the editions sensor; nothing was paid for twice. The runs the
    cascade's success starts (its alerts) may still be under way: they are waited for, then every run succeeded."""
    runs = wait_for(f"every run of {SLUG} to finish", lambda: finished_runs(api), CASCADE_TIMEOUT_SECONDS)
    statuses = {run_id: run.status for run_id, run in runs.items()}
    assert set(statuses.values()) == {"SUCCESS"}, statuses
    assert not any("dagster/from_ui" in run.tags for run in runs.values())
    ranking_run = runs[cascade["chart_rankings"].run_id]
    assert ranking_run.tags.get("dagster/sensor_name") == "new_chart_editions"
    assert ranking_run.tags.get("soundcharts/trigger") == "new_edition"
    for asset in DOWNSTREAM:  # the sensor's run materialized every asset (automation may re-run one later)
        by_sensor = [m for m in api.materializations(asset, SLUG) if m.run_id == ranking_run.run_id]
        assert by_sensor, (asset, runs[cascade[asset].run_id].tags)


@pytest.mark.timeout(2 * CASCADE_TIMEOUT_SECONDS + 60)
def test_new_edition_cascades_without_anyone_clicking(deployment: Deployment, emulator, warehouse_db: str):
    api = deployment.api
    warehouse = Warehouse(warehouse_db)
    try:
        warehouse.migrate()
        warehouse.register_chart(SLUG, "none")
        assert api.add_chart_partition(SLUG)["__typename"] == "AddDynamicPartitionSuccess"

        first_edition = served_latest_date(emulator.url, SLUG)
        first = wait_for_cascade(deployment, first_edition)
        assert_launched_by_the_sensor(api, first)
        assert warehouse.ranking_dates(SLUG) == [first_edition]

        second_edition = emulator.publish_edition(SLUG)
        assert second_edition > first_edition
        second = wait_for_cascade(deployment, second_edition)
        assert_launched_by_the_sensor(api, second)
        assert all(second[asset].run_id != first[asset].run_id for asset in second)

        assert warehouse.ranking_dates(SLUG) == [second_edition, first_edition]
        assert warehouse.latest_ranking_date(SLUG) == second_edition
        served = served_ranking(emulator.url, SLUG)
        assert warehouse.ranking_song_uuids(SLUG) == [item["song"]["uuid"] for item in served]
        assert warehouse.songs_without_metadata(SLUG) == warehouse.artists_without_metadata(SLUG) == []
    finally:
        warehouse.dispose()

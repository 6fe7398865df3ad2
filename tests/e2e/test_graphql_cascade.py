"""The cascade driven through the webserver's GraphQL API, on a Postgres instance and a Postgres warehouse.

Add a chart partition, launch job ``chart_cascade`` for it, wait for success, then read the lineage and the
partition's materializations back through GraphQL and the rows from Postgres, and compare with what the
emulator serves. The daemon's sensors are stopped first: this test launches every run itself (the
automation test covers the sensors), so the emulator's counters are this run's alone.
"""

from __future__ import annotations

import pytest
from dagster_api import CASCADE_JOB, FINISHED
from dagster_deployment import Deployment, wait_for
from served_by_emulator import api_requests, served_latest_date, served_ranking

from soundcharts_assets.warehouse import Warehouse

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.slow]

SLUG = "shazam-top-50-fr"  # 50 songs: the smallest charts keep the test quick
HOSTILE_SLUG = "top-50'; drop table chart_rankings; --\""
CASCADE = ["chart_rankings", "tracks", "artists", "artist_metadata", "track_audience", "artist_audience"]
LINEAGE = {
    ("chart_rankings", "tracks"),
    ("tracks", "artists"),
    ("artists", "artist_metadata"),
    ("chart_rankings", "track_audience"),
    ("artists", "artist_audience"),
}
RUN_TIMEOUT_SECONDS = 240


def run_to_completion(deployment: Deployment, slug: str):
    api = deployment.api
    run_id = api.launch_cascade(slug)  # the code location's executor: steps forked from a preloaded server
    return api.wait_for_run(run_id, RUN_TIMEOUT_SECONDS, on_poll=deployment.check_alive)


@pytest.mark.sensors_stopped(
    "new_chart_editions", "chart_registry", "cascade_automation", "alerts_after_cascade", "alerts_when_stored"
)
def test_cascade_through_graphql_lands_in_postgres(deployment: Deployment, emulator, warehouse_db: str):
    api = deployment.api

    added = api.add_chart_partition(SLUG)
    assert added == {"__typename": "AddDynamicPartitionSuccess", "partitionKey": SLUG}
    run = run_to_completion(deployment, SLUG)
    assert run.status == "SUCCESS", api.run_failure_messages(run.run_id)
    assert run.job_name == CASCADE_JOB and run.tags["dagster/partition"] == SLUG
    assert set(CASCADE) <= set(run.assets)
    requests_seen_by_api = api_requests(emulator.stats())

    # Lineage, as the UI draws it (other assets may join the graph; the cascade's own edges are these).
    dependencies = api.asset_dependencies()
    assert set(CASCADE) <= set(dependencies)
    edges = {(up, down) for down, ups in dependencies.items() for up in ups}
    assert {(up, down) for up, down in edges if up in CASCADE and down in CASCADE} == LINEAGE

    # One materialization per asset for this partition, from this run, describing what it did.
    materializations = {asset: api.materializations(asset, SLUG) for asset in CASCADE}
    for asset, events in materializations.items():
        assert [(m.partition, m.run_id) for m in events] == [(SLUG, run.run_id)], asset
        assert {"rows_written", "entities_fetched", "calls_sent"} <= set(events[0].metadata), asset
    metadata = {asset: events[0].metadata for asset, events in materializations.items()}
    served = served_ranking(emulator.url, SLUG)
    latest = served_latest_date(emulator.url, SLUG)
    assert metadata["chart_rankings"]["rows_written"] == len(served) == 50
    assert metadata["chart_rankings"]["ranking_date"] == latest.date().isoformat()
    assert metadata["artists"]["calls_sent"] == 0  # linking artists reads the warehouse only
    # Every request the API answered is accounted for in the metadata users read.
    assert sum(m["calls_sent"] for m in metadata.values()) == requests_seen_by_api

    # The rows, read from the Postgres warehouse.
    warehouse = Warehouse(warehouse_db)
    try:
        assert warehouse.ranking_song_uuids(SLUG) == [item["song"]["uuid"] for item in served]
        summary = warehouse.chart_summary(SLUG)
        assert summary["latest_ranking_date"] == latest
        assert (summary["ranking_rows"], summary["editions"]) == (50, 1)
        assert summary["tracks"] == summary["songs"] == len({item["song"]["uuid"] for item in served})
        assert summary["artists"] == summary["artist_links"] > 0
        assert summary["track_audience_rows"] > 0 and summary["artist_audience_rows"] > 0
        assert warehouse.songs_without_metadata(SLUG) == warehouse.artists_without_metadata(SLUG) == []
        stored_before = warehouse.table_counts()
    finally:
        warehouse.dispose()

    # A partition key no chart could have: the run fails on its first step with our one-line message.
    calls_before = api_requests(emulator.stats())
    assert api.add_chart_partition(HOSTILE_SLUG)["__typename"] == "AddDynamicPartitionSuccess"
    failed = run_to_completion(deployment, HOSTILE_SLUG)
    assert failed.status == "FAILURE"
    messages = api.run_failure_messages(failed.run_id)
    step_failures = [m for m in messages if "invalid chart slug" in m]
    assert step_failures, messages
    reason = step_failures[0].split(": ", 1)[1].strip()  # after the exception class name
    assert "\n" not in reason and reason.startswith("invalid chart slug") and "e.g. global-28" in reason
    assert not api.materializations("chart_rankings", HOSTILE_SLUG)
    if failed.tags.get("dagster/will_retry") == "true":
        # Run retries (dagster.yaml) launch it once more; wait for that run so nothing writes after the check.
        wait_for(
            "the retry of the hostile partition's run to finish",
            lambda: any(
                r.tags.get("dagster/parent_run_id") == failed.run_id and r.status in FINISHED
                for r in api.runs(HOSTILE_SLUG)
            ),
            RUN_TIMEOUT_SECONDS,
            on_poll=deployment.check_alive,
        )
    assert all(r.status == "FAILURE" for r in api.runs(HOSTILE_SLUG))
    warehouse = Warehouse(warehouse_db)
    try:
        assert warehouse.table_counts() == stored_before
        assert warehouse.ranking_song_uuids(SLUG) == [item["song"]["uuid"] for item in served]
    finally:
        warehouse.dispose()
    assert api_requests(emulator.stats()) == calls_before  # refused before any request

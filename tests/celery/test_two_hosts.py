"""The cascade over several charts on two Celery workers, one of them on a second host (a network namespace)."""

from __future__ import annotations

import pytest
from celerykit import NAMESPACE_HOSTNAME, this_hostname

from soundcharts_assets.definitions import CASCADE_ASSETS
from soundcharts_assets.emulator import EmulatorConfig

pytestmark = [pytest.mark.celery, pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(600)]

CHARTS = ["shazam-top-50-fr", "airplay-gb", "deezer-top-50-de"]
RATE_PER_MINUTE = 3000
WINDOW_SECONDS = 5
API_STEPS = {"chart_rankings", "tracks", "artist_metadata", "track_audience", "artist_audience"}


def test_cascade_runs_on_both_hosts_under_one_rate_limit(deployment_factory):
    burst = RATE_PER_MINUTE // 60
    # The emulator answers 429 past the shared limit (plus one burst) in any 5-second window, plus one second's
    # worth for delivery: the shared bucket bounds when tokens are granted, the emulator counts when requests
    # arrive, and a request reaches it a variable delay after its token (a busy CI host's scheduling, the
    # namespace's veth). With no slack, 0.1 s of spread in that delay is 5 requests over in a window (5 x 429
    # out of 1,000 on a loaded 2-core CI run). Two hosts each with its own bucket would send twice the limit.
    delivery_slack = RATE_PER_MINUTE // 60
    emulator = EmulatorConfig(
        seed=7,
        latency_ms=20,
        latency_jitter_ms=5,
        rate_limit_per_minute=RATE_PER_MINUTE * WINDOW_SECONDS // 60 + burst + delivery_slack,
        rate_limit_window_seconds=WINDOW_SECONDS,
    )
    deployment = deployment_factory(emulator, rate_limit_per_minute=RATE_PER_MINUTE)
    deployment.start_host_worker("host-a")
    deployment.start_namespace_worker("host-b")
    nodes = deployment.wait_for_workers("host-a", "host-b")
    assert any(node == f"host-b@{NAMESPACE_HOSTNAME}" for node in nodes), nodes
    assert all(queues == ["dagster", "soundcharts_api"] for queues in nodes.values()), nodes

    outcomes = deployment.run_charts(CHARTS)
    assert all(o["success"] for o in outcomes.values()), (outcomes, deployment.logs())

    # Every step ran on a Celery worker that the event log names; both hosts took part.
    hosts = set()
    for slug, outcome in outcomes.items():
        steps = deployment.step_workers(outcome["run_id"])
        assert set(steps) >= {a.key.to_user_string() for a in CASCADE_ASSETS}, (slug, steps)
        hosts |= {node.split("@", 1)[1] for nodes_ in steps.values() for node in nodes_}
    assert hosts == {this_hostname(), NAMESPACE_HOSTNAME}, hosts

    stats = deployment.emulator.stats()
    assert "429" not in stats["by_status"], stats["by_status"]  # the shared limit held across hosts
    for kind, served in stats["metadata_served"].items():
        assert served["total"] == served["distinct"], (kind, served)  # nothing fetched twice

    warehouse = deployment.warehouse()
    try:
        for slug in CHARTS:
            assert warehouse.songs_without_metadata(slug) == []
            assert warehouse.artists_without_metadata(slug) == []
    finally:
        warehouse.dispose()

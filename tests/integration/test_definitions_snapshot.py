"""Pin the asset graph: keys, dependencies, partitions, automation, checks, sensors, schedules, jobs.

A change to the graph must change tests/snapshots/definitions.json in the same commit. To accept an intended
change: ``SOUNDCHARTS_UPDATE_SNAPSHOTS=1 pytest tests/integration/test_definitions_snapshot.py``.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from soundcharts_assets.definitions import defs

SNAPSHOT = Path(__file__).parent.parent / "snapshots" / "definitions.json"
ROOT = Path(__file__).resolve().parents[2]


def describe(definitions: dg.Definitions) -> dict:
    # Resolving reads Dagster's current "defs state storage", a context variable an earlier test's instance
    # may have left pointing at a collected instance; a live test instance makes the resolution independent
    # of test order.
    with dg.instance_for_test():
        graph = definitions.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        condition = node.automation_condition
        assets[key.to_user_string()] = {
            "deps": sorted(parent.to_user_string() for parent in node.parent_keys),
            "group": node.group_name,
            "partitions": getattr(node.partitions_def, "name", None),
            "automation": condition.get_label() if condition else None,
            "pools": sorted(node.pools or []),
            "owners": sorted(node.owners),
            "kinds": sorted(node.kinds),
            "checks": sorted(check.name for check in node.check_keys),
            "backfill_policy": str(node.backfill_policy.policy_type.value) if node.backfill_policy else None,
        }
    sensors = {
        s.name: {"interval": s.minimum_interval_seconds, "default_status": s.default_status.value}
        for s in definitions.sensors or []
    }
    schedules = {
        s.name: {
            "cron": s.cron_schedule,
            "timezone": s.execution_timezone,
            "job": s.job_name,
            "default_status": s.default_status.value,
        }
        for s in definitions.schedules or []
    }
    jobs = {job.name: sorted(k.to_user_string() for k in job.selection.resolve(graph)) for job in definitions.jobs}
    return {"assets": assets, "sensors": sensors, "schedules": schedules, "jobs": jobs}


def test_graph_matches_snapshot():
    current = describe(defs)
    if os.environ.get("SOUNDCHARTS_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
    assert SNAPSHOT.exists(), f"{SNAPSHOT} is missing: run with SOUNDCHARTS_UPDATE_SNAPSHOTS=1 and commit it"
    assert current == json.loads(SNAPSHOT.read_text())


def test_cascade_edges_are_the_documented_ones():
    assets = describe(defs)["assets"]
    assert assets["tracks"]["deps"] == ["chart_rankings"]
    assert assets["artists"]["deps"] == ["tracks"]
    assert assets["artist_metadata"]["deps"] == ["artists"]
    assert assets["track_audience"]["deps"] == ["chart_rankings"]  # uuids only: it runs beside tracks
    assert assets["artist_audience"]["deps"] == ["artists"]  # and beside artist_metadata
    assert all(a["partitions"] == "charts" for a in assets.values())


@pytest.mark.slow
def test_dagster_definitions_validate_passes_on_the_workspace():
    result = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]

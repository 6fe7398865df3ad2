"""Staleness in the UI: the cascade's assets carry a freshness policy from the charts' daily cadence; the
alerts asset follows the cascade in runs of its own."""

from datetime import timedelta

import dagster as dg
from dagster._core.definitions.freshness import TimeWindowFreshnessPolicy

from soundcharts_assets.definitions import CASCADE_ASSETS, defs
from soundcharts_assets.defs.conventions import FOLLOW_UPDATES_OUTSIDE_OUR_RUNS
from soundcharts_assets.defs.freshness import cascade_freshness
from soundcharts_assets.vocabulary import SyncSchedule


def test_cascade_assets_warn_after_a_late_refresh_and_fail_after_a_missed_one():
    with dg.instance_for_test():
        graph = defs.resolve_asset_graph()
    policies = {key.to_user_string(): graph.get(key).freshness_policy for key in graph.get_all_asset_keys()}
    cascade = {asset.key.to_user_string() for asset in CASCADE_ASSETS}
    assert {name for name, policy in policies.items() if policy is not None} == cascade
    policy = policies["chart_rankings"]
    assert isinstance(policy, TimeWindowFreshnessPolicy)
    assert policy.fail_window.to_timedelta() == timedelta(days=2)
    assert policy.warn_window is not None and policy.warn_window.to_timedelta() == timedelta(hours=26)
    weekly = TimeWindowFreshnessPolicy.from_timedeltas(timedelta(days=14), timedelta(days=7, hours=2))
    assert cascade_freshness(SyncSchedule.WEEKLY) == weekly


def test_alerts_follow_the_cascade_in_runs_of_their_own():
    with dg.instance_for_test():
        graph = defs.resolve_asset_graph()
    node = graph.get(dg.AssetKey("alerts"))
    # only what runs other than ours store pulls them: the alerts of our runs are started by the alerts sensors
    # (`defs/alerts/sensors.py`)
    assert node.automation_condition == FOLLOW_UPDATES_OUTSIDE_OUR_RUNS
    cascade_job = defs.resolve_job_def("chart_cascade")
    assert "alerts" not in {key.to_user_string() for key in cascade_job.asset_layer.selected_asset_keys}
    assert {k.to_user_string() for k in defs.resolve_job_def("chart_alerts").asset_layer.selected_asset_keys} == {
        "alerts"
    }

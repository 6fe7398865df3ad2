"""The alerts sensors: a cascade run starts its charts' alerts once, as soon as it stored what they read
(``alerts_when_stored``) or when it ends (``alerts_after_cascade``), and automation requests nothing after the
runs we launch (neither their alerts nor a cascade step they already ran).

The cascade and the alerts step are stand-ins with the same asset keys, partitions and job names (no API, no
warehouse): what is under test is which runs the sensors request, read from a real instance's runs and events.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import dagster as dg
import pytest

from soundcharts_assets.definitions import CASCADE_ASSETS, defs
from soundcharts_assets.defs.alerts.assets import INPUTS
from soundcharts_assets.defs.alerts.sensors import (
    alerts_after_cascade_sensor,
    alerts_after_failed_cascade_sensor,
    alerts_when_stored,
    alerts_when_stored_sensor,
)
from soundcharts_assets.defs.insight.assets import INSIGHT_ASSETS
from soundcharts_assets.defs.names import ALERTS_ASSET, ALERTS_JOB_NAME, CASCADE_JOB_NAME, TRIGGER_TAG
from soundcharts_assets.defs.partition_ranges import PARTITION_TAG, RANGE_END_TAG, RANGE_START_TAG
from soundcharts_assets.defs.partitions import CHARTS_PARTITIONS_NAME, chart_partitions
from tests.support.automation import evaluate_automation

FLEET = ["top-a", "top-b", "top-c"]
OUTSIDE = "top-d"
"""Updated by hand, not by a cascade run: automation still starts its alerts (the control)."""
ALERTS = dg.AssetKey(ALERTS_ASSET)
GATE_SECONDS = 300
"""How long a held step waits for its release, and the test for the held step: never reached when all is well."""

pytestmark = pytest.mark.slow  # Dagster runs in threads and ~30 automation ticks: left out of `make test-fast`


Gates = dict[dg.AssetKey, tuple[threading.Event, threading.Event]]


def _jobs(
    held: Gates | None = None, failing: tuple[dg.AssetKey, ...] = ()
) -> tuple[dg.JobDefinition, dg.JobDefinition]:
    """``chart_cascade`` and ``chart_alerts`` over stand-ins of the real assets, wired like them, in process. The
    cascade's ``held`` steps each say they are reached (the first event) and wait for their release (the second);
    its ``failing`` steps then raise."""
    graph = defs.resolve_asset_graph()
    cascade_keys = [asset.key for asset in (*CASCADE_ASSETS, *INSIGHT_ASSETS)]
    gates = held or {}

    def stand_in(key: dg.AssetKey, parents: list[dg.AssetKey]) -> dg.AssetsDefinition:
        @dg.asset(key=key, partitions_def=chart_partitions, deps=parents)
        def _step() -> None:
            if key in gates:
                reached, release = gates[key]
                reached.set()
                assert release.wait(GATE_SECONDS)
            if key in failing:
                raise RuntimeError(f"{key.to_user_string()} failed")

        return _step

    cascade = [
        stand_in(key, sorted(k for k in graph.get(key).parent_keys if k in cascade_keys)) for key in cascade_keys
    ]
    stand_ins = dg.Definitions(
        assets=[*cascade, stand_in(ALERTS, sorted(graph.get(ALERTS).parent_keys))],
        jobs=[
            dg.define_asset_job(CASCADE_JOB_NAME, selection=cascade_keys, partitions_def=chart_partitions),
            dg.define_asset_job(ALERTS_JOB_NAME, selection=[ALERTS], partitions_def=chart_partitions),
        ],
        executor=dg.in_process_executor,
    )
    return stand_ins.resolve_job_def(CASCADE_JOB_NAME), stand_ins.resolve_job_def(ALERTS_JOB_NAME)


def _tick(
    instance: dg.DagsterInstance, cursor: str | None, sensor: dg.RunStatusSensorDefinition = alerts_after_cascade_sensor
) -> tuple[list[dg.RunRequest], str | None]:
    context = dg.build_sensor_context(instance=instance, cursor=cursor)
    result = sensor.evaluate_tick(context)
    return list(result.run_requests or []), result.cursor


def _requested_alerts(result: dg.EvaluateAutomationConditionsResult) -> set[str]:
    return set(result.get_requested_partitions(ALERTS))


def test_a_succeeded_fleet_run_starts_its_alerts_once_and_automation_adds_none():
    cascade_job, alerts_job = _jobs()
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, [*FLEET, OUTSIDE])
        automation = evaluate_automation(defs, instance)  # first tick: takes note
        requests, cursor = _tick(instance, None)  # first tick: sets its cursor
        assert requests == []

        range_tags = {RANGE_START_TAG: FLEET[0], RANGE_END_TAG: FLEET[-1]}
        fleet_run = cascade_job.execute_in_process(instance=instance, tags=range_tags)
        assert fleet_run.success
        for key in (asset.key for asset in CASCADE_ASSETS):  # the control chart's cascade, updated by hand
            instance.report_runless_asset_event(dg.AssetMaterialization(key, partition=OUTSIDE))

        requests, cursor = _tick(instance, cursor)
        assert [(r.run_key, r.tags) for r in requests] == [
            (
                f"alerts-after:{fleet_run.run_id}",
                {
                    **range_tags,
                    "soundcharts/trigger": "cascade_success",
                    "soundcharts/alerts_of": fleet_run.run_id,
                    "dagster/sensor_name": "alerts_after_cascade",
                },
            )
        ]
        assert _tick(instance, cursor)[0] == []  # once per cascade run

        # the daemon submits the request: the alerts run is not started yet when the automation sensor ticks
        queued = instance.create_run_for_job(alerts_job, tags=requests[0].tags, status=dg.DagsterRunStatus.NOT_STARTED)
        automation = evaluate_automation(defs, instance, automation.cursor)
        assert _requested_alerts(automation) == {OUTSIDE}  # the fleet's alerts are left to their run

        instance.delete_run(queued.run_id)  # the queued run, then the run itself, as the daemon runs it
        alerts_run = alerts_job.execute_in_process(instance=instance, tags=requests[0].tags)
        assert alerts_run.success
        materialized = alerts_run.get_asset_materialization_events()
        assert {event.event_specific_data.materialization.partition for event in materialized} == set(FLEET)
        automation = evaluate_automation(defs, instance, automation.cursor)
        assert _requested_alerts(automation) == set()


def test_a_single_chart_run_starts_its_alerts_and_other_runs_start_none():
    cascade_job, alerts_job = _jobs()
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, FLEET)
        _, cursor = _tick(instance, None)
        other = alerts_job.execute_in_process(instance=instance, partition_key=FLEET[1])  # not a cascade
        one = cascade_job.execute_in_process(instance=instance, partition_key=FLEET[1])
        assert other.success and one.success

        requests, _ = _tick(instance, cursor)  # the other run is passed over in the same tick
        assert [(r.run_key, r.tags[PARTITION_TAG]) for r in requests] == [(f"alerts-after:{one.run_id}", FLEET[1])]
        assert RANGE_START_TAG not in requests[0].tags


def test_charts_whose_alerts_automation_started_first_are_left_out():
    cascade_job, alerts_job = _jobs()
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, FLEET)
        _, cursor = _tick(instance, None)
        fleet_run = cascade_job.execute_in_process(
            instance=instance, tags={RANGE_START_TAG: FLEET[0], RANGE_END_TAG: FLEET[-1]}
        )
        # automation's tick came first and started the middle chart's alerts (a one-partition run of the asset)
        automation_run = alerts_job.execute_in_process(
            instance=instance, partition_key=FLEET[1], asset_selection=[ALERTS]
        )
        assert fleet_run.success and automation_run.success

        requests, _ = _tick(instance, cursor)
        assert [(r.run_key, r.tags[PARTITION_TAG]) for r in requests] == [
            (f"alerts-after:{fleet_run.run_id}:{FLEET[0]}", FLEET[0]),
            (f"alerts-after:{fleet_run.run_id}:{FLEET[2]}", FLEET[2]),
        ]


def _requested(result: dg.EvaluateAutomationConditionsResult) -> dict[str, set[str]]:
    """Each asset automation requested, with its partitions (cascade, insight and alerts)."""
    keys = [asset.key for asset in (*CASCADE_ASSETS, *INSIGHT_ASSETS)] + [ALERTS]
    requested = {key.to_user_string(): set(result.get_requested_partitions(key)) for key in keys}
    return {name: partitions for name, partitions in requested.items() if partitions}


def test_what_our_runs_store_pulls_no_automation_run_and_a_ui_materialization_still_does():
    """Automation's tick during a fleet run sees its first steps' materializations. Before, eager remembered
    "a dependency updated" and re-ran every step whose own materialization landed while a tick evaluated (22
    runs after a 50-chart fleet run). Here the tick sees a tagged run that stored only ``chart_rankings``, as a
    tick does mid-run: nothing is requested. The same materialization without our tag (a UI click) still pulls
    the rest of the cascade, and then the alerts."""
    cascade_job, _ = _jobs()
    rankings = dg.AssetKey("chart_rankings")
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, [*FLEET, OUTSIDE])
        for slug in (*FLEET, OUTSIDE):  # every chart stored once before, so nothing is missing
            assert cascade_job.execute_in_process(instance=instance, partition_key=slug, tags={TRIGGER_TAG: "cli"})
        automation = evaluate_automation(defs, instance)  # first tick: takes note

        fleet_tags = {RANGE_START_TAG: FLEET[0], RANGE_END_TAG: FLEET[-1], TRIGGER_TAG: "daily_schedule"}
        early = cascade_job.execute_in_process(instance=instance, tags=fleet_tags, asset_selection=[rankings])
        assert early.success
        automation = evaluate_automation(defs, instance, automation.cursor)
        assert _requested(automation) == {}

        clicked = cascade_job.execute_in_process(instance=instance, partition_key=OUTSIDE, asset_selection=[rankings])
        assert clicked.success
        automation = evaluate_automation(defs, instance, automation.cursor)
        pulled = _requested(automation)
        assert pulled and all(partitions == {OUTSIDE} for partitions in pulled.values()), pulled


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shipped_event_log(request: pytest.FixtureRequest) -> dict[str, object]:
    """The instance settings naming each event log we ship: dagster.yaml's, and deploy/postgres/dagster.yaml's."""
    if request.param == "sqlite":
        return {
            "event_log_storage": {
                "module": "soundcharts_assets.instance_sqlite",
                "class": "KeptOpenSqliteEventLogStorage",
            }
        }
    url = request.getfixturevalue("postgres_url")
    return {
        "event_log_storage": {
            "module": "soundcharts_assets.instance_storage",
            "class": "OutageTolerantEventLogStorage",
            "config": {"postgres_url": url},
        }
    }


def test_the_first_fleet_run_of_a_new_instance_pulls_no_automation_run(shipped_event_log):
    """The daemon's first automation tick on a new instance sees an empty event log. Dagster stored no cursor
    then, and the next tick took every update of our first fleet run as made outside our runs: automation
    re-ran the cascade's steps and the alerts after it (3-18 runs in the fleet benchmark's first scenario).
    ``instance_events.NeverEmptyEventLog`` gives that first tick an event to start from."""
    cascade_job, _ = _jobs()
    rankings = dg.AssetKey("chart_rankings")
    with dg.instance_for_test(overrides=shipped_event_log) as instance:
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, FLEET)
        automation = evaluate_automation(defs, instance)  # the daemon's first tick, before any run
        fleet_tags = {RANGE_START_TAG: FLEET[0], RANGE_END_TAG: FLEET[-1], TRIGGER_TAG: "charts_sensor"}
        early = cascade_job.execute_in_process(instance=instance, tags=fleet_tags, asset_selection=[rankings])
        assert early.success
        automation = evaluate_automation(defs, instance, automation.cursor)  # mid-run: the ranking is stored
        assert _requested(automation) == {}

        assert cascade_job.execute_in_process(instance=instance, tags=fleet_tags).success  # the rest of the run
        automation = evaluate_automation(defs, instance, automation.cursor)
        assert _requested(automation) == {}
        # the first entry is no asset's: the instance knows the cascade's assets only
        assert set(instance.get_asset_keys()) == {asset.key for asset in (*CASCADE_ASSETS, *INSIGHT_ASSETS)}


def _failing_cascade(fail: str) -> dg.JobDefinition:
    """A stand-in ``chart_cascade`` whose ``fail`` step raises after ``chart_rankings`` stored its charts."""

    @dg.asset(partitions_def=chart_partitions)
    def chart_rankings() -> None:
        if fail == "chart_rankings":
            raise RuntimeError("the API refused the credentials")

    @dg.asset(partitions_def=chart_partitions, deps=[chart_rankings])
    def tracks() -> None:
        raise RuntimeError("one chart failed")

    stand_ins = dg.Definitions(
        assets=[chart_rankings, tracks],
        jobs=[dg.define_asset_job(CASCADE_JOB_NAME, selection="*", partitions_def=chart_partitions)],
    )
    return stand_ins.resolve_job_def(CASCADE_JOB_NAME)


def test_a_failed_cascade_run_starts_the_alerts_of_what_it_stored_and_one_that_stored_nothing_none():
    range_tags = {RANGE_START_TAG: FLEET[0], RANGE_END_TAG: FLEET[-1], TRIGGER_TAG: "daily_schedule"}
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, FLEET)
        _, cursor = _tick(instance, None, alerts_after_failed_cascade_sensor)
        stored = _failing_cascade("tracks").execute_in_process(instance=instance, tags=range_tags, raise_on_error=False)
        nothing = _failing_cascade("chart_rankings").execute_in_process(
            instance=instance, tags=range_tags, raise_on_error=False
        )
        assert not stored.success and not nothing.success

        requests, cursor = _tick(instance, cursor, alerts_after_failed_cascade_sensor)
        assert [(r.run_key, r.tags[RANGE_START_TAG], r.tags[RANGE_END_TAG]) for r in requests] == [
            (f"alerts-after:{stored.run_id}", FLEET[0], FLEET[-1])
        ]
        assert _tick(instance, None, alerts_after_cascade_sensor)[0] == []  # the success sensor: not its business


def test_on_a_brand_new_instance_a_ui_click_before_the_second_tick_pulls_the_cascade(shipped_event_log):
    """The first thing stored on a brand-new instance is a ranking clicked in the UI: the next tick reads it
    after the first entry our event log wrote for the first tick, and pulls the chart's cascade (the control of
    ``test_the_first_fleet_run_of_a_new_instance_pulls_no_automation_run``)."""
    cascade_job, _ = _jobs()
    with dg.instance_for_test(overrides=shipped_event_log) as instance:
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, [OUTSIDE])
        automation = evaluate_automation(defs, instance)  # brand-new: an empty event log
        clicked = cascade_job.execute_in_process(
            instance=instance, partition_key=OUTSIDE, asset_selection=[dg.AssetKey("chart_rankings")]
        )
        assert clicked.success
        automation = evaluate_automation(defs, instance, automation.cursor)
        pulled = _requested(automation)
        assert pulled and all(partitions == {OUTSIDE} for partitions in pulled.values()), pulled


def test_new_charts_alerts_wait_for_their_fleet_run_to_end():
    """A new chart's alerts are missing for its whole first cascade run; eager requested them as soon as their
    dependencies (the audience steps) had stored, while the insight steps still ran, so they were computed
    twice (15 alerts runs after a 100-chart fleet run on PostgreSQL). Here automation ticks while the fleet
    run's last step waits: nothing is requested, then or after the run. (A brand-new instance's first fleet run:
    ``test_the_first_fleet_run_of_a_new_instance_pulls_no_automation_run``.)"""
    reached, gate = threading.Event(), threading.Event()
    cascade_job, _ = _jobs({dg.AssetKey("artist_growth"): (reached, gate)})
    fleet_tags = {RANGE_START_TAG: FLEET[0], RANGE_END_TAG: FLEET[-1], TRIGGER_TAG: "charts_sensor"}
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, [OUTSIDE])  # an instance in use: a chart stored
        gate.set()
        assert cascade_job.execute_in_process(instance=instance, partition_key=OUTSIDE, tags={TRIGGER_TAG: "cli"})
        gate.clear()
        reached.clear()
        automation = evaluate_automation(defs, instance)
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, FLEET)

        with ThreadPoolExecutor(1) as pool:
            fleet_run = pool.submit(cascade_job.execute_in_process, instance=instance, tags=fleet_tags)
            try:
                while not reached.wait(0.05):  # the run's last step holds, or the run ended early: say how
                    assert not fleet_run.done(), f"the fleet run ended before its last step: {fleet_run.result()}"
                automation = evaluate_automation(defs, instance, automation.cursor)
                assert _requested(automation) == {}
            finally:
                gate.set()
            assert fleet_run.result(timeout=GATE_SECONDS).success
        automation = evaluate_automation(defs, instance, automation.cursor)
        assert _requested(automation) == {}


def _when_stored_tick(instance: dg.DagsterInstance) -> list[dg.RunRequest]:
    context = dg.build_sensor_context(instance=instance)
    return list(alerts_when_stored_sensor.evaluate_tick(context).run_requests or [])


def test_a_fleet_runs_alerts_start_once_it_stored_their_inputs_while_its_insight_still_runs():
    """The alerts read the ranking, the artists' metadata and both audiences, not the insight: they start once
    those four steps of the run succeeded, while an insight step still works, once; the run's end then starts
    nothing more. Before (the run-status sensor alone) a fleet's alerts ended ~10 s after its run."""
    audience, insight = dg.AssetKey("track_audience"), dg.AssetKey("artist_growth")
    gates = {key: (threading.Event(), threading.Event()) for key in (audience, insight)}
    cascade_job, alerts_job = _jobs(gates)
    fleet_tags = {RANGE_START_TAG: FLEET[0], RANGE_END_TAG: FLEET[-1], TRIGGER_TAG: "daily_schedule"}
    with dg.instance_for_test() as instance, ThreadPoolExecutor(1) as pool:
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, FLEET)
        _, cursor = _tick(instance, None)
        fleet_run = pool.submit(cascade_job.execute_in_process, instance=instance, tags=fleet_tags)
        try:
            for key, (reached, release) in gates.items():
                while not reached.wait(0.05):  # the held step is reached, or the run ended early: say how
                    assert not fleet_run.done(), f"the fleet run ended before {key.to_user_string()}: {fleet_run.result()}"  # fmt: skip
                requests = _when_stored_tick(instance)
                if key == audience:  # an input is still being fetched: nothing yet
                    assert requests == []
                    release.set()
            (run_id,) = [record.dagster_run.run_id for record in instance.get_run_records()]
            assert [(r.run_key, r.tags) for r in requests] == [
                (
                    f"alerts-stored:{run_id}",
                    {
                        **fleet_tags,
                        TRIGGER_TAG: "cascade_stored",
                        "soundcharts/alerts_of": run_id,
                        "dagster/sensor_name": "alerts_when_stored",
                    },
                )
            ]
            alerts_run = alerts_job.execute_in_process(instance=instance, tags=requests[0].tags)  # as the daemon would
            assert alerts_run.success
            assert _when_stored_tick(instance) == []  # once per cascade run
        finally:
            for _, release in gates.values():
                release.set()
        assert fleet_run.result(timeout=GATE_SECONDS).success
        assert _tick(instance, cursor)[0] == []  # the run's end: its alerts already ran


def test_a_cascade_run_that_never_stored_the_alerts_inputs_starts_them_at_its_end():
    """A fleet run whose ``track_audience`` fails: while it runs, an input is missing and nothing is requested;
    once it ended (failed), the failed-cascade sensor starts the alerts of what it stored, once."""
    audience = dg.AssetKey("track_audience")
    gates = {audience: (threading.Event(), threading.Event())}
    cascade_job, _ = _jobs(gates, failing=(audience,))
    fleet_tags = {RANGE_START_TAG: FLEET[0], RANGE_END_TAG: FLEET[-1], TRIGGER_TAG: "daily_schedule"}
    with dg.instance_for_test() as instance, ThreadPoolExecutor(1) as pool:
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, FLEET)
        _, cursor = _tick(instance, None, alerts_after_failed_cascade_sensor)
        run = pool.submit(cascade_job.execute_in_process, instance=instance, tags=fleet_tags, raise_on_error=False)
        reached, release = gates[audience]
        try:
            while not reached.wait(0.05):
                assert not run.done(), f"the fleet run ended before track_audience: {run.result()}"
            assert _when_stored_tick(instance) == []  # in progress, track_audience not stored
        finally:
            release.set()
        failed = run.result(timeout=GATE_SECONDS)
        assert not failed.success
        assert _when_stored_tick(instance) == []  # no longer in progress
        assert alerts_when_stored(instance, instance.get_run_by_id(failed.run_id)) == dg.SkipReason(
            f"cascade run {failed.run_id} has not stored all of chart_rankings, artist_metadata, track_audience, "
            "artist_audience yet"
        )
        requests, cursor = _tick(instance, cursor, alerts_after_failed_cascade_sensor)
        assert [(r.run_key, r.tags[TRIGGER_TAG]) for r in requests] == [
            (f"alerts-after:{failed.run_id}", "cascade_success")
        ]
        assert _tick(instance, cursor, alerts_after_failed_cascade_sensor)[0] == []


def test_the_alerts_inputs_are_steps_of_the_cascade_job():
    """``INPUTS`` are asset keys (the asset's deps) and the step keys of the real ``chart_cascade`` job whose
    successes ``alerts_when_stored`` waits for: a renamed step would leave every fleet's alerts to the run's end."""
    steps = {node.name for node in defs.resolve_job_def(CASCADE_JOB_NAME).nodes_in_topological_order}
    assert set(INPUTS) <= steps
    assert {key.to_user_string() for key in defs.resolve_asset_graph().get(ALERTS).parent_keys} == set(INPUTS)

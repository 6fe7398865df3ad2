"""`soundcharts-assets` as users type it: real subprocesses, a real instance, the emulator on a socket."""

import json
import os

import dagster as dg
import pytest

from tests.support.automation import evaluate_automation
from tests.support.cli import run_cli, warehouse_of

pytestmark = pytest.mark.slow  # Dagster runs or subprocesses: left out of `make test-fast`


def test_charts_add_list_remove(cli_env):
    added = run_cli(cli_env, "charts", "add", "airplay-fr", "--schedule", "daily")
    assert added.returncode == 0, added.stderr
    assert "registered airplay-fr (sync schedule: daily" in added.stdout
    listed = run_cli(cli_env, "charts", "list", "--json")
    rows = json.loads(listed.stdout)
    assert [(r["slug"], r["sync_schedule"]) for r in rows] == [("airplay-fr", "daily")]
    removed = run_cli(cli_env, "charts", "remove", "airplay-fr")
    assert removed.returncode == 0 and "removed airplay-fr" in removed.stdout
    assert json.loads(run_cli(cli_env, "charts", "list", "--json").stdout) == []
    again = run_cli(cli_env, "charts", "remove", "airplay-fr")
    assert again.returncode == 2 and again.stderr.strip().startswith("error: chart 'airplay-fr' is not registered")


def test_unknown_chart_is_refused_in_one_line_and_registers_nothing(cli_env):
    result = run_cli(cli_env, "charts", "add", "no-such-chart")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: unknown chart 'no-such-chart': Soundcharts has no song chart with this slug (check its spelling)"
    ]
    assert json.loads(run_cli(cli_env, "charts", "list", "--json").stdout) == []


def test_cascade_wait_runs_the_whole_graph_and_reports_like_the_old_button(cli_env):
    assert run_cli(cli_env, "charts", "add", "shazam-top-50-fr").returncode == 0
    result = run_cli(cli_env, "cascade", "shazam-top-50-fr", "--wait")
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(outcome) == {"success", "message", "run_id", "tracks_count"}
    assert outcome["success"] is True and outcome["tracks_count"] == 50
    with dg.DagsterInstance.from_config(cli_env["DAGSTER_HOME"]) as instance:
        run = instance.get_run_by_id(outcome["run_id"])
        assert run.status == dg.DagsterRunStatus.SUCCESS
        assert run.tags["dagster/partition"] == "shazam-top-50-fr"
        materialized = instance.get_latest_materialization_event(dg.AssetKey("artist_audience"))
        assert materialized.dagster_event.partition == "shazam-top-50-fr"
    wh = warehouse_of(cli_env)
    assert len(wh.ranking_song_uuids("shazam-top-50-fr")) == 50
    wh.dispose()


def test_cascade_wait_runs_its_steps_in_its_own_process_and_automation_finds_nothing_left_to_run(cli_env):
    """The run is the instance's like any other (the UI shows it, each asset materialized for the partition), its
    steps ran on threads of the command's process, and the automation sensor re-runs none of what it stored."""
    from soundcharts_assets.definitions import CASCADE_ASSETS, defs
    from soundcharts_assets.defs.insight.assets import INSIGHT_ASSETS

    slug = "airplay-fr"
    assert run_cli(cli_env, "charts", "add", slug).returncode == 0
    with dg.DagsterInstance.from_config(cli_env["DAGSTER_HOME"]) as instance:
        before = evaluate_automation(defs, instance)
    result = run_cli(cli_env, "cascade", slug, "--wait")
    assert result.returncode == 0, result.stderr[-3000:]
    run_id = json.loads(result.stdout.strip().splitlines()[-1])["run_id"]
    with dg.DagsterInstance.from_config(cli_env["DAGSTER_HOME"]) as instance:
        assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.SUCCESS
        events = instance.all_logs(run_id)
        materialized = {
            (e.dagster_event.asset_key.to_user_string(), e.dagster_event.partition)
            for e in events
            if e.dagster_event is not None and e.dagster_event.is_step_materialization
        }
        keys = [asset.key.to_user_string() for asset in (*CASCADE_ASSETS, *INSIGHT_ASSETS)]
        assert materialized == {(key, slug) for key in keys}
        messages = [e.message for e in events if e.dagster_event is not None and e.dagster_event.is_engine_event]
        assert any("on threads of this process" in message for message in messages), messages
        assert not [
            e
            for e in events
            if e.dagster_event is not None and e.dagster_event.event_type_value == "STEP_WORKER_STARTED"
        ]

        after = evaluate_automation(defs, instance, before.cursor)
    rerun = {key for key in keys if after.get_num_requested(dg.AssetKey(key))}
    assert rerun == set(), rerun


def test_cascade_without_wait_queues_a_run_for_the_daemon(cli_env):
    assert run_cli(cli_env, "charts", "add", "airplay-fr").returncode == 0
    result = run_cli(cli_env, "cascade", "airplay-fr")
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["success"] is True and "submitted" in outcome["message"]
    with dg.DagsterInstance.from_config(cli_env["DAGSTER_HOME"]) as instance:
        run = instance.get_run_by_id(outcome["run_id"])
        assert run.status == dg.DagsterRunStatus.QUEUED  # no daemon in this test
        assert run.job_name == "chart_cascade" and run.tags["dagster/partition"] == "airplay-fr"


def test_cascade_of_unregistered_chart_says_what_to_do(cli_env):
    result = run_cli(cli_env, "cascade", "airplay-fr", "--wait")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: chart 'airplay-fr' is not registered: run `soundcharts-assets charts add airplay-fr`"
    )


def test_demo_runs_twice_and_the_second_run_reuses_what_is_fresh(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOUNDCHARTS_", "DAGSTER_"))}
    env["SOUNDCHARTS_DATA_DIR"] = str(tmp_path / "data")
    outputs = []
    for _ in range(2):
        result = run_cli(env, "demo", "--chart", "shazam-top-50-fr")
        assert result.returncode == 0, result.stderr[-3000:]
        outputs.append(dict(line.split(None, 1) for line in result.stdout.splitlines() if line.startswith("  ")))
    cold, warm = outputs
    assert cold["ranking_rows"] == warm["ranking_rows"] == "50"
    assert int(cold["track_audience_rows"]) > 0 and cold["tracks"] == warm["tracks"] == "50"
    assert int(warm["calls_sent"]) <= 2 < int(cold["calls_sent"])
    assert int(warm["calls_billed"]) <= int(warm["calls_sent"]) and int(cold["calls_billed"]) < int(cold["calls_sent"])

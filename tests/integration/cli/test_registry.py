"""Following charts off the happy path, as a user types it: real subprocesses, the emulator on a socket.

Each case asserts the exact line a user reads, the exit code, what it cost and that nothing stored was lost.
Exit codes: a refusal of ours is one ``error:`` line and a non-zero code; a slug click refuses before anything
runs is click's usage error (2).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import dagster as dg
import pytest

from soundcharts_assets.settings import api_settings_from_env
from soundcharts_assets.soundcharts import SoundchartsClient
from tests.support.cli import run_cli, warehouse_of

pytestmark = pytest.mark.slow

CHECK_ROUTE = "/api/v2.14/chart/song/{slug}/ranking/latest"


def calls_by_route(emulator) -> dict[str, int]:
    return emulator.stats()["by_route"]


def stored_rows(env: dict) -> dict[str, int]:
    with warehouse_of(env) as wh:
        return wh.table_counts()


def test_a_new_chart_is_checked_in_one_call_and_shown_with_what_the_api_said(cli_env, emulator):
    emulator.reset_stats()
    added = run_cli(cli_env, "charts", "add", "top-200-fr", "--schedule", "daily")
    assert (added.returncode, added.stderr) == (0, "")
    latest = emulator.catalogue.ranking_dates("top-200-fr")[0].date().isoformat()
    assert added.stdout.splitlines() == [
        f"registered top-200-fr (sync schedule: daily; latest edition: {latest}) "
        "- Top 200 France Daily, spotify, daily, FR, 200 entries"
    ]
    assert calls_by_route(emulator) == {CHECK_ROUTE: 1}

    listed = run_cli(cli_env, "charts", "list")  # the platform of a chart just added, before any ranking
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == [
        "SLUG                             SCHEDULE PLATFORM     FREQ    CC  LATEST     NAME",
        "top-200-fr                       daily    spotify      daily   FR  -          Top 200 France Daily",
        "1 chart",
    ]


def test_adding_a_followed_chart_again_keeps_its_schedule_and_costs_nothing(cli_env, emulator):
    assert run_cli(cli_env, "charts", "add", "airplay-fr", "--schedule", "daily").returncode == 0
    before = stored_rows(cli_env)
    emulator.reset_stats()

    again = run_cli(cli_env, "charts", "add", "airplay-fr")
    assert (again.returncode, again.stderr) == (0, "")
    assert again.stdout.splitlines() == [
        "already followed: airplay-fr (sync schedule: daily, kept; latest stored edition: none yet)"
    ]
    changed = run_cli(cli_env, "charts", "add", "airplay-fr", "--schedule", "weekly")
    assert changed.stdout.splitlines() == [
        "already followed: airplay-fr (sync schedule: daily -> weekly; latest stored edition: none yet)"
    ]
    assert emulator.stats()["requests_total"] == 0  # a followed chart is not checked again
    rows = json.loads(run_cli(cli_env, "charts", "list", "--json").stdout)
    assert [(r["slug"], r["sync_schedule"], r["platform"]) for r in rows] == [("airplay-fr", "weekly", "airplay")]
    assert stored_rows(cli_env) == before


def test_a_partition_added_in_the_ui_is_listed_as_unchecked_until_charts_add_checks_it(cli_env, emulator):
    assert run_cli(cli_env, "charts", "add", "airplay-fr").returncode == 0
    with dg.DagsterInstance.from_config(cli_env["DAGSTER_HOME"]) as instance:
        instance.add_dynamic_partitions("charts", ["top-200-de"])  # what "Add partition" in the UI does
    listed = run_cli(cli_env, "charts", "list")
    assert listed.stdout.splitlines()[1:] == [
        "airplay-fr                       none     airplay      daily   FR  -          Airplay France Daily",
        "top-200-de                       -        -            -       -   -          (added in the UI, not checked yet)",
        "2 charts",
    ]
    emulator.reset_stats()
    added = run_cli(cli_env, "charts", "add", "top-200-de", "airplay-fr")
    assert added.returncode == 0, added.stderr
    assert [line.split(" (")[0] for line in added.stdout.splitlines()] == [
        "registered top-200-de",
        "already followed: airplay-fr",
    ]
    assert calls_by_route(emulator) == {CHECK_ROUTE: 1}


def test_a_slug_file_may_carry_comments_at_the_end_of_a_line(cli_env, tmp_path):
    fleet = tmp_path / "fleet.txt"
    fleet.write_text("# the French market\nairplay-fr   # radio\n\ntop-100-fr# apple\n")
    added = run_cli(cli_env, "charts", "add", "--from-file", str(fleet))
    assert added.returncode == 0, added.stderr
    assert [line.split(" (")[0] for line in added.stdout.splitlines()] == [
        "registered airplay-fr",
        "registered top-100-fr",
    ]


def test_charts_list_shows_editions_as_days_and_counts_in_words(cli_env, shared_emulator):
    assert run_cli(cli_env, "charts", "add", "shazam-top-50-fr", "airplay-fr").returncode == 0
    with SoundchartsClient(api_settings_from_env({"SOUNDCHARTS_BASE_URL": shared_emulator.url})) as client:
        ranking = client.get_chart_ranking("shazam-top-50-fr")
    with warehouse_of(cli_env) as wh:
        wh.write_ranking(ranking)
    listed = run_cli(cli_env, "charts", "list")
    day = ranking.date.date().isoformat()
    assert listed.stdout.splitlines()[1:] == [
        "airplay-fr                       none     airplay      daily   FR  -          Airplay France Daily",
        f"shazam-top-50-fr                 none     shazam       daily   FR  {day} Shazam Top 50 France",
        "2 charts",
    ]
    as_json = {row["slug"]: row for row in json.loads(run_cli(cli_env, "charts", "list", "--json").stdout)}
    assert as_json["shazam-top-50-fr"]["latest_ranking_date"] == day


def test_an_invalid_slug_is_a_usage_error_before_any_call(cli_env, emulator):
    emulator.reset_stats()
    refused = run_cli(cli_env, "charts", "add", "Top 200!")
    assert refused.returncode == 2  # bad usage: one line, no click banner
    assert refused.stderr.splitlines() == [
        "error: invalid chart slug 'Top 200!': use 1-128 lowercase letters, "
        "digits, '-', '_' or '.', starting with a letter or digit (e.g. global-28)"
    ]
    assert emulator.stats()["requests_total"] == 0


def test_a_sqlite_url_in_a_missing_folder_is_refused_and_the_warehouse_is_untouched(cli_env, tmp_path):
    assert run_cli(cli_env, "charts", "add", "airplay-fr").returncode == 0
    before = stored_rows(cli_env)
    missing = tmp_path / "nonexistent" / "dir"
    mistyped = {**cli_env, "SOUNDCHARTS_WAREHOUSE_URL": f"sqlite:///{missing}/x.sqlite"}

    for command in (["charts", "list"], ["charts", "add", "top-200-fr"]):
        refused = run_cli(mistyped, *command)
        assert refused.returncode != 0 and refused.stdout == ""
        assert refused.stderr.splitlines() == [
            f"error: SOUNDCHARTS_WAREHOUSE_URL=sqlite:///{missing}/x.sqlite: the folder {missing} does not exist; "
            "create it first or point it at a writable path"
        ]
    assert not missing.parent.exists()  # no folder, no empty warehouse
    assert stored_rows(cli_env) == before
    assert [r["slug"] for r in json.loads(run_cli(cli_env, "charts", "list", "--json").stdout)] == ["airplay-fr"]


def test_the_default_data_directory_is_still_created(cli_env, tmp_path):
    fresh = tmp_path / "fresh" / "data"
    listed = run_cli({**cli_env, "SOUNDCHARTS_DATA_DIR": str(fresh)}, "charts", "list")
    assert (listed.returncode, listed.stderr) == (0, "")
    assert listed.stdout.splitlines() == [
        "no chart followed yet: soundcharts-assets charts add SLUG (see `charts discover`)"
    ]
    assert (fresh / "warehouse.sqlite").is_file()


def test_version(cli_env):
    from importlib.metadata import version

    shown = run_cli(cli_env, "--version")
    assert (shown.returncode, shown.stderr) == (0, "")
    assert shown.stdout == f"soundcharts-assets {version('soundcharts-assets')} (dagster {version('dagster')})\n"


# -- one setup every shell finds ---------------------------------------------------------------------------------

RECORDING_PROCESS = """
import sys
from soundcharts_assets.cli.demo import emulator_environment, record_setup
with emulator_environment() as server:
    record_setup("make dev", server.url)
    print(server.url, flush=True)
    sys.stdin.read()  # until the test closes stdin or kills this process
"""


def test_a_second_shell_finds_the_recorded_emulator_and_is_told_once_it_stopped(tmp_path, emulator):
    """`make dev` in one shell, the CLI in another: no SOUNDCHARTS_* or DAGSTER_HOME exported, same folder."""
    shell = {k: v for k, v in os.environ.items() if not k.startswith(("SOUNDCHARTS_", "DAGSTER_"))}
    project = tmp_path / "project"
    project.mkdir()

    def second_shell(*args: str, **extra: str) -> subprocess.CompletedProcess:
        return run_cli({**shell, **extra}, *args, timeout=120, cwd=project)

    dev = subprocess.Popen(
        [sys.executable, "-c", RECORDING_PROCESS],
        cwd=project,
        env=shell,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = dev.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        record = json.loads((project / "data" / "local_setup.json").read_text())
        assert record["emulator_url"] == url and record["command"] == "make dev"
        assert record["dagster_home"] == str((project / "data" / "dagster_home").resolve())

        added = second_shell("charts", "add", "airplay-fr")
        assert added.returncode == 0, added.stderr
        assert added.stdout.startswith("registered airplay-fr (sync schedule: none;")
        # the same instance: the chart is a partition of the recorded DAGSTER_HOME
        with dg.DagsterInstance.from_config(record["dagster_home"]) as instance:
            assert instance.get_dynamic_partitions("charts") == ["airplay-fr"]
        # an explicit SOUNDCHARTS_BASE_URL still wins over the record
        emulator.reset_stats()
        elsewhere = second_shell("charts", "add", "top-200-fr", SOUNDCHARTS_BASE_URL=emulator.url)
        assert elsewhere.returncode == 0, elsewhere.stderr
        assert emulator.stats()["requests_total"] == 1
    finally:
        dev.send_signal(signal.SIGTERM)
        dev.wait(timeout=30)

    stopped = second_shell("charts", "add", "global-28")
    assert stopped.returncode != 0 and stopped.stdout == ""
    assert stopped.stderr.splitlines() == [
        f"error: the emulator that `make dev` started ({url}, recorded in data/local_setup.json) is no longer "
        "running: start `make dev` again, or set SOUNDCHARTS_BASE_URL"
    ]  # one line: no retries against a port nobody listens on
    listed = second_shell("charts", "list", "--json")  # what needs no API still works
    assert [row["slug"] for row in json.loads(listed.stdout)] == ["airplay-fr", "top-200-fr"]


def test_an_unreachable_api_names_the_host_and_the_setting(cli_env):
    nowhere = {**cli_env, "SOUNDCHARTS_BASE_URL": "http://127.0.0.1:9", "SOUNDCHARTS_MAX_RETRIES": "1"}
    refused = run_cli(nowhere, "charts", "add", "global-28")
    assert refused.returncode != 0
    assert refused.stderr.splitlines()[-1] == (
        "error: cannot reach http://127.0.0.1:9 (ConnectError, 2 tries): check SOUNDCHARTS_BASE_URL and that the "
        "API (or the emulator) is up"
    )
    assert json.loads(run_cli(cli_env, "charts", "list", "--json").stdout) == []

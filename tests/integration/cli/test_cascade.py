"""`cascade` off the happy path, as a user meets it: the real CLI in a subprocess, the emulator on a socket.

One warehouse and one Dagster instance with a stored chart serve every case (one full cascade for the whole
module; each failure then stops at the first step). Each case asserts the exact line on stderr, the exit
code, the JSON answer on stdout, that no Dagster log line or traceback reached the console, and that nothing
already stored was lost.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import dagster as dg
import pytest

from soundcharts_assets.emulator import EmulatorConfig, EmulatorServer
from soundcharts_assets.settings import api_settings_from_env
from soundcharts_assets.soundcharts.client import SoundchartsClient
from tests.support.cli import cli_environment, warehouse_of
from tests.support.cli import run_cli as run_plain_cli
from tests.support.ports import free_port

pytestmark = pytest.mark.slow  # CLI subprocesses and Dagster runs

STORED = "shazam-top-50-fr"
STEPS = [
    "chart_rankings",
    "tracks",
    "artists",
    "artist_metadata",
    "track_audience",
    "artist_audience",
    "chart_movers",
    "artist_growth",
    "track_momentum",
]
PROGRESS_LINE = re.compile(r"^\d\d:\d\d:\d\d (\w+) +(waiting|running|retrying|done|failed|not run)\b")
DAGSTER_NOISE = ("- dagster -", "STEP_WORKER_STARTED", "Traceback", "Stack Trace", "dagster._core")


@dataclass(frozen=True)
class Shown:
    """What one CLI call printed, split as a user reads it."""

    returncode: int
    answers: list[dict[str, Any]]
    progress: list[str]
    lines: list[str]
    stderr: str


def run_cli(env: dict[str, str], *args: str) -> Shown:
    done = run_plain_cli(env, *args, timeout=300)
    answers = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    err = done.stderr.splitlines()
    progress = [line for line in err if PROGRESS_LINE.match(line)]
    lines = [line for line in err if not PROGRESS_LINE.match(line)]
    return Shown(done.returncode, answers, progress, lines, done.stderr)


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    """The module's own: its cases tune the quota and the plan, and count the calls."""
    with EmulatorServer(EmulatorConfig(seed=7)) as server:
        yield server


@pytest.fixture(scope="module")
def stored(emulator: EmulatorServer, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Shown]:
    """The environment of a project that has fetched ``STORED`` once, and what that cascade printed."""
    env = cli_environment(emulator.url, tmp_path_factory.mktemp("failures"))
    assert run_cli(env, "charts", "add", STORED).returncode == 0
    first = run_cli(env, "cascade", STORED, "--wait")
    assert first.returncode == 0, first.stderr[-3000:]
    assert first.answers[0]["success"] and first.answers[0]["tracks_count"] == 50
    return env, first


@pytest.fixture
def env(stored: tuple[dict[str, str], Shown], emulator: EmulatorServer) -> Iterator[dict[str, str]]:
    """The stored project's environment; the emulator's knobs are put back after each case."""
    yield dict(stored[0])
    emulator.configure(quota=None, not_in_plan_charts=[])


def stored_rows(env: dict[str, str]) -> tuple[dict[str, int], list[str]]:
    warehouse = warehouse_of(env)
    try:
        return warehouse.table_counts(), warehouse.ranking_song_uuids(STORED)
    finally:
        warehouse.dispose()


def nothing_lost(before: tuple[dict[str, int], list[str]], after: tuple[dict[str, int], list[str]]) -> None:
    counts, ranking = before
    assert all(after[0][table] >= count for table, count in counts.items()), (counts, after[0])
    assert after[1] == ranking


def one_failed_chart(shown: Shown, slug: str, cause: str) -> None:
    """Exit 1, one JSON answer of exactly four keys with nothing stored, one line naming cause and run."""
    assert shown.returncode == 1, shown.stderr[-3000:]
    [answer] = shown.answers
    assert set(answer) == {"success", "message", "run_id", "tracks_count"}
    assert answer == {
        "success": False,
        "message": f"cascade for {slug} failed: {cause}",
        "run_id": answer["run_id"],
        "tracks_count": 0,
    }
    assert shown.lines == [f"error: {slug}: {cause}; run {answer['run_id'][:8]} in the Dagster UI"]
    assert not any(noise in shown.stderr for noise in DAGSTER_NOISE), shown.stderr[-3000:]


def test_the_plain_progress_has_a_line_for_every_step_and_no_dagster_line(stored):
    _, first = stored
    assert first.lines == []  # nothing but the progress on stderr
    finals = {match[1]: match[2] for match in map(PROGRESS_LINE.match, first.progress) if match}
    assert finals == {**dict.fromkeys(STEPS, "done"), "run": "done"}
    assert first.progress[-1].split()[1:3] == ["run", "done"]
    assert re.search(
        r" chart_rankings +done +1/1 entities, 1 call sent, quota left [\d,]+, [\d.]+ s$", first.stderr, re.M
    )
    assert not any(noise in first.stderr for noise in DAGSTER_NOISE)


def test_no_edition_on_that_date_names_the_nearest_ones(env, emulator):
    with SoundchartsClient(api_settings_from_env({"SOUNDCHARTS_BASE_URL": emulator.url})) as client:
        newest = sorted(day.date().isoformat() for day in client.list_ranking_dates(STORED))[-2:]
    before = stored_rows(env)
    shown = run_cli(env, "cascade", STORED, "--date", "2030-01-01", "--wait")
    one_failed_chart(shown, STORED, f"no edition on 2030-01-01 (nearest: {newest[0]}, {newest[1]})")
    assert "not found" not in shown.stderr  # the chart exists: only that edition is missing
    nothing_lost(before, stored_rows(env))


def test_an_unknown_chart_added_like_the_ui_does(env):
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        instance.add_dynamic_partitions("charts", ["no-such-chart"])
    before = stored_rows(env)
    try:
        shown = run_cli(env, "cascade", "no-such-chart", "--wait")
    finally:
        with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
            instance.delete_dynamic_partition("charts", "no-such-chart")
    cause = (  # never followed (no registry row): the ranking step checks it as `charts add` would, and refuses it
        "unknown chart 'no-such-chart': Soundcharts has no song chart with this slug (check its spelling); "
        "its partition is removed (it was never followed)"
    )
    one_failed_chart(shown, "no-such-chart", cause)
    nothing_lost(before, stored_rows(env))


RANKING = f"/api/v2.14/chart/song/{STORED}/ranking/latest"


@pytest.mark.parametrize(
    ("variables", "knobs", "cause"),
    [
        pytest.param(
            {"SOUNDCHARTS_API_KEY": "not-the-key"},
            {},
            f"Soundcharts rejected the credentials (401) on GET {RANKING}: check "
            "SOUNDCHARTS_APP_ID/SOUNDCHARTS_API_KEY or the OAuth variables",
            id="bad_credentials",
        ),
        pytest.param(
            {},
            {"not_in_plan_charts": [STORED]},
            "this chart is not in your Soundcharts plan (403): ask help@soundcharts.com to add it, "
            f"or stop following it with `soundcharts-assets charts remove {STORED}`",
            id="not_in_plan",
        ),
        pytest.param(
            {},
            {"quota": 0},
            f"Soundcharts quota exhausted (429) on GET {RANKING}: Your quota has been consumed, reach out to "
            "help@soundcharts.com to get more credits; wait for the monthly reset or raise the plan's quota",
            id="quota_exhausted",
        ),
    ],
)
def test_api_refusals(env, emulator, variables, knobs, cause):
    emulator.configure(**knobs)
    before = stored_rows(env)
    shown = run_cli({**env, **variables}, "cascade", STORED, "--wait")
    one_failed_chart(shown, STORED, cause)
    assert "not-the-key" not in shown.stderr
    nothing_lost(before, stored_rows(env))


def test_the_quota_floor(env, emulator):
    left = emulator.stats()["quota_remaining"]
    before = stored_rows(env)
    shown = run_cli({**env, "SOUNDCHARTS_QUOTA_FLOOR": "999999999"}, "cascade", STORED, "--wait")
    cause = (
        f"quota floor reached: {left} calls left, floor is 999999999; lower SOUNDCHARTS_QUOTA_FLOOR to spend "
        "them, or wait for the monthly reset"
    )
    one_failed_chart(shown, STORED, cause)
    nothing_lost(before, stored_rows(env))


def test_an_unreachable_api_names_its_url_and_the_variable(env):
    url = f"http://127.0.0.1:{free_port()}"
    before = stored_rows(env)
    shown = run_cli({**env, "SOUNDCHARTS_BASE_URL": url, "SOUNDCHARTS_MAX_RETRIES": "0"}, "cascade", STORED, "--wait")
    cause = f"cannot reach the Soundcharts API at {url} (ConnectError): check SOUNDCHARTS_BASE_URL and your network"
    one_failed_chart(shown, STORED, cause)
    nothing_lost(before, stored_rows(env))


def test_an_unreachable_warehouse_hides_its_password(env):
    port = free_port()
    url = f"postgresql+psycopg2://analyst:s3cret-pw@127.0.0.1:{port}/warehouse"
    before = stored_rows(env)
    variables = {"SOUNDCHARTS_WAREHOUSE_URL": url, "SOUNDCHARTS_DB_OUTAGE_WAIT_SECONDS": "0"}
    shown = run_cli({**env, **variables}, "cascade", STORED, "--wait")
    cause = (
        f"cannot open SOUNDCHARTS_WAREHOUSE_URL=postgresql+psycopg2://analyst:***@127.0.0.1:{port}/warehouse: "
        f'connection to server at "127.0.0.1", port {port} failed: Connection refused; check the URL and that '
        "the server runs"
    )
    one_failed_chart(shown, STORED, cause)
    assert "s3cret-pw" not in shown.stderr
    nothing_lost(before, stored_rows(env))


@pytest.mark.parametrize("wait", [["--wait"], []], ids=["wait", "queued"])
def test_the_monthly_budget_refuses_before_any_run(env, wait):
    before = stored_rows(env)
    shown = run_cli({**env, "SOUNDCHARTS_MONTHLY_BUDGET": "100"}, "cascade", STORED, *wait)
    assert shown.returncode == 1 and shown.answers == [] and shown.progress == []
    [line] = shown.lines
    assert re.fullmatch(
        r"error: monthly budget reached: [\d,]+ of SOUNDCHARTS_MONTHLY_BUDGET=100 calls spent since \d{4}-\d\d-01, "
        rf"and {STORED} needs about [\d,]+ more; raise the budget or wait until \d{{4}}-\d\d-01",
        line,
    ), line
    nothing_lost(before, stored_rows(env))


def test_a_step_that_fails_later_keeps_what_the_run_stored(env, emulator):
    """The quota runs out after the ranking: the answer counts the tracks that run stored, and says why."""
    assert run_cli(env, "charts", "add", "airplay-fr").returncode == 0
    emulator.configure(quota=1)  # the ranking's one call, then 429s
    before = stored_rows(env)
    shown = run_cli(env, "cascade", "airplay-fr", "--wait")
    assert shown.returncode == 1
    [answer] = shown.answers
    assert answer["success"] is False and answer["tracks_count"] == 50
    quota = r"Soundcharts quota exhausted \(429\) on GET /api/\S+: Your quota has been consumed, .*; wait for the monthly reset or raise the plan's quota"
    assert re.fullmatch(rf"cascade for airplay-fr failed: {quota}", answer["message"]), answer
    [line] = shown.lines
    assert re.fullmatch(rf"error: airplay-fr: {quota}; run {answer['run_id'][:8]} in the Dagster UI", line), line
    steps = {match[1]: match[2] for match in map(PROGRESS_LINE.match, shown.progress) if match}
    assert steps["chart_rankings"] == "done" and steps["artists"] == "not run"
    nothing_lost(before, stored_rows(env))
    warehouse = warehouse_of(env)
    try:
        assert len(warehouse.ranking_song_uuids("airplay-fr")) == 50
    finally:
        warehouse.dispose()


@pytest.mark.parametrize(
    ("args", "line"),
    [
        pytest.param(
            [STORED, "--date", "2026-13-40", "--wait"],
            "error: --date '2026-13-40' is not a date: use YYYY-MM-DD",
            id="bad_date",
        ),
        pytest.param(
            [STORED, "--date", "2026-13-40", "--dry-run"],
            "error: --date '2026-13-40' is not a date: use YYYY-MM-DD",
            id="bad_date_dry_run",
        ),
        pytest.param(
            ["Top_200"],
            "error: invalid chart slug 'Top_200': use 1-128 lowercase letters, "
            "digits, '-', '_' or '.', starting with a letter or digit (e.g. global-28)",
            id="bad_slug",
        ),
        pytest.param(
            ["airplay-us", "--wait"],
            "error: chart 'airplay-us' is not registered: run `soundcharts-assets charts add airplay-us`",
            id="not_followed",
        ),
        pytest.param(["--all", STORED], "error: name charts or use --all, not both", id="all_and_slugs"),
        pytest.param(["--wait"], "error: name at least one chart slug, or use --all", id="no_slug"),
    ],
)
def test_bad_usage_exits_with_2_and_runs_nothing(env, emulator, args, line):
    sent = emulator.stats()["requests_total"]
    shown = run_cli(env, "cascade", *args)
    assert shown.returncode == 2 and shown.answers == [] and shown.progress == []
    assert shown.lines == [line]
    assert emulator.stats()["requests_total"] == sent

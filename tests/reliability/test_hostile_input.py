"""Hostile and bad input: each gives one error line that says what to do, and nothing stored is touched.

A stored cascade is the thing to protect: the module runs one, then throws bad slugs, unknown charts, bad
credentials, broken warehouse URLs and bad run config at the CLI (in subprocesses, as a user types them)
and at Dagster materializations, comparing every table before and after.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from faultkit import CHART, materialize, point_at, snapshot, step_failures

from soundcharts_assets.defs.partitions import CHARTS_PARTITIONS_NAME
from tests.support.cli import run_cli

pytestmark = pytest.mark.slow  # Dagster runs or subprocesses: left out of `make test-fast`

CLI = str(Path(sys.executable).parent / "soundcharts-assets")
HOSTILE_SLUGS = {
    "quote": "it's-a-chart",
    "double_quote": 'top-"50"',
    "sql": "global-28'; DROP TABLE chart_rankings;--",
    "pipe": "global-28|rm -rf /",
    "spaces": "global 28",
    "unicode": "top-50-été-🎵",
    "path": "../../etc/passwd",
    "10kB": "a" * 10_000,
}


class Stored:
    def __init__(self, emulator, url: str, env: dict[str, str]) -> None:
        self.emulator, self.url, self.env = emulator, url, env

    def cli(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        """The command as a user types it, in a process of its own."""
        return run_cli({**self.env, **env}, *args, timeout=60)


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stored]:
    """A warehouse holding a whole cascade, and a Dagster home where the chart is registered; an emulator of the
    module's own, whose calls the cases count."""
    from soundcharts_assets.emulator import EmulatorConfig, EmulatorServer

    base = tmp_path_factory.mktemp("hostile")
    url = f"sqlite:///{base / 'warehouse.sqlite'}"
    with EmulatorServer(EmulatorConfig(seed=7)) as server, pytest.MonkeyPatch.context() as env:
        point_at(env, server.url, url, base / "data")
        state = Stored(server, url, dict(os.environ))
        assert state.cli("charts", "add", CHART).returncode == 0
        with dg.instance_for_test() as instance:
            assert materialize(instance).success
        yield state


@pytest.fixture
def untouched(stored: Stored) -> Iterator[Stored]:
    """Fails the test if any stored row changed."""
    before = snapshot(stored.url)
    yield stored
    assert snapshot(stored.url) == before


def one_error_line(process: subprocess.CompletedProcess[str]) -> str:
    """The CLI failed with exactly one error line and no traceback; returns that line."""
    assert process.returncode != 0, process.stdout
    assert "Traceback" not in process.stderr and "Traceback" not in process.stdout
    errors = [line for line in process.stderr.splitlines() if line.lower().startswith("error")]
    assert len(errors) == 1, process.stderr
    assert len(errors[0]) < 400, errors[0]
    return errors[0]


@pytest.mark.parametrize("name", sorted(HOSTILE_SLUGS))
def test_hostile_slug_on_the_cli(untouched: Stored, name: str) -> None:
    untouched.emulator.reset_stats()
    line = one_error_line(untouched.cli("charts", "add", HOSTILE_SLUGS[name]))
    assert "invalid chart slug" in line and "use 1-128 lowercase letters" in line
    assert untouched.emulator.stats()["requests_total"] == 0  # refused before any call


@pytest.mark.parametrize("name", sorted(HOSTILE_SLUGS))
def test_hostile_partition_key_in_a_materialization(untouched: Stored, monkeypatch, name: str) -> None:
    for key, value in untouched.env.items():
        monkeypatch.setenv(key, value)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, [HOSTILE_SLUGS[name]])
        result = materialize(instance, HOSTILE_SLUGS[name])
    assert not result.success
    failures = step_failures(result)
    assert failures and all("invalid chart slug" in f and "\n" not in f for f in failures), failures


def test_unknown_chart(untouched: Stored) -> None:
    line = one_error_line(untouched.cli("charts", "add", "nope-not-a-chart"))
    assert "unknown chart 'nope-not-a-chart'" in line and "check its spelling" in line


@pytest.mark.parametrize(
    "credentials, says",
    [
        (
            {"SOUNDCHARTS_APP_ID": "acme", "SOUNDCHARTS_API_KEY": "sk-wrong-4242"},
            "SOUNDCHARTS_APP_ID/SOUNDCHARTS_API_KEY",
        ),
        (
            {
                "SOUNDCHARTS_CLIENT_ID": "emulator-client",
                "SOUNDCHARTS_CLIENT_SECRET": "oauth-wrong-4242",
                "SOUNDCHARTS_TEAM_ID": "emulator-team",
            },
            "SOUNDCHARTS_CLIENT_ID",
        ),
        ({"SOUNDCHARTS_CLIENT_ID": "emulator-client"}, "SOUNDCHARTS_CLIENT_SECRET, SOUNDCHARTS_TEAM_ID is not set"),
    ],
    ids=["wrong_api_key", "wrong_oauth_secret", "missing_oauth_variables"],
)
def test_bad_credentials(untouched: Stored, credentials: dict[str, str], says: str) -> None:
    auth_url = {"SOUNDCHARTS_AUTH_URL": untouched.emulator.url + "/oauth/token"}
    process = untouched.cli("charts", "add", "airplay-fr", **auth_url, **credentials)
    line = one_error_line(process)
    assert says in line and "4242" not in line, line


def test_wrong_credentials_in_a_materialization(untouched: Stored, monkeypatch) -> None:
    for key, value in {**untouched.env, "SOUNDCHARTS_APP_ID": "acme", "SOUNDCHARTS_API_KEY": "wrong-key"}.items():
        monkeypatch.setenv(key, value)
    with dg.instance_for_test() as instance:
        result = materialize(instance)
    failures = step_failures(result)
    assert not result.success and len(failures) == 1, failures
    assert "(401)" in failures[0] and "check SOUNDCHARTS_APP_ID/SOUNDCHARTS_API_KEY" in failures[0]
    assert "\n" not in failures[0] and "wrong-key" not in failures[0]


@pytest.mark.parametrize(
    "url, says",
    [
        ("postgresql://bob:hunter2@127.0.0.1:1/warehouse", "check the URL and that the server runs"),
        ("not a url", "is not a database URL"),
        ("sqlite:////etc/hostname/warehouse.sqlite", "point it at a writable path"),
    ],
    ids=["unreachable_postgres", "garbage", "unwritable_sqlite"],
)
def test_broken_warehouse_url(untouched: Stored, url: str, says: str) -> None:
    # A refused connection is waited out like a restart (test_database_outage.py); 1 s is enough here.
    line = one_error_line(
        untouched.cli("charts", "list", SOUNDCHARTS_WAREHOUSE_URL=url, SOUNDCHARTS_DB_OUTAGE_WAIT_SECONDS="1")
    )
    assert says in line and "hunter2" not in line


def test_bad_run_config(untouched: Stored, monkeypatch) -> None:
    for key, value in untouched.env.items():
        monkeypatch.setenv(key, value)
    untouched.emulator.reset_stats()
    config = {"ops": {"chart_rankings": {"config": {"ranking_date": "yesterday"}}}}
    with dg.instance_for_test() as instance:
        result = materialize(instance, run_config=config)
    failures = step_failures(result)
    assert not result.success and len(failures) == 1, failures
    assert "ranking_date 'yesterday' is not a date: use YYYY-MM-DD" in failures[0] and "\n" not in failures[0]
    assert untouched.emulator.stats()["requests_total"] == 0

    line = one_error_line(untouched.cli("cascade", CHART, "--wait", "--date", "yesterday"))
    assert "is not a date: use YYYY-MM-DD" in line

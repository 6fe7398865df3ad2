"""Bad configuration of the Celery deployment: one line that says what to do, never a hang or a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest
from celerykit import REPO_ROOT, free_port, wait_for

pytestmark = [pytest.mark.celery, pytest.mark.postgres, pytest.mark.timeout(480)]

CHART = "airplay-fr"


def run_failure(deployment, env_changes: dict[str, str]) -> str:
    """The one-line reason the run of CHART failed with ``env_changes`` on the run's host."""
    deployment.extra_env.update(env_changes)
    outcome = deployment.run_charts([CHART])[CHART]
    assert not outcome["success"], outcome
    return outcome["failure"]


def one_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    assert len(lines) == 1, text
    return lines[0]


def test_an_unreachable_broker(deployment_factory):
    deployment = deployment_factory()
    port = free_port()
    failure = run_failure(
        deployment,
        {
            "SOUNDCHARTS_CELERY_BROKER_URL": f"amqp://guest:secret@127.0.0.1:{port}//",
            "SOUNDCHARTS_CELERY_BROKER_TIMEOUT_SECONDS": "2",
        },
    )
    line = one_line(failure)
    assert f"cannot reach the Celery broker at amqp://guest:***@127.0.0.1:{port}//" in line
    assert "SOUNDCHARTS_CELERY_BROKER_URL" in line and "secret" not in line


def test_no_worker_on_a_queue(deployment_factory):
    deployment = deployment_factory()
    deployment.extra_env["SOUNDCHARTS_CELERY_STEP_START_TIMEOUT_SECONDS"] = "2"
    deployment.start_host_worker("host-a", queues=("dagster",))  # nobody consumes soundcharts_api
    deployment.wait_for_workers("host-a")
    line = one_line(run_failure(deployment, {}))
    assert 'step "chart_rankings" waited 2 s in Celery queue "soundcharts_api", which no worker consumes' in line
    assert "-q soundcharts_api" in line

    # A worker that turns up later takes the failed run's leftover step off the queue without calling the API.
    deployment.start_host_worker("host-b", queues=("soundcharts_api",))
    deployment.wait_for_workers("host-b")
    wait_for(
        "the leftover step to leave the queue",
        lambda: deployment.vhost.queues().get("soundcharts_api", (1, 0))[0] == 0,
        60,
    )
    assert deployment.emulator.stats()["requests_total"] == 0


def test_a_sqlite_instance_or_warehouse_is_refused(deployment_factory, tmp_path):
    deployment = deployment_factory()
    sqlite_home = tmp_path / "sqlite_home"
    sqlite_home.mkdir()
    (sqlite_home / "dagster.yaml").write_text((REPO_ROOT / "dagster.yaml").read_text())
    line = one_line(run_failure(deployment, {"DAGSTER_HOME": str(sqlite_home)}))
    assert "the Celery executor needs a PostgreSQL Dagster instance" in line and "cannot share" in line

    deployment.extra_env.pop("DAGSTER_HOME")
    line = one_line(run_failure(deployment, {"SOUNDCHARTS_WAREHOUSE_URL": f"sqlite:///{tmp_path}/wh.sqlite"}))
    assert "the Celery executor needs a PostgreSQL warehouse" in line and "SOUNDCHARTS_WAREHOUSE_URL" in line


@pytest.mark.parametrize(
    "missing, expected",
    [
        ("SOUNDCHARTS_BASE_URL", "this worker has no Soundcharts credentials: set SOUNDCHARTS_APP_ID"),
        ("SOUNDCHARTS_WAREHOUSE_URL", "this worker has no warehouse: set SOUNDCHARTS_WAREHOUSE_URL"),
    ],
)
@pytest.mark.parametrize("command", ["module", "dagster-celery"])
def test_a_worker_without_credentials_or_warehouse(deployment_factory, missing, expected, command):
    deployment = deployment_factory()
    env = deployment.env()
    env.pop(missing)
    if command == "module":  # the documented command: refuses before starting Celery
        argv = [sys.executable, "-m", "soundcharts_assets.defs.celery_worker", "-q", "dagster"]
    else:  # dagster-celery directly: the app's celeryd_init check stops the worker with the same line
        argv = [
            str(REPO_ROOT / ".venv" / "bin" / "dagster-celery"),
            "worker",
            "start",
            "-A",
            "soundcharts_assets.defs.celery_worker",
            "-q",
            "dagster",
        ]
    result = subprocess.run(argv, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    if command == "module":
        assert result.returncode == 2 and one_line(result.stderr).startswith(expected), result.stderr
    else:
        assert expected in result.stderr, result.stderr

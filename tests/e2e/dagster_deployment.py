"""A real Dagster deployment for end-to-end tests: `dagster-webserver` and one `dagster-daemon run`.

Both run as subprocesses of the test, on a Postgres-backed instance (``deploy/postgres/dagster.yaml``), with
the warehouse in a second Postgres database and the Soundcharts emulator as the API. Only the polling
intervals of the instance are lowered, so that the queue, the monitor and the sensors answer in seconds.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
import yaml
from dagster_api import DagsterApi

from tests.support.databases import create_database, drop_database
from tests.support.paths import REPO_ROOT
from tests.support.ports import free_port
from tests.support.waiting import wait_for

VENV_BIN = Path(sys.executable).parent
STARTUP_TIMEOUT_SECONDS = 180
#: Instance settings for tests only: the queue, the run monitor and the daemon answer within a second or two.
FAST_INSTANCE: dict[str, Any] = {
    "run_coordinator": {
        "module": "dagster.core.run_coordinator",
        "class": "QueuedRunCoordinator",
        "config": {"dequeue_interval_seconds": 1},
    },
}
FAST_RUN_MONITORING = {"poll_interval_seconds": 5}
#: The developer's own settings (a real API key, another DAGSTER_HOME) must not leak into the deployment.
FOREIGN_PREFIXES = ("DAGSTER_", "SOUNDCHARTS_")

ANSI_COLOURS = re.compile(r"\x1b\[[0-9;]*m")


def psycopg2_url(url: str) -> str:
    """dagster-postgres hands the URL to SQLAlchemy 2.1, whose bare ``postgresql://`` means psycopg 3 (not
    installed): name the psycopg2 driver that dagster-postgres depends on."""
    return sa.make_url(url).set(drivername="postgresql+psycopg2").render_as_string(hide_password=False)


def instance_yaml(overrides: Mapping[str, Any] = FAST_INSTANCE) -> str:
    """deploy/postgres/dagster.yaml with faster polling; storage still comes from DAGSTER_POSTGRES_URL."""
    config = yaml.safe_load((REPO_ROOT / "deploy" / "postgres" / "dagster.yaml").read_text())
    config.update(overrides)
    config["run_monitoring"] = {**config.get("run_monitoring", {}), **FAST_RUN_MONITORING}
    return yaml.safe_dump(config, sort_keys=False)


@dataclass
class Deployment:
    """The running webserver and daemon; ``api`` talks to the webserver's /graphql."""

    home: Path
    env: dict[str, str]
    port: int
    #: Sensors stopped before the daemon starts: a sensor stopped while the daemon evaluates it is set running
    #: again when that tick ends (Dagster's daemon writes back the state it read at the tick's start), so a test
    #: that must not see a sensor's calls stops it before any tick can be in flight.
    stopped_sensors: tuple[str, ...] = ()
    logs: dict[str, Path] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api(self) -> DagsterApi:
        return DagsterApi(self.url)

    def start(self) -> Deployment:
        for executable in (VENV_BIN / "dagster-webserver", VENV_BIN / "dagster-daemon"):
            if not executable.exists():
                raise RuntimeError(f"{executable} is missing: run the suite with the venv's python")
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "dagster.yaml").write_text(instance_yaml())
        self.create_instance_schema()
        webserver = [
            str(VENV_BIN / "dagster-webserver"),
            "-w",
            "workspace.yaml",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
        ]
        self._spawn("webserver", webserver)
        try:
            self.wait_until_serving()
            for sensor in self.stopped_sensors:
                if self.api.stop_sensor(sensor) != "STOPPED":
                    raise RuntimeError(f"sensor {sensor} did not stop")
            self._spawn("daemon", [str(VENV_BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"])
            wait_for(
                "the daemon's sensor and run queue heartbeats",
                self.api.daemons_healthy,
                STARTUP_TIMEOUT_SECONDS,
                on_poll=self.check_alive,
            )
        except BaseException:
            self.stop()
            raise
        return self

    def create_instance_schema(self) -> None:
        """`dagster instance migrate` once, as the README's production steps do: a webserver and a daemon that
        start together on an empty PostgreSQL database both create its tables, and one of them dies on
        ``DuplicateObject`` (seen in CI)."""
        done = subprocess.run(
            [str(VENV_BIN / "dagster"), "instance", "migrate"],
            cwd=REPO_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=STARTUP_TIMEOUT_SECONDS,
        )
        if done.returncode != 0:
            raise RuntimeError(f"dagster instance migrate exited with {done.returncode}:\n{done.stdout}{done.stderr}")

    def _spawn(self, name: str, command: list[str]) -> None:
        log = self.home / f"{name}.log"
        self.logs[name] = log
        with log.open("wb") as out:
            # A session of its own, so stopping the deployment also stops the code servers and run workers.
            self.processes[name] = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"dagster {name} exited with {process.returncode}:\n{self.log_tail(name)}")

    def wait_until_serving(self) -> None:
        def server_info() -> bool:
            try:
                return httpx.get(f"{self.url}/server_info", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for("the webserver's /server_info", server_info, STARTUP_TIMEOUT_SECONDS, on_poll=self.check_alive)
        wait_for(
            "the code location to load",
            self.api.code_location_loaded,
            STARTUP_TIMEOUT_SECONDS,
            on_poll=self.check_alive,
        )

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
            # Children left behind by a process that exited first (a run worker mid-step).
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def log_tail(self, name: str, lines: int = 80) -> str:
        path = self.logs.get(name)
        if path is None or not path.exists():
            return "(no log)"
        text = ANSI_COLOURS.sub("", path.read_text(errors="replace"))
        return "\n".join(text.splitlines()[-lines:])

    def all_log_tails(self) -> str:
        return "\n".join(f"----- {name} ({path}) -----\n{self.log_tail(name)}" for name, path in self.logs.items())


def deployment_env(home: Path, instance_db_url: str, warehouse_url: str, api_url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(FOREIGN_PREFIXES)}
    env.update(
        DAGSTER_HOME=str(home),
        DAGSTER_POSTGRES_URL=psycopg2_url(instance_db_url),
        SOUNDCHARTS_WAREHOUSE_URL=warehouse_url,
        SOUNDCHARTS_BASE_URL=api_url,
        SOUNDCHARTS_DATA_DIR=str(home / "data"),
        SOUNDCHARTS_RATE_LIMIT_PER_MINUTE="100000",
        SOUNDCHARTS_EDITIONS_SENSOR_INTERVAL_SECONDS="5",
        SOUNDCHARTS_AUTOMATION_SENSOR_INTERVAL_SECONDS="5",
        SOUNDCHARTS_REGISTRY_SENSOR_INTERVAL_SECONDS="5",
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        PYTHONUNBUFFERED="1",
    )
    return env


def new_deployment(
    postgres_admin_url: str, warehouse_url: str, api_url: str, home: Path, stopped_sensors: tuple[str, ...] = ()
) -> tuple[Deployment, str]:
    """A deployment not started yet, on an instance database of its own (its name returned beside it)."""
    instance_db = create_database(postgres_admin_url, prefix="sca_e2e_instance")
    env = deployment_env(home, instance_db, warehouse_url, api_url)
    return Deployment(home, env, free_port(), stopped_sensors=stopped_sensors), instance_db


@contextmanager
def serving(deployment: Deployment, postgres_admin_url: str, instance_db: str) -> Iterator[Deployment]:
    """``deployment`` started; stopped and its instance database dropped afterwards, however it ended."""
    try:
        deployment.start()
        yield deployment
    finally:
        deployment.stop()
        drop_database(postgres_admin_url, instance_db)

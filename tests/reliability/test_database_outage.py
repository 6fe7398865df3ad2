"""A database restarts: the warehouse's or the Dagster instance's PostgreSQL goes away for ~2 s mid-cascade.

The shared server on 127.0.0.1:5432 is never touched: a module fixture runs a private throwaway cluster
(``initdb`` in a temporary directory, a free loopback port) that the tests stop and start at will. Each
cascade runs in a process of its own, as a deployment would, while this process restarts the server once the
audience step has stored some of its answers.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from faultkit import CHART, snapshot
from faultkit import point_at as point_at_faults

from soundcharts_assets.cli.launch import CONSOLE_LOG
from tests.support.cli import run_cli
from tests.support.databases import create_database
from tests.support.ports import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

HERE = Path(__file__).parent
CLI = str(Path(sys.executable).parent / "soundcharts-assets")
RUNNER = str(HERE / "cascade_process.py")  # an in-process materialization on a throwaway SQLite instance
PRODUCTION_INSTANCE = HERE.parents[1] / "deploy" / "postgres" / "dagster.yaml"
PASSWORD = "hunter2"  # trust auth ignores it; it must still never be shown
DOWN_SECONDS = 2.0
AUDIENCE_ROUTE_PARTS = ("/audience/", "/broadcast-groups", "/listening")


PATIENT_TIMEOUT_SECONDS = "30"
"""The client's read timeout here: the API is healthy in these tests, and the fault kit's 1 s (for a hung answer)
let a loaded machine turn a slow answer into a retried call, which they count as paid twice (a CI run beside a
benchmark at load 10: 12 audience calls and 27 artists' metadata asked twice after a ReadTimeout)."""


def point_at(env: pytest.MonkeyPatch, emulator_url: str, warehouse_url: str, data_dir: Path) -> None:
    """The fault kit's settings, with a read timeout that only a database outage can outlast."""
    point_at_faults(env, emulator_url, warehouse_url, data_dir)
    env.setenv("SOUNDCHARTS_TIMEOUT_SECONDS", PATIENT_TIMEOUT_SECONDS)


class PrivatePostgres:
    """A throwaway cluster on a free loopback port; ``initdb`` refuses root, so it runs as ``postgres``."""

    def __init__(self) -> None:
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
        bin_dir = binaries[-1] if binaries else str(Path(shutil.which("initdb") or "initdb").parent)
        if not Path(bin_dir, "initdb").exists():
            pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        self.bin_dir = Path(bin_dir)
        self.dir = Path(tempfile.mkdtemp(prefix="sca-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self.port = free_port()
        self._run("initdb", "-D", str(self.dir / "data"), "-U", "postgres", "--auth=trust", "-N")
        self.start()

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin_dir / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-o", options, "-l", str(self.dir / "log"), "-w", "start")

    def stop(self) -> None:
        """Fast shutdown: every open connection is terminated ("terminating connection due to administrator
        command"), then connections are refused until :meth:`start`."""
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")

    def restart(self, down_seconds: float = DOWN_SECONDS) -> None:
        self.stop()
        time.sleep(down_seconds)  # holds the server down; nothing waits on this for synchronisation
        self.start()

    def create_database(self, name: str) -> str:
        return create_database(self.url("postgres"), name=name)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg2://postgres:{PASSWORD}@127.0.0.1:{self.port}/{database}"

    def remove(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def private_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    try:
        yield server
    finally:
        server.remove()


def _stored_answers(url: str) -> int:
    """Audience answers stored so far (0 while the table does not exist yet or the server is away)."""
    engine = sa.create_engine(
        url, poolclass=sa.pool.NullPool, connect_args=({} if url.startswith("sqlite") else {"connect_timeout": 2})
    )
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM audience_fetches")).scalar() or 0)
    except sa.exc.DBAPIError:
        return 0
    finally:
        engine.dispose()


_STARTED: list[subprocess.Popen[bytes]] = []


@pytest.fixture(autouse=True)
def _no_cascade_left_behind() -> Iterator[None]:
    """A test that fails half way kills its cascade and the step processes it started."""
    yield
    while _STARTED:
        run = _STARTED.pop()
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait(timeout=30)


def _start_cascade(runner: str, log: Path) -> subprocess.Popen[bytes]:
    """``runner`` is a script taking the chart's slug, or the CLI (``cascade SLUG --wait``)."""
    command = [CLI, "cascade", CHART, "--wait"] if runner == CLI else [sys.executable, runner, CHART]
    with log.open("wb") as out:
        run = subprocess.Popen(
            command, env=dict(os.environ), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    _STARTED.append(run)
    return run


def _when_mid_audience(run: subprocess.Popen[bytes], warehouse_url: str, log: Path) -> None:
    """Returns once the audience step has stored some answers (the run still busy with the rest)."""
    deadline = time.monotonic() + 90
    while _stored_answers(warehouse_url) < 20:
        assert run.poll() is None, "the run ended before the outage: " + log.read_text()[-3000:]
        assert time.monotonic() < deadline, "no audience answers stored within 90 s"
        time.sleep(0.05)


def _finish(run: subprocess.Popen[bytes], log: Path, timeout: float = 120) -> str:
    run.wait(timeout=timeout)  # on timeout the fixture kills it
    return log.read_text()


def dagster_console(tmp_path: Path) -> str:
    """What Dagster and the steps wrote on stderr during `cascade --wait`: kept apart from its progress display."""
    return (tmp_path / "data" / "dagster_home" / CONSOLE_LOG).read_text()


def _assert_nothing_paid_twice(emulator, expected, output: str) -> None:
    """Every audience series was asked for once, every song and artist served once: the outage cost no call.

    On failure the message carries the run's errors and warnings: which process met the outage, and how.
    """
    stats = emulator.stats()
    audience_calls = sum(
        n for route, n in stats["by_route"].items() if any(part in route for part in AUDIENCE_ROUTE_PARTS)
    )
    met = [line[:300] for line in output.splitlines() if any(w in line for w in ("ERROR", "WARNING", "Error"))]
    assert audience_calls == len(expected["audience_fetches"]), (stats["by_route"], met[-40:])
    for kind in ("song", "artist"):
        served = stats["metadata_served"][kind]
        assert served["total"] == served["distinct"], (kind, served)


def test_warehouse_restart_mid_step_is_waited_out(
    private_postgres: PrivatePostgres, monkeypatch, emulator, tmp_path: Path, clean_reference
) -> None:
    """The issue's path: ``soundcharts-assets cascade --wait`` (a Dagster run, each step in a process)."""
    expected = clean_reference[CHART]
    url = private_postgres.create_database("warehouse_restart")
    point_at(monkeypatch, emulator.url, url, tmp_path / "data")
    added = run_cli(dict(os.environ), "charts", "add", CHART, timeout=60)
    assert added.returncode == 0, added.stderr
    emulator.configure(latency_ms=40)  # the audience step takes a few seconds: time to restart under it
    emulator.reset_stats()
    log = tmp_path / "cascade.log"
    run = _start_cascade(CLI, log)
    _when_mid_audience(run, url, log)
    stored_before = _stored_answers(url)
    private_postgres.restart()
    assert run.poll() is None, "the run did not outlive the outage: " + log.read_text()[-3000:]
    output = _finish(run, log)

    assert run.returncode == 0, output[-3000:]
    assert "unreachable" in dagster_console(tmp_path)  # the outage was met and waited out, not dodged
    assert stored_before < len(expected["audience_fetches"])
    assert snapshot(url) == expected  # no row lost, none duplicated
    _assert_nothing_paid_twice(emulator, expected, output + dagster_console(tmp_path))


def test_an_outage_longer_than_the_wait_fails_with_one_line(
    private_postgres: PrivatePostgres, monkeypatch, emulator, tmp_path: Path
) -> None:
    url = private_postgres.create_database("warehouse_outage")
    point_at(monkeypatch, emulator.url, url, tmp_path / "data")
    monkeypatch.setenv("SOUNDCHARTS_DB_OUTAGE_WAIT_SECONDS", "2")
    emulator.configure(latency_ms=40)
    log = tmp_path / "cascade.log"
    run = _start_cascade(RUNNER, log)
    _when_mid_audience(run, url, log)
    private_postgres.stop()
    try:
        output = _finish(run, log)
    finally:
        private_postgres.start()

    assert run.returncode == 1
    failures = [line.removeprefix("failure: ") for line in output.splitlines() if line.startswith("failure: ")]
    assert failures, output[-3000:]
    shown = f"SOUNDCHARTS_WAREHOUSE_URL=postgresql+psycopg2://postgres:***@127.0.0.1:{private_postgres.port}/"
    for failure in failures:  # Dagster prefixes the exception's class
        assert "\n" not in failure and ": cannot open " + shown + "warehouse_outage: " in failure, failure
        assert "waited 2 s for it (SOUNDCHARTS_DB_OUTAGE_WAIT_SECONDS)" in failure, failure
        assert failure.endswith("check the URL and that the server runs"), failure
    assert PASSWORD not in output


def test_instance_database_restart_mid_step_is_waited_out(
    private_postgres: PrivatePostgres, monkeypatch, emulator, sqlite_url: str, tmp_path: Path, clean_reference
) -> None:
    """The production instance (deploy/postgres/dagster.yaml) on the private server, the warehouse on SQLite;
    ``cascade --wait``, so the run's process and each step's process write events to it."""
    expected = clean_reference[CHART]
    point_at(monkeypatch, emulator.url, sqlite_url, tmp_path / "data")
    home = tmp_path / "data" / "dagster_home"
    home.mkdir(parents=True)
    shutil.copy(PRODUCTION_INSTANCE, home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_POSTGRES_URL", private_postgres.create_database("dagster_instance"))
    added = run_cli(dict(os.environ), "charts", "add", CHART, timeout=60)
    assert added.returncode == 0, added.stderr
    emulator.configure(latency_ms=40)
    emulator.reset_stats()
    log = tmp_path / "cascade.log"
    run = _start_cascade(CLI, log)
    _when_mid_audience(run, sqlite_url, log)
    private_postgres.stop()
    emulator.configure(latency_ms=0)  # steps now end and start while the instance database is down
    time.sleep(DOWN_SECONDS)
    private_postgres.start()
    assert run.poll() is None, "the run did not outlive the outage: " + log.read_text()[-3000:]
    output = _finish(run, log)

    assert run.returncode == 0, output[-3000:]
    # dagster-postgres met the outage when it wrote the run's events, and waited it out.
    assert "Retrying failed database connection" in dagster_console(tmp_path), output[-3000:]
    assert snapshot(sqlite_url) == expected
    _assert_nothing_paid_twice(emulator, expected, output + dagster_console(tmp_path))

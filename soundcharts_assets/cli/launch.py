"""Launching the cascade from the command line, as the old "Trigger Cascade" button did, for one chart or a
range of adjacent ones in one run.

``launch_cascade`` submits a run through the instance's run coordinator (the daemon picks queued runs up),
exactly as the Dagster UI would. ``run_cascade`` executes the run in this process and waits for it; the run
is recorded in the same instance, so it shows in the UI with its logs and materializations.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from soundcharts_assets.cli.errors import UserError
from soundcharts_assets.cli.progress import ProgressMonitor
from soundcharts_assets.defs.names import CASCADE_JOB_NAME, DEFINITIONS_MODULE
from soundcharts_assets.defs.partition_ranges import run_tags
from soundcharts_assets.settings import dagster_home_from_env, project_root

if TYPE_CHECKING:
    import dagster as dg


@dataclass(frozen=True)
class LaunchOutcome:
    success: bool
    message: str
    run_id: str
    tracks_count: int

    def as_json(self) -> str:
        return json.dumps(asdict(self))


def ensure_dagster_home() -> Path:
    """Make sure DAGSTER_HOME points at an instance directory holding our dagster.yaml."""
    home = dagster_home_from_env()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    root = project_root()
    if not config.exists() and root is not None:
        try:
            config.symlink_to(root / "dagster.yaml")
        except OSError:
            shutil.copyfile(root / "dagster.yaml", config)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def cascade_run_config(ranking_date: datetime | None) -> dict:
    if ranking_date is None:
        return {}
    return {"ops": {"chart_rankings": {"config": {"ranking_date": ranking_date.isoformat()}}}}


def cascade_tags(charts: Sequence[str], trigger: str) -> dict[str, str]:
    """One chart's partition, or the range of several adjacent ones (defs/partition_ranges.py)."""
    return {**run_tags(charts), "soundcharts/trigger": trigger}


def launch_cascade(charts: Sequence[str], ranking_date: datetime | None = None) -> str:
    """Submit one cascade run for adjacent ``charts`` (queued for the daemon) and return its run id."""
    ensure_dagster_home()
    run_id = str(uuid.uuid4())
    command = [
        sys.executable,
        "-m",
        "dagster",
        "job",
        "launch",
        "-m",
        DEFINITIONS_MODULE,
        "-j",
        CASCADE_JOB_NAME,
        "--tags",
        json.dumps(cascade_tags(charts, "cli")),
        "--run-id",
        run_id,
        "--config-json",
        json.dumps(cascade_run_config(ranking_date)),
    ]
    result = subprocess.run(command, capture_output=True, text=True, cwd=project_root() or Path.cwd())
    if result.returncode != 0:
        last_line = (result.stderr.strip().splitlines() or ["dagster job launch failed"])[-1]
        raise UserError(f"could not submit the cascade run: {last_line}")
    return run_id


def run_cascade(charts: Sequence[str], ranking_date: datetime | None = None) -> tuple[bool, str, str]:
    """Execute one cascade run for adjacent ``charts`` in this process; (success, run_id, failure message)."""
    import dagster as dg

    from soundcharts_assets.definitions import cascade_job_for_cli

    ensure_dagster_home()
    token = uuid.uuid4().hex
    with dg.DagsterInstance.get() as instance:
        release_abandoned_runs(instance)
        # The console shows warnings and failures; progress comes from the monitor (a live table on a terminal,
        # plain lines otherwise); every event is still in the run's event log.
        quiet_console = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
        monitor = ProgressMonitor(instance, token)
        monitor.start()
        try:
            result = dg.execute_job(
                dg.reconstructable(cascade_job_for_cli),
                instance=instance,
                tags={**cascade_tags(charts, "cli"), "soundcharts/launch": token, LAUNCHER_TAG: this_launcher()},
                run_config={**cascade_run_config(ranking_date), **quiet_console},
                raise_on_error=False,
            )
        finally:
            monitor.stop()
        message = ""
        if not result.success:
            failures = [
                event.step_failure_data.error.message.strip().splitlines()[0]
                for event in result.all_events
                if event.is_step_failure and event.step_failure_data and event.step_failure_data.error
            ]
            message = failures[0] if failures else "the run failed; see its logs in the Dagster UI"
        return result.success, result.run_id, message


LAUNCHER_TAG = "soundcharts/launcher"
"""``host:pid`` of the ``cascade --wait`` process that runs a cascade in process (no daemon involved)."""


def this_launcher() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def release_abandoned_runs(instance: dg.DagsterInstance) -> list[str]:
    """End the in-process cascades whose ``cascade --wait`` process on this host is gone, and free their pool
    slots and leases; returns their run ids.

    A run executed in process has no daemon watching it: killed (SIGKILL, a crash), it stays "started" and keeps
    its ``soundcharts_api`` slots forever, so every later run would wait for slots nobody gives back (the
    daemon's run monitoring does this for the runs it launched). Its leases would lapse on their own, but only
    after up to a minute that the next run spends waiting for a holder known to be dead.
    """
    import dagster as dg

    host = socket.gethostname()
    active = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]
    released, owners = [], []
    for record in instance.get_run_records(dg.RunsFilter(statuses=active, tags={"soundcharts/trigger": "cli"})):
        run = record.dagster_run
        launcher_host, _, pid = run.tags.get(LAUNCHER_TAG, "").rpartition(":")
        if launcher_host != host or not pid.isdigit() or _process_alive(int(pid)):
            continue
        instance.report_run_failed(run, message=f"its `cascade --wait` process ({host}:{pid}) is gone")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        released.append(run.run_id)
        owners.append(run.tags.get("dagster/root_run_id") or run.run_id)  # as defs.conventions.lease_owner
    if owners:
        _release_leases(owners)
    return released


def _release_leases(owners: list[str]) -> None:
    """Give back the leases that dead runs held."""
    from soundcharts_assets.warehouse import Warehouse

    warehouse = Warehouse.from_env()
    try:
        warehouse.migrate()
        for owner in owners:
            warehouse.release_owner_claims(owner)
    finally:
        warehouse.dispose()


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True

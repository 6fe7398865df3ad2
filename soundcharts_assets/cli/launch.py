"""Launching the cascade from the command line, for one chart or a range of adjacent ones in one run.

``launch_cascade`` submits a run through the instance's run coordinator (the daemon picks queued runs up),
exactly as the Dagster UI would. ``execute_cascade`` executes the run in this process and waits for it; the
run is recorded in the same instance, so it shows in the UI with its logs and materializations.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from soundcharts_assets.cli.errors import UserError
from soundcharts_assets.cli.outcomes import RunReport, chart_answers
from soundcharts_assets.cli.progress import ProgressMonitor
from soundcharts_assets.cli.registry import ensure_dagster_home
from soundcharts_assets.defs.names import CASCADE_JOB_NAME, DEFINITIONS_MODULE, TRIGGER_TAG
from soundcharts_assets.defs.partition_ranges import run_tags
from soundcharts_assets.settings import project_root

if TYPE_CHECKING:
    import dagster as dg


def cascade_run_config(ranking_date: datetime | None) -> dict:
    if ranking_date is None:
        return {}
    return {"ops": {"chart_rankings": {"config": {"ranking_date": ranking_date.isoformat()}}}}


def cascade_tags(charts: Sequence[str], trigger: str) -> dict[str, str]:
    """One chart's partition, or the range of several adjacent ones (defs/partition_ranges.py)."""
    return {**run_tags(charts), TRIGGER_TAG: trigger}


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
    """Execute one cascade run for adjacent ``charts`` in this process; (success, run_id, the first failure)."""
    report = execute_cascade(charts, ranking_date)
    return report.success, report.run_id, report.failure


def execute_cascade(charts: Sequence[str], ranking_date: datetime | None = None) -> RunReport:
    """Execute one cascade run for adjacent ``charts`` in this process, with its live progress on stderr, and
    say what it did for each chart.

    While it runs, the console belongs to the progress display (``cli/progress.py``): Dagster's own lines and
    tracebacks go to the run's event log (and :data:`CONSOLE_LOG`), and each chart's outcome is read from the
    event log afterwards.
    """
    import dagster as dg

    from soundcharts_assets.cli.registry import open_instance
    from soundcharts_assets.definitions import cascade_job_for_cli

    home = ensure_dagster_home()
    token = uuid.uuid4().hex
    with open_instance() as instance:
        release_abandoned_runs(instance)
        with console_for_display(home / CONSOLE_LOG) as console:
            monitor = ProgressMonitor(instance, token, cascade_steps(), console)
            monitor.start()
            try:
                result = dg.execute_job(
                    dg.reconstructable(cascade_job_for_cli),
                    instance=instance,
                    tags={**cascade_tags(charts, "cli"), "soundcharts/launch": token, LAUNCHER_TAG: this_launcher()},
                    run_config={**cascade_run_config(ranking_date), **SILENT_CONSOLE},
                    raise_on_error=False,
                )
            finally:
                monitor.stop()
        if not result.success:
            _release_leases_of_ended_run(result.run_id)
        return chart_answers(result.run_id, result.success, instance.all_logs(result.run_id), charts)


CONSOLE_LOG = "cascade-console.log"
"""In DAGSTER_HOME: what Dagster and the step processes wrote on stderr during `cascade --wait` runs."""
CONSOLE_LOG_MAX_BYTES = 10_000_000
"""Past this size the log starts over at the next run."""


@contextmanager
def console_for_display(log: Path) -> Iterator[TextIO]:
    """Point fd 2 at ``log`` while a run executes in this process; yield a stream on the real stderr.

    The steps run on threads of this process (``defs/thread_executor.py``; Celery workers when Celery is on)
    and Dagster writes its console lines to fd 2; the run's event log has them too. Where fd 2 cannot be moved,
    the display shares stderr.
    """
    sys.stderr.flush()
    try:
        real = os.dup(2)
    except OSError:
        yield sys.stderr
        return
    stream = os.fdopen(os.dup(real), "w", buffering=1, encoding="utf-8", errors="replace")
    too_big = log.exists() and log.stat().st_size > CONSOLE_LOG_MAX_BYTES
    with log.open("wb" if too_big else "ab") as kept:
        kept.write(f"--- cascade --wait, pid {os.getpid()}, {time.strftime('%Y-%m-%d %H:%M:%S')}\n".encode())
        kept.flush()
        os.dup2(kept.fileno(), 2)
        try:
            yield stream
        finally:
            sys.stderr.flush()
            os.dup2(real, 2)
            os.close(real)
            stream.close()


SILENT_CONSOLE = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
"""The run's console logger says nothing: the display owns the console, the event log keeps every line."""


def cascade_steps() -> list[str]:
    """The steps of a cascade run in the order a reader follows them (the display's rows)."""
    from soundcharts_assets.definitions import CASCADE_ASSETS
    from soundcharts_assets.defs.insight.assets import INSIGHT_ASSETS

    return [asset.op.name for asset in (*CASCADE_ASSETS, *INSIGHT_ASSETS)]


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
    for record in instance.get_run_records(dg.RunsFilter(statuses=active, tags={TRIGGER_TAG: "cli"})):
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
    _free_slots_of_finished_runs(instance)
    return released


def _free_slots_of_finished_runs(instance: dg.DagsterInstance) -> None:
    """Give back the ``soundcharts_api`` slots that finished runs still hold.

    A finished run holds no slot, but one interrupted while it gave them back (Ctrl-C landing in that write, the
    process killed during its end) keeps them, and every later in-process run would wait for them forever; the
    daemon's run monitoring does the same for its runs (``free_slots_after_run_end_seconds``)."""
    from soundcharts_assets.defs.names import API_POOL

    info = instance.event_log_storage.get_concurrency_info(API_POOL)
    holders = {slot.run_id for slot in info.claimed_slots} | {step.run_id for step in info.pending_steps}
    for run_id in holders:
        run = instance.get_run_by_id(run_id)
        if run is None or run.is_finished:
            instance.event_log_storage.free_concurrency_slots_for_run(run_id)


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


def _release_leases_of_ended_run(run_id: str) -> None:
    """A Ctrl-C can end the run while a step's thread still waits on its pool, before the step gave its leases
    back: the run is over, so they are dropped now instead of being left for the re-run to wait out (a minute).
    Best effort: when the warehouse itself is what failed the run, the run's answer says so, and its leases
    lapse on their own."""
    from soundcharts_assets.settings import SettingsError
    from soundcharts_assets.warehouse import WarehouseError

    with suppress(WarehouseError, SettingsError):
        _release_leases([run_id])


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True

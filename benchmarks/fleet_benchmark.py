"""A fleet of charts through the real deployment: `charts add`, `dagster-daemon run`, the run queue (issue 12).

``python -m benchmarks.fleet_benchmark --charts 10 50 [--postgres] [--ui] [--json-out F]``. On demand, never a test.

For each N, in a fresh temporary DAGSTER_HOME (the shipped ``dagster.yaml``, or ``deploy/postgres/dagster.yaml``
with ``--postgres``) and a fresh warehouse (SQLite file, or a PostgreSQL database), against the emulator in its
own process (``--charts 120`` fleet catalogue, 50 ± 10 ms, 6,000 calls/min):

A. **registered at once**: ``soundcharts-assets charts add`` the first N fleet charts in one command (with
   ``--schedule daily``, for B), then ``dagster-daemon run -w workspace.yaml`` as the README says. Measured from
   the first tick of ``new_chart_editions`` to the last ``ASSET_MATERIALIZATION`` in the instance's event log.
B. **daily schedule**: the next day. The emulator's clock moves one day (each daily chart gains an edition,
   series gain a day) and the project's (``SOUNDCHARTS_TODAY``) with it. ``daily_charts`` is fired by the
   daemon itself: its stored start is put before the latest 07:00 UTC, and the daemon catches up that missed
   tick on start, the path it takes after a restart across 07:00 (``dagster schedule`` has no "launch now" in
   1.13). The editions sensor ticked in A less than its interval (1 h) ago, so it does not tick in B.
   ``daily_charts`` is stopped during A (``dagster schedule stop``) so that a real 07:00 cannot fire in A.

Each phase ends when no run is queued or in progress and neither the runs nor the emulator's counters have
moved for ``--quiet-seconds`` (longer than one 30 s automation tick). Memory: every process of the daemon's
(and the webserver's) session and their descendants, sampled from /proc every 0.5 s (VmHWM, the kernel's peak
RSS; no psutil needed). ``--ui`` then starts ``dagster-webserver`` on the same instance and times the GraphQL
queries of the asset page and the partitions view of ``artist_audience`` (``benchmarks/ui_queries.py``).

Longer than 300 lines on purpose: one on-demand script that drives a whole deployment (processes, instance,
emulator, webserver) and reads every figure of issue 12's targets back from it; split, its parts would only be
used here.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx

from benchmarks.emulator_process import EmulatorProcess
from benchmarks.measure import Sampler, step_timings
from tests.support.databases import create_database, drop_database
from tests.support.paths import REPO_ROOT
from tests.support.ports import free_port
from tests.support.waiting import wait_for

REPO = REPO_ROOT
VENV_BIN = Path(sys.executable).parent
FOREIGN_PREFIXES = ("DAGSTER_", "SOUNDCHARTS_")
PG_ADMIN_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
RANKING_ROUTE_WORD = "/ranking/"
EDITION_CHECK_ROUTE_WORD = "available-rankings"
METADATA_ROUTE_PREFIXES = ("/api/v2.25/song/", "/api/v2.9/artist/")
TARGET_WALL_RATIO = 1.2
TARGET_CALL_RATIO = 1.01
TARGET_TICK_S = 10.0
TARGET_RSS_MB = 400.0
IN_PROGRESS = {"QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING", "MANAGED"}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--charts", type=int, nargs="+", default=[10, 50], help="fleet sizes N to measure")
    parser.add_argument("--scenarios", default="AB", help="A, B or AB (B needs A: it refreshes A's charts)")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instance and warehouse")
    parser.add_argument("--ui", action="store_true", help="time the UI's GraphQL queries after the last phase")
    parser.add_argument("--fleet-catalogue", type=int, default=120, help="the emulator's --charts")
    parser.add_argument("--today", default=datetime.now(timezone.utc).date().isoformat(), help="emulator day of A")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--latency-jitter-ms", type=float, default=10.0)
    parser.add_argument("--rate-limit-per-minute", type=int, default=6000)
    parser.add_argument("--quiet-seconds", type=float, default=40.0)
    parser.add_argument("--phase-timeout", type=float, default=1500.0)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs) and print it")
    parser.add_argument("--json-out", type=Path)
    return parser.parse_args()


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# ---------------------------------------------------------------------------------------------- processes


def _stat(pid: int) -> tuple[int, int] | None:
    """(ppid, session) of a process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), int(fields[3])


def _status_kb(pid: int) -> dict[str, int]:
    found: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmHWM:", "VmRSS:")):
                found[line.split(":")[0]] = int(line.split()[1])
    except OSError:
        pass
    return found


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (utime and stime of /proc/PID/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _describe(pid: int) -> tuple[bool, str]:
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False, "?"
    words = [a.decode(errors="replace") for a in argv if a]
    is_python = "python" in Path(exe).name
    label = " ".join(Path(w).name if i == 0 or w.startswith("/") else w for i, w in enumerate(words[:6]))
    return is_python, label[:160]


class ProcessSampler(Sampler):
    """Peak RSS of every process in the tracked sessions (and their descendants), and how many are alive."""

    def __init__(self, interval: float = 0.5) -> None:
        super().__init__(interval)
        self.roots: set[int] = set()
        self.peaks: dict[int, dict[str, Any]] = {}
        self.max_python_alive = 0
        self.at_max_rss: dict[str, Any] = {"rss_mb_total": 0.0}

    def track(self, pid: int) -> None:
        self.roots.add(pid)

    def _tracked(self) -> set[int]:
        stats = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                st = _stat(int(entry.name))
                if st:
                    stats[int(entry.name)] = st
        children: dict[int, list[int]] = defaultdict(list)
        for pid, (ppid, _sid) in stats.items():
            children[ppid].append(pid)
        found = {pid for pid, (_ppid, sid) in stats.items() if sid in self.roots}
        todo = [r for r in self.roots if r in stats]
        found.update(todo)
        while todo:
            for child in children.get(todo.pop(), []):
                if child not in found:
                    found.add(child)
                    todo.append(child)
        return found

    def sample(self) -> None:
        python_alive, rss_total = 0, 0
        for pid in self._tracked():
            kb = _status_kb(pid)
            if not kb:
                continue
            entry = self.peaks.get(pid)
            if entry is None:
                is_python, label = _describe(pid)
                entry = self.peaks[pid] = {"pid": pid, "python": is_python, "cmd": label, "hwm_kb": 0}
            entry["hwm_kb"] = max(entry["hwm_kb"], kb.get("VmHWM", 0))
            entry["cpu_s"] = max(entry.get("cpu_s", 0.0), _cpu_seconds(pid))
            python_alive += entry["python"]
            rss_total += kb.get("VmRSS", 0)
        self.max_python_alive = max(self.max_python_alive, python_alive)
        if rss_total / 1024 > self.at_max_rss["rss_mb_total"]:
            self.at_max_rss = {"rss_mb_total": round(rss_total / 1024, 1), "python_alive": python_alive}

    def report(self) -> dict[str, Any]:
        top = sorted(self.peaks.values(), key=lambda e: -e["hwm_kb"])
        return {
            "processes_seen": len(self.peaks),
            "python_processes_seen": sum(e["python"] for e in self.peaks.values()),
            "max_python_alive_at_once": self.max_python_alive,
            "at_max_total_rss": self.at_max_rss,
            "peak_rss_mb": round(top[0]["hwm_kb"] / 1024, 1) if top else 0.0,
            "cpu_s_total": round(sum(e.get("cpu_s", 0.0) for e in self.peaks.values()), 1),
            "top_processes": [
                {"peak_rss_mb": round(e["hwm_kb"] / 1024, 1), "cpu_s": round(e.get("cpu_s", 0.0), 1), "cmd": e["cmd"]}
                for e in top[:8]
            ],
        }


def spawn(name: str, command: list[str], env: dict[str, str], logdir: Path) -> subprocess.Popen[bytes]:
    with (logdir / f"{name}.log").open("ab") as out:
        return subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def session_gone(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return True
    return False


def stop(process: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM to the process's session (daemon, code server, run workers, steps), SIGKILL what is left."""
    if process is None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(TimeoutError):  # then killed
        wait_for("the session to exit", lambda: session_gone(process.pid), 10)
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if process.poll() is None:
        process.wait(timeout=10)


def cli(args: list[str], env: dict[str, str], logdir: Path, name: str) -> float:
    started = time.monotonic()
    with (logdir / f"{name}.log").open("ab") as out:
        subprocess.run(args, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, check=True, timeout=600)
    return round(time.monotonic() - started, 2)


# ---------------------------------------------------------------------------------------------- environment


class Postgres:
    """Two throw-away databases on 127.0.0.1:5432 (user postgres, trust): the instance and the warehouse."""

    def __init__(self) -> None:
        suffix = uuid.uuid4().hex[:8]
        self.names = {"instance": f"fleet_bench_instance_{suffix}", "warehouse": f"fleet_bench_wh_{suffix}"}

    def __enter__(self) -> Postgres:
        for name in self.names.values():
            create_database(PG_ADMIN_URL, name=name)
        return self

    def __exit__(self, *_exc: object) -> None:
        for which in self.names:
            drop_database(PG_ADMIN_URL, self.url(which))

    def url(self, which: str) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:5432/{self.names[which]}"


def make_env(workdir: Path, api_url: str, pg: Postgres | None) -> dict[str, str]:
    home = workdir / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    source = REPO / ("deploy/postgres/dagster.yaml" if pg else "dagster.yaml")
    (home / "dagster.yaml").write_text(source.read_text())
    env = {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN_PREFIXES)}
    env.update(
        DAGSTER_HOME=str(home),
        SOUNDCHARTS_BASE_URL=api_url,
        SOUNDCHARTS_APP_ID="soundcharts",
        SOUNDCHARTS_API_KEY="soundcharts",
        SOUNDCHARTS_DATA_DIR=str(workdir / "data"),
        SOUNDCHARTS_WAREHOUSE_URL=pg.url("warehouse") if pg else f"sqlite:///{workdir / 'warehouse.sqlite'}",
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        PYTHONUNBUFFERED="1",
    )
    if pg:
        env["DAGSTER_POSTGRES_URL"] = pg.url("instance")
    return env


def open_instance(env: dict[str, str]) -> Any:
    """The deployment's instance, read from this process (DAGSTER_HOME and the storage URL from ``env``)."""
    import dagster as dg

    for key in ("DAGSTER_HOME", "DAGSTER_POSTGRES_URL"):
        if key in env:
            os.environ[key] = env[key]
    return dg.DagsterInstance.get()


# ---------------------------------------------------------------------------------------------- one phase


def in_progress_runs(instance: Any, since: float) -> tuple[int, int]:
    """(runs created since ``since``, of which in progress)."""
    records = [r for r in instance.get_run_records() if r.create_timestamp.timestamp() >= since]
    return len(records), sum(r.dagster_run.status.value in IN_PROGRESS for r in records)


def run_daemon_phase(
    env: dict[str, str], logdir: Path, name: str, emulator: EmulatorProcess, sampler: ProcessSampler, args: Any
) -> dict[str, Any]:
    instance = open_instance(env)
    since = time.time()
    emulator.reset_stats()
    load_at_start = loadavg()
    daemon = spawn(f"daemon-{name}", [str(VENV_BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"], env, logdir)
    sampler.track(daemon.pid)
    deadline = time.monotonic() + args.phase_timeout
    last_change, last_seen = time.monotonic(), None
    timed_out = False
    try:
        while True:
            time.sleep(2)
            if daemon.poll() is not None:
                raise RuntimeError(f"dagster-daemon exited with {daemon.returncode}: see {logdir}")
            runs, busy = in_progress_runs(instance, since)
            calls = emulator.stats()["requests_total"]
            seen = (runs, busy, calls)
            if seen != last_seen:
                last_seen, last_change = seen, time.monotonic()
            quiet = time.monotonic() - last_change
            if runs and not busy and quiet >= args.quiet_seconds:
                break
            if not runs and quiet >= max(args.quiet_seconds, 120):
                break  # nothing was launched
            if time.monotonic() > deadline:
                timed_out = True
                break
    finally:
        load_at_end = loadavg()
        stats = emulator.stats()
        stop(daemon)
    report = measure_phase(instance, since, stats, args)
    report.update(load_at_start=load_at_start, load_at_end=load_at_end, timed_out=timed_out)
    instance.dispose()
    return report


# Long on purpose: every figure of a phase (ticks, runs and their steps, calls against the emulator's counters)
# read in one pass over the instance, in the order the report shows them.
def measure_phase(instance: Any, since: float, stats: dict[str, Any], args: Any) -> dict[str, Any]:
    import dagster as dg
    from dagster._core.scheduler.instigation import TickStatus

    ticks = []
    created = tick_create_times(instance)
    for state in instance.all_instigator_state():
        for tick in instance.get_ticks(state.instigator_origin_id, state.selector_id):
            # A schedule tick's ``timestamp`` is its cron time (a caught-up tick: a day ago); when the daemon
            # evaluated it is the row's create_timestamp (1 s resolution). A sensor tick's is its start.
            start = tick.timestamp if tick.instigator_type.value == "SENSOR" else created.get(tick.tick_id, 0.0)
            if start < since:
                continue
            ticks.append(
                {
                    "instigator": tick.instigator_name,
                    "type": tick.instigator_type.value,
                    "start": start,
                    "at": datetime.fromtimestamp(start, timezone.utc).strftime("%H:%M:%S"),
                    "duration_s": round((tick.end_timestamp or start) - start, 2),
                    "status": tick.status.value,
                    "runs": len(tick.run_ids),
                    "skip_reason": tick.skip_reason if tick.status == TickStatus.SKIPPED else None,
                }
            )
    ticks.sort(key=lambda t: t["start"])
    launching = [t for t in ticks if t["runs"]]
    first_tick = launching[0]["start"] if launching else (ticks[0]["start"] if ticks else since)

    runs = []
    last_materialization = None
    materializations = 0
    records = [r for r in instance.get_run_records() if r.create_timestamp.timestamp() >= since]
    for record in sorted(records, key=lambda r: r.create_timestamp):
        run = record.dagster_run
        events = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
        materializations += len(events)
        if events:
            last = max(e.timestamp for e in events)
            last_materialization = max(last_materialization or last, last)
        tags = run.tags
        runs.append(
            {
                "run_id": run.run_id[:8],
                "status": run.status.value,
                "trigger": tags.get("soundcharts/trigger") or tags.get("dagster/sensor_name") or "",
                "partitions": tags.get("dagster/partition")
                or f"{tags.get('dagster/asset_partition_range_start')}..{tags.get('dagster/asset_partition_range_end')}",
                "created_at": round(record.create_timestamp.timestamp() - first_tick, 1),
                "start_at": round(record.start_time - first_tick, 1) if record.start_time else None,
                "end_at": round(record.end_time - first_tick, 1) if record.end_time else None,
                "materializations": len(events),
                # Each step's start and end, in seconds from the first tick (benchmarks/measure.py).
                "steps": {
                    step: {"at_start": t.get("at_start"), "at_end": t.get("at_end"), "work_s": t.get("work_s")}
                    for step, t in step_timings(run.run_id, first_tick).items()
                },
            }
        )

    calls = stats["requests_total"]
    by_route = stats["by_route"]
    pages = sum(
        n for route, n in by_route.items() if RANKING_ROUTE_WORD in route and EDITION_CHECK_ROUTE_WORD not in route
    )
    checks = sum(n for route, n in by_route.items() if EDITION_CHECK_ROUTE_WORD in route)
    series, meta, current = (
        stats.get("series_served", {}),
        stats.get("metadata_served", {}),
        stats.get("current_stats_served", {}),
    )
    distinct_pairs = sum(v["distinct"] for v in series.values()) + sum(v["distinct"] for v in current.values())
    distinct_meta = sum(v["distinct"] for v in meta.values())
    non_2xx_series = _non_2xx_series(stats)
    denominator = distinct_pairs + distinct_meta + non_2xx_series + pages + checks
    # Stricter: every call not explained by one call per series pair, the metadata batches as made, the
    # ranking pages and the edition checks (token, usage and any repeated series call land here).
    metadata_calls = sum(n for route, n in by_route.items() if route.startswith(METADATA_ROUTE_PREFIXES))
    unexplained = calls - (distinct_pairs + non_2xx_series + metadata_calls + pages + checks)
    wall = (last_materialization - first_tick) if last_materialization else None
    bound = calls * 60.0 / args.rate_limit_per_minute
    twice = {
        f"{kind}.{entity}": {"total": v["total"], "distinct": v["distinct"]}
        for kind, group in (("series", series), ("metadata", meta), ("current_stats", current))
        for entity, v in group.items()
    }
    return {
        "first_tick_utc": datetime.fromtimestamp(first_tick, timezone.utc).isoformat(timespec="seconds"),
        "wall_s": round(wall, 1) if wall is not None else None,
        "calls": calls,
        "calls_by_status": stats["by_status"],
        "calls_by_route": by_route,
        "bound_s": round(bound, 1),
        "wall_ratio": round(wall / bound, 2) if wall and bound else None,
        "ranking_pages": pages,
        "edition_checks": checks,
        "distinct_series_and_current_pairs": distinct_pairs,
        "distinct_metadata_entities": distinct_meta,
        "series_answers_not_2xx": non_2xx_series,
        "calls_denominator": denominator,
        "calls_ratio": round(calls / denominator, 4) if denominator else None,
        "metadata_batch_calls": metadata_calls,
        "calls_beyond_one_per_pair": unexplained,
        "served_total_vs_distinct": twice,
        "any_entity_fetched_twice": any(v["total"] != v["distinct"] for v in twice.values()),
        "max_tick_s": max((t["duration_s"] for t in ticks), default=0.0),
        "ticks": ticks_summary(ticks),
        "tick_list": ticks,
        "runs_count": len(runs),
        "runs": runs,
        "materializations": materializations,
    }


def tick_create_times(instance: Any) -> dict[int, float]:
    """Tick id -> when its row was written (UTC; SQLite and PostgreSQL store naive UTC timestamps)."""
    import sqlalchemy as sa
    from dagster._core.storage.schedules.schema import JobTickTable

    with instance.schedule_storage.connect() as conn:
        rows = conn.execute(sa.select(JobTickTable.c.id, JobTickTable.c.create_timestamp)).fetchall()
    return {row[0]: row[1].replace(tzinfo=timezone.utc).timestamp() for row in rows if row[1] is not None}


def _non_2xx_series(stats: dict[str, Any]) -> int:
    """Series calls answered 404 (an entity without an account on that platform): one call per pair, no
    data, so the emulator's ``series_served`` (2xx only) does not count them. From ``by_route_status`` when the
    emulator has it, else every non-2xx answer minus 429s."""
    by_route_status = stats.get("by_route_status")
    if isinstance(by_route_status, dict):
        return sum(
            n
            for route, statuses in by_route_status.items()
            if any(word in route for word in ("audience", "broadcast", "listening", "current"))
            for status, n in statuses.items()
            if not str(status).startswith("2") and str(status) != "429"
        )
    return sum(
        n for status, n in stats["by_status"].items() if not str(status).startswith("2") and str(status) != "429"
    )


def ticks_summary(ticks: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for tick in ticks:
        entry = out.setdefault(tick["instigator"], {"ticks": 0, "max_s": 0.0, "runs": 0, "statuses": {}})
        entry["ticks"] += 1
        entry["max_s"] = max(entry["max_s"], tick["duration_s"])
        entry["runs"] += tick["runs"]
        entry["statuses"][tick["status"]] = entry["statuses"].get(tick["status"], 0) + 1
        if tick["skip_reason"]:
            entry["last_skip_reason"] = tick["skip_reason"]
    return out


def rewind_schedule(env: dict[str, str], schedule_name: str) -> float:
    """Put the schedule's stored start before its latest cron time: the daemon's next iteration then catches
    up that tick, as after a restart across 07:00. Returns the tick's time."""
    from dagster._core.scheduler.instigation import InstigatorStatus, ScheduleInstigatorData
    from dagster._utils.schedules import cron_string_iterator

    instance = open_instance(env)
    try:
        state = next(s for s in instance.all_instigator_state() if s.instigator_name == schedule_name)
        data = state.instigator_data
        now = time.time()
        times = cron_string_iterator(now - 2 * 86400, data.cron_schedule, "UTC")
        latest = None
        for moment in times:
            if moment.timestamp() > now:
                break
            latest = moment.timestamp()
        assert latest is not None
        rewound = ScheduleInstigatorData(data.cron_schedule, start_timestamp=latest - 60)
        instance.update_instigator_state(state.with_status(InstigatorStatus.RUNNING).with_data(rewound))
        return latest
    finally:
        instance.dispose()


# ---------------------------------------------------------------------------------------------- UI


def code_location_loaded(client: httpx.Client) -> bool:
    """The webserver answers and every code location of its workspace is loaded."""
    body = {"query": "{ workspaceOrError { ... on Workspace { locationEntries { loadStatus } } } }"}
    try:
        if client.get("/server_info").status_code != 200:
            return False
        entries = client.post("/graphql", json=body).json()["data"]["workspaceOrError"]["locationEntries"]
    except (httpx.HTTPError, KeyError, TypeError):
        return False
    return bool(entries) and all(e["loadStatus"] == "LOADED" for e in entries)


# Long on purpose: start the webserver, wait for the code location, time each page's queries, stop it.
def time_ui(env: dict[str, str], logdir: Path, sampler: ProcessSampler, repeats: int = 3) -> dict[str, Any]:
    from benchmarks.ui_queries import ui_queries

    port = free_port()
    web = spawn(
        "webserver",
        [str(VENV_BIN / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        env,
        logdir,
    )
    sampler.track(web.pid)
    url = f"http://127.0.0.1:{port}"

    def alive() -> None:
        if web.poll() is not None:
            raise RuntimeError(f"dagster-webserver exited: see {logdir}/webserver.log")

    try:
        with httpx.Client(base_url=url, timeout=120) as client:
            loaded = functools.partial(code_location_loaded, client)
            wait_for("the webserver to load the code location", loaded, 180, interval=1, on_poll=alive)
            results: dict[str, Any] = {"load": loadavg()}
            for page, queries in ui_queries().items():
                page_times = []
                for _ in range(repeats):
                    # The page issues its queries concurrently; their sum is the pessimistic figure.
                    per_query = {}
                    for name, (document, variables) in queries.items():
                        started = time.monotonic()
                        response = client.post(
                            "/graphql", json={"operationName": name, "query": document, "variables": variables}
                        )
                        elapsed = time.monotonic() - started
                        payload = response.json()
                        if response.status_code != 200 or payload.get("errors"):
                            raise RuntimeError(f"{name}: {response.status_code} {str(payload.get('errors'))[:500]}")
                        per_query[name] = round(elapsed, 3)
                    page_times.append(per_query)
                results[page] = {
                    "queries": {name: max(t[name] for t in page_times) for name in queries},
                    "slowest_query_s": max(max(t.values()) for t in page_times),
                    "sum_of_queries_s": round(max(sum(t.values()) for t in page_times), 3),
                    "repeats": repeats,
                }
            return results
    finally:
        stop(web)


# ---------------------------------------------------------------------------------------------- main


# Long on purpose: the scenarios A and B of one fleet size, in order, inside one set of cleanups.
def run_fleet(n: int, args: Any) -> dict[str, Any]:
    from soundcharts_assets.emulator.charts import fleet_charts

    slugs = [chart.slug for chart in fleet_charts(args.fleet_catalogue)][:n]
    result: dict[str, Any] = {"charts": n, "postgres": args.postgres}
    tmp = tempfile.mkdtemp(prefix=f"sca-fleet-{n}-")
    workdir = Path(tmp)
    logdir = workdir / "logs"
    logdir.mkdir()
    emulator = EmulatorProcess(
        seed=7,
        latency_ms=args.latency_ms,
        latency_jitter_ms=args.latency_jitter_ms,
        rate_limit_per_minute=args.rate_limit_per_minute,
        extra_args=("--charts", str(args.fleet_catalogue), "--today", args.today),
    )
    pg = Postgres() if args.postgres else None
    try:
        with pg or _Null(), emulator as server, ProcessSampler() as sampler:
            env = make_env(workdir, server.url, pg)
            result["register_s"] = cli(
                [str(VENV_BIN / "soundcharts-assets"), "charts", "add", *slugs, "--schedule", "daily"],
                env,
                logdir,
                "charts-add",
            )
            result["register_calls"] = server.stats()["requests_total"]
            # No real 07:00 in phase A: the daily schedule waits, stopped, for phase B.
            cli(
                [str(VENV_BIN / "dagster"), "schedule", "stop", "daily_charts", "-w", "workspace.yaml"],
                env,
                logdir,
                "schedule-stop",
            )
            print(f"[{n}] A: daemon start, load {loadavg()}", flush=True)
            result["A"] = run_daemon_phase(env, logdir, "A", server, sampler, args)
            _print_phase(n, "A", result["A"])
            if "B" in args.scenarios:
                next_day = (date.fromisoformat(args.today) + timedelta(days=1)).isoformat()
                server.set_today(next_day)
                env["SOUNDCHARTS_TODAY"] = next_day
                cli(
                    [str(VENV_BIN / "dagster"), "schedule", "start", "daily_charts", "-w", "workspace.yaml"],
                    env,
                    logdir,
                    "schedule-start",
                )
                tick = rewind_schedule(env, "daily_charts")
                result["B_schedule_tick_utc"] = datetime.fromtimestamp(tick, timezone.utc).isoformat()
                print(f"[{n}] B: clock {next_day}, daemon start, load {loadavg()}", flush=True)
                result["B"] = run_daemon_phase(env, logdir, "B", server, sampler, args)
                _print_phase(n, "B", result["B"])
            if args.ui:
                print(f"[{n}] UI queries ...", flush=True)
                result["ui"] = time_ui(env, logdir, sampler)
            result["processes"] = sampler.report()
    finally:
        if args.keep:
            print(f"[{n}] kept {workdir}", flush=True)
        else:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)
    return result


class _Null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_exc: object) -> None:
        return None


def _print_phase(n: int, name: str, phase: dict[str, Any]) -> None:
    print(
        f"[{n}] {name}: wall {phase['wall_s']} s, bound {phase['bound_s']} s (x{phase['wall_ratio']}), "
        f"calls {phase['calls']} / {phase['calls_denominator']} (x{phase['calls_ratio']}, "
        f"{phase['calls_beyond_one_per_pair']} beyond one per pair), "
        f"twice {phase['any_entity_fetched_twice']}, runs {phase['runs_count']}, max tick {phase['max_tick_s']} s, "
        f"load {phase['load_at_start']} -> {phase['load_at_end']}",
        flush=True,
    )


def targets(result: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in ("A", "B"):
        phase = result.get(name)
        if not phase:
            continue
        found[f"{name}: wall <= {TARGET_WALL_RATIO} x bound"] = (
            phase["wall_ratio"] is not None and phase["wall_ratio"] <= TARGET_WALL_RATIO
        )
        found[f"{name}: calls <= {TARGET_CALL_RATIO} x pairs+pages+checks"] = (
            phase["calls_ratio"] or 0
        ) <= TARGET_CALL_RATIO
        found[f"{name}: no entity fetched twice"] = not phase["any_entity_fetched_twice"]
        found[f"{name}: max tick <= {TARGET_TICK_S} s"] = phase["max_tick_s"] <= TARGET_TICK_S
    if "processes" in result:
        found[f"peak RSS <= {TARGET_RSS_MB} MB"] = result["processes"]["peak_rss_mb"] <= TARGET_RSS_MB
    if "ui" in result:
        for page, timing in result["ui"].items():
            if isinstance(timing, dict):
                found[f"UI {page} <= 3 s"] = timing["sum_of_queries_s"] <= 3.0
    return found


def main() -> None:
    args = parse_args()
    report: dict[str, Any] = {
        "machine": {"cores": os.cpu_count(), "load_at_start": loadavg()},
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "fleets": [],
    }
    for n in args.charts:
        result = run_fleet(n, args)
        result["targets"] = targets(result)
        report["fleets"].append(result)
        for name, met in result["targets"].items():
            print(f"[{n}] {'MET    ' if met else 'NOT MET'} {name}", flush=True)
        if args.json_out:
            args.json_out.write_text(json.dumps(report, indent=2) + "\n")
    report["machine"]["load_at_end"] = loadavg()
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2) + "\n")
    print(
        json.dumps(
            {"fleets": [{k: v for k, v in f.items() if k not in ("A", "B")} for f in report["fleets"]]}, indent=2
        )
    )


if __name__ == "__main__":
    main()

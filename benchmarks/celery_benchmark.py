"""Benchmark the Celery deployment: a fleet of charts on two workers, and CPU-bound scaling from 1 to 2 workers.

``python -m benchmarks.celery_benchmark`` (root, RabbitMQ at 127.0.0.1:5672, PostgreSQL at 127.0.0.1:5432).
Everything it makes is removed at the end: a RabbitMQ vhost, two PostgreSQL databases per measurement, the
workers, the emulator. Results in docs/benchmarks.md ("Celery deployment").

* **fleet**: ``--charts`` charts (50 of the emulator's 120-chart fleet catalogue by default) refreshed cold on ``--workers``
  Celery workers, at most ``--max-runs`` runs at once (``max_concurrent_runs`` of deploy/postgres/dagster.yaml),
  each run a process of its own as the daemon's run workers are. Target: wall time ≤ 1.2 × (calls ÷ rate limit).
* **scaling**: ``--scaling-charts`` charts with the rate limit far above what the machine can use and no
  emulator latency, on 1 then 2 workers of one process slot each: what a second worker adds when the steps'
  CPU is the bound.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from benchmarks.emulator_process import EmulatorProcess
from benchmarks.measure import PaceSampler
from soundcharts_assets.defs.partition_ranges import MAX_CHARTS_PER_RUN, range_blocks, run_tags
from tests.support.databases import create_database, drop_database
from tests.support.paths import REPO_ROOT
from tests.support.rabbitmq import RabbitVhost

ROOT = REPO_ROOT
ADMIN_URL = os.environ.get("SOUNDCHARTS_BENCH_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
QUEUES = "dagster,soundcharts_api"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--charts", type=int, default=50, help="fleet size (capped at the emulator's catalogue)")
    parser.add_argument(
        "--fleet-catalogue",
        type=int,
        default=120,
        help="the emulator's --charts, as in fleet_benchmark.py (0: the default catalogue of 26 charts)",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=3, help="process slots per worker in the fleet run")
    parser.add_argument("--max-runs", type=int, default=8)
    parser.add_argument(
        "--pool-limit",
        type=int,
        default=3,
        help="the soundcharts_api pool (concurrency.pools.default_limit of dagster.yaml)",
    )
    parser.add_argument("--rate-limit-per-minute", type=int, default=6000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--latency-jitter-ms", type=float, default=10.0)
    parser.add_argument("--scaling-charts", type=int, default=6, help="0 skips the scaling measurement")
    parser.add_argument("--skip-fleet", action="store_true")
    parser.add_argument("--json-out", type=Path)
    parser.add_argument(
        "--cold-emulator",
        action="store_true",
        help="skip EmulatorProcess.warm: the emulator simulates each chart's history inside the measured run",
    )
    parser.add_argument(
        "--charts-per-run",
        type=int,
        default=MAX_CHARTS_PER_RUN,
        help="A fleet run covers this many adjacent charts, as the sensor and the schedules launch them "
        "(1 = a run per chart, the behaviour before fleet runs).",
    )
    parser.add_argument("--run-block", nargs="+", help=argparse.SUPPRESS)  # internal: one run's process
    return parser.parse_args()


def run_block(slugs: list[str]) -> None:
    """The run process of one block of adjacent charts, as a run worker runs it."""
    import dagster as dg

    from soundcharts_assets.definitions import cascade_job_for_cli

    with dg.DagsterInstance.get() as instance:
        result = dg.execute_job(
            dg.reconstructable(cascade_job_for_cli),
            instance=instance,
            tags=run_tags(slugs),
            raise_on_error=False,
        )
    print(json.dumps({"charts": slugs, "success": result.success}), flush=True)


class Deployment:
    """Instance and warehouse databases, workers; ``close`` removes them."""

    def __init__(self, workdir: Path, vhost: str, emulator_url: str, rate: int, pool_limit: int) -> None:
        self.workdir = workdir
        self.instance_url = create_database(ADMIN_URL, prefix="sca_bench")
        self.warehouse_url = create_database(ADMIN_URL, prefix="sca_bench")
        home = workdir / "dagster_home"
        home.mkdir(parents=True)
        instance = yaml.safe_load((ROOT / "deploy" / "postgres" / "dagster.yaml").read_text())
        instance["concurrency"]["pools"]["default_limit"] = pool_limit
        (home / "dagster.yaml").write_text(yaml.safe_dump(instance, sort_keys=False))
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("DAGSTER_", "SOUNDCHARTS_"))}
        self.env.update(
            DAGSTER_HOME=str(home),
            DAGSTER_POSTGRES_URL=self.instance_url,
            SOUNDCHARTS_WAREHOUSE_URL=self.warehouse_url,
            SOUNDCHARTS_BASE_URL=emulator_url,
            SOUNDCHARTS_DATA_DIR=str(workdir / "data"),
            SOUNDCHARTS_RATE_LIMIT_PER_MINUTE=str(rate),
            SOUNDCHARTS_EXECUTOR="celery",
            SOUNDCHARTS_CELERY_BROKER_URL=f"amqp://guest:guest@127.0.0.1:5672/{vhost}",
            PYTHONUNBUFFERED="1",
        )
        self.workers: list[subprocess.Popen] = []

    def start_workers(self, count: int, concurrency: int) -> None:
        for index in range(count):
            log = (self.workdir / f"worker-{index}.log").open("wb")
            self.workers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "soundcharts_assets.defs.celery_worker",
                        "-n",
                        f"bench-{index}",
                        "-q",
                        QUEUES,
                        "--loglevel",
                        "WARNING",
                        "--",
                        "-c",
                        str(concurrency),
                    ],
                    cwd=ROOT,
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        from dagster_celery.make_app import make_app

        from soundcharts_assets.defs.celery_executor import celery_app_args
        from soundcharts_assets.defs.celery_settings import celery_settings_from_env

        app = make_app(celery_app_args(celery_settings_from_env(self.env)))
        deadline = time.monotonic() + 120
        while len(app.control.inspect(timeout=1).active_queues() or {}) < count:
            if time.monotonic() > deadline or any(w.poll() is not None for w in self.workers):
                raise RuntimeError(f"the workers did not start; see {self.workdir}/worker-*.log")

    def refresh(self, slugs: list[str], max_runs: int, per_run: int) -> dict[str, Any]:
        """Refresh every chart in runs of ``per_run`` adjacent charts, at most ``max_runs`` at once; wall time
        from the first start to the last end."""
        import dagster as dg

        os.environ["DAGSTER_POSTGRES_URL"] = self.instance_url
        with dg.DagsterInstance.from_config(self.env["DAGSTER_HOME"]) as instance:
            instance.add_dynamic_partitions("charts", slugs)
            # Runs starting together on a fresh instance race to create the pool's row (dagster-io/dagster#33552).
            instance.event_log_storage.initialize_concurrency_limit_to_default("soundcharts_api")
        pending = [" ".join(block) for block in range_blocks(slugs, slugs, max_size=per_run)]
        running: dict[str, subprocess.Popen[bytes]] = {}
        failed: list[str] = []
        started, started_epoch = time.monotonic(), time.time()
        while pending or running:
            while pending and len(running) < max_runs:
                slug = pending.pop(0)
                running[slug] = subprocess.Popen(
                    [sys.executable, "-m", "benchmarks.celery_benchmark", "--run-block", *slug.split()],
                    cwd=ROOT,
                    env=self.env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                )
            for slug, process in list(running.items()):
                if process.poll() is not None:
                    if process.returncode != 0:
                        failed.append(slug)
                    del running[slug]
            time.sleep(0.2)
        wall = round(time.monotonic() - started, 2)
        runs = len(range_blocks(slugs, slugs, max_size=per_run))
        return {"wall_s": wall, "runs": runs, "failed": failed, **self.step_seconds(started_epoch)}

    def step_seconds(self, started_epoch: float) -> dict[str, Any]:
        """Where the time went: the steps' own durations (start to end, on the workers), API steps apart, and
        each step's start and end in seconds from the first run's launch (the head and tail of the wall)."""
        import dagster as dg

        api, other, count = 0.0, 0.0, 0
        timeline: list[dict[str, Any]] = []
        with dg.DagsterInstance.from_config(self.env["DAGSTER_HOME"]) as instance:
            for run in instance.get_runs():
                for stat in instance.get_run_step_stats(run.run_id):
                    if stat.start_time and stat.end_time:
                        duration = stat.end_time - stat.start_time
                        timeline.append(
                            {
                                "step": stat.step_key,
                                "start_s": round(stat.start_time - started_epoch, 1),
                                "end_s": round(stat.end_time - started_epoch, 1),
                            }
                        )
                        count += 1
                        if stat.step_key == "artists":  # the one step of the job without API calls
                            other += duration
                        else:
                            api += duration
        timeline.sort(key=lambda step: step["start_s"])
        return {
            "steps": count,
            "api_step_s_total": round(api, 1),
            "other_step_s_total": round(other, 1),
            "timeline": timeline,
        }

    def close(self) -> None:
        for worker in self.workers:
            try:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(worker.pid, signal.SIGKILL)
        for url in (self.instance_url, self.warehouse_url):
            drop_database(ADMIN_URL, url)


def measure(
    args: argparse.Namespace,
    vhost: str,
    slugs: list[str],
    workers: int,
    concurrency: int,
    rate: int,
    latency_ms: float,
    jitter_ms: float,
) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="celery-bench-") as tmp,
        EmulatorProcess(
            seed=7,
            latency_ms=latency_ms,
            latency_jitter_ms=jitter_ms,
            rate_limit_per_minute=None,
            extra_args=("--charts", str(args.fleet_catalogue)) if args.fleet_catalogue else (),
        ) as emulator,
    ):
        deployment = Deployment(Path(tmp), vhost, emulator.url, rate, args.pool_limit)
        try:
            deployment.start_workers(workers, concurrency)
            if args.cold_emulator:
                emulator.reset_stats()
            else:
                emulator.warm(slugs)
            with PaceSampler(lambda: emulator.stats()["requests_total"]) as pace:
                outcome = deployment.refresh(slugs, args.max_runs, args.charts_per_run)
        finally:
            deployment.close()
        stats = emulator.stats()
    calls = stats["requests_total"]
    burst = max(1, rate // 60)
    at_limit = max(0.0, (calls - burst) / (rate / 60))
    return {
        **outcome,
        "pool_limit": args.pool_limit,
        "workers": workers,
        "concurrency": concurrency,
        "charts": len(slugs),
        "calls": calls,
        "rate_per_minute": rate,
        "calls_over_rate_s": round(at_limit, 2),
        "ratio": round(outcome["wall_s"] / at_limit, 3) if at_limit else None,
        "status": stats["by_status"],
        "metadata_served": stats["metadata_served"],
        "pace": pace.samples,
    }


def main() -> None:
    args = parse_args()
    if args.run_block:
        run_block(args.run_block)
        return
    from soundcharts_assets.emulator.charts import CHARTS, fleet_charts

    charts = fleet_charts(args.fleet_catalogue) if args.fleet_catalogue else CHARTS
    catalogue = [chart.slug for chart in charts]
    broker = RabbitVhost("sca_bench").create()
    vhost = broker.name
    report: dict[str, Any] = {"catalogue_charts": len(catalogue)}
    try:
        if not args.skip_fleet:
            fleet = catalogue[: args.charts]
            report["fleet"] = measure(
                args,
                vhost,
                fleet,
                args.workers,
                args.concurrency,
                args.rate_limit_per_minute,
                args.latency_ms,
                args.latency_jitter_ms,
            )
            print(json.dumps({"fleet": report["fleet"]}), flush=True)
        if args.scaling_charts:
            charts = catalogue[: args.scaling_charts]
            report["scaling"] = [measure(args, vhost, charts, n, 1, 10_000_000, 0.0, 0.0) for n in (1, 2)]
            one, two = (r["wall_s"] for r in report["scaling"])
            report["scaling_speedup"] = round(one / two, 2)
            print(json.dumps({"scaling": report["scaling"], "speedup": report["scaling_speedup"]}), flush=True)
    finally:
        broker.delete()
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""A year of history at 100 charts (issue 22, target 4): what each read costs on a week of history and on a year.

``build`` stores a week and a year of the emulator's own editions and series through the warehouse's writes
(``history_build.py``), once per store, cached under ``--cache``. ``measure`` then runs every step in a fresh
subprocess (its peak memory is that process's ``ru_maxrss``) against each store and size: the insight steps
per chart (movers, growth, momentum, as their assets compute them), the pandas loaders per chart, ``export``
of one chart, the alerts computation over every chart (as the alerts asset's step), and the warehouse size
per chart-year. ``ui`` and ``status`` use a Dagster instance holding the same days of fleet runs.

    .venv/bin/python -m benchmarks.history_benchmark build [--stores sqlite postgres] [--days 7 365]
    .venv/bin/python -m benchmarks.history_benchmark measure [--stores ...] [--sample 20] [--json-out F]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.history_build import TODAY, build, built

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / "data" / "benchmarks" / "history"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["build", "build-instance", "measure", "step"])
    parser.add_argument("--stores", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"])
    parser.add_argument("--days", nargs="+", type=int, default=[7, 365])
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--sample", type=int, default=20, help="charts each per-chart step is timed on")
    parser.add_argument("--steps", nargs="+", default=None, help="only these steps")
    parser.add_argument("--json-out", type=Path)
    parser.add_argument("--ui", action="store_true", help="also `status` and the UI pages (instance of N days)")
    parser.add_argument("--no-steps", action="store_true", help="skip the warehouse steps")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main() -> None:
    args = parse_args()
    if args.command == "build":
        for store in args.stores:
            for days in args.days:
                print(json.dumps(build(store, days, args.cache), indent=2), flush=True)
        return
    if args.command == "build-instance":
        from benchmarks.history_instance import build_instance
        from soundcharts_assets.emulator.charts import fleet_charts

        slugs = [spec.slug for spec in fleet_charts(100)]
        for days in args.days:
            print(json.dumps(build_instance(days, args.cache, slugs), indent=2), flush=True)
        return
    if args.command == "step":
        from benchmarks.history_steps import run_step

        print(json.dumps(run_step(args.step, args.url, args.sample)))
        return
    report = measure(args)
    print(json.dumps(report, indent=2))
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2) + "\n")


def _step(step: str, url: str, sample: int) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.history_benchmark", "step", "--step", step, "--url", url]
    done = subprocess.run(
        [*command, "--sample", str(sample)], capture_output=True, text=True, cwd=REPO, check=False, env=os.environ
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _migrate(url: str) -> float:
    """Bring the cached store to this checkout's schema (new indexes are built here, timed); on PostgreSQL,
    refresh the planner's statistics, as autovacuum does after a bulk load."""
    import sqlalchemy as sa

    from soundcharts_assets.warehouse import Warehouse

    started = time.perf_counter()
    with Warehouse(url) as wh:
        wh.migrate()
        if not url.startswith("sqlite"):
            with wh.engine.connect() as conn:
                conn.execute(sa.text("ANALYZE"))
                conn.commit()
    return round(time.perf_counter() - started, 1)


def _size_mb(store: str, url: str) -> float:
    import sqlalchemy as sa

    if store == "sqlite":  # pages in use: a dropped index leaves free pages in the file
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
            free = conn.exec_driver_sql("PRAGMA freelist_count").scalar_one()
            size = (pages - free) * conn.exec_driver_sql("PRAGMA page_size").scalar_one()
        engine.dispose()
        return round(size / 2**20, 1)

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        size = conn.execute(sa.text("SELECT pg_database_size(current_database())")).scalar_one()
    engine.dispose()
    return round(size / 2**20, 1)


def _status_and_ui(args: argparse.Namespace, store: str, days: int, url: str) -> dict[str, Any]:
    from benchmarks.history_instance import build_instance
    from benchmarks.history_ui import make_env, time_status, time_ui_pages
    from soundcharts_assets.emulator.charts import fleet_charts

    build_instance(days, args.cache, [spec.slug for spec in fleet_charts(100)])
    env = make_env(days, args.cache, url)
    found: dict[str, Any] = {"status": time_status(env)}
    print(f"{store} {days}d status: {found['status']}", file=sys.stderr, flush=True)
    if store == args.stores[0]:  # the UI reads the instance only: once per size
        found["ui"] = time_ui_pages(env, args.cache / f"logs-{days}d")
        print(f"{store} {days}d ui: {found['ui']}", file=sys.stderr, flush=True)
    return found


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from benchmarks.history_steps import STEPS

    report: dict[str, Any] = {"today": TODAY.isoformat(), "load": os.getloadavg(), "stores": {}}
    for store in args.stores:
        for days in args.days:
            found = built(store, days, args.cache) or build(store, days, args.cache)
            url = found["url"]
            migrated = _migrate(url)
            size = _size_mb(store, url)
            entry: dict[str, Any] = {
                "rows": found["rows"],
                "size_mb": size,
                "migrate_seconds": migrated,
                "size_mb_per_chart_year": round(size / found["charts"] * 365 / days, 2),
                "steps": {},
            }
            if args.ui:
                entry.update(_status_and_ui(args, store, days, url))
            for step in [] if args.no_steps else args.steps or STEPS:
                started = time.perf_counter()
                entry["steps"][step] = _step(step, url, args.sample)
                print(f"{store} {days}d {step}: {entry['steps'][step]} ({time.perf_counter() - started:.0f} s)",
                      file=sys.stderr, flush=True)  # fmt: skip
            report["stores"][f"{store} {days}d"] = entry
    report["children_maxrss_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    return report


if __name__ == "__main__":
    main()

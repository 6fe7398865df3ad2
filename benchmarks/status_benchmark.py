"""`soundcharts-assets status --json` at 100 charts (issue 22, target 3: <= 2 s), on a SQLite and a PostgreSQL
instance, without building a year of warehouse history first.

Per store: a warehouse (a SQLite file, or a PostgreSQL database ``status_warehouse``) with the fleet
catalogue's first 100 charts registered and their editions of the last two days (``history_build.py``'s own
writes); an instance holding ``--days`` days of daily 100-chart fleet runs (``history_instance.py``: a fleet
run and an alerts run a day); both cached under ``--cache`` with a ``.built`` marker. Then ``status --json`` is
run as typed, ``--repeats`` times in its own process (``history_ui.time_status``: best and worst wall time, the
child's peak RSS), with the API at a closed port, so what is timed is the command's start-up, the instance and
the warehouse. The load average is recorded before and after: the machine is shared.

    .venv/bin/python -m benchmarks.status_benchmark [--stores sqlite postgres] [--days 3] [--repeats 5]
        [--package-from DIR]
"""

from __future__ import annotations

import argparse
import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from benchmarks.history_build import PG_SERVER, TODAY, _write_rankings
from benchmarks.history_instance import REPO, build_instance
from benchmarks.history_ui import make_env, time_status

CACHE = REPO / "data" / "benchmarks" / "status"
CHARTS = 100
EDITION_DAYS = 2
"""Editions stored per chart: `status` reads each chart's latest one, so more history only slows the build."""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"])
    parser.add_argument("--days", type=int, default=3, help="days of daily fleet runs in the instance")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--json-out", type=Path)
    parser.add_argument(
        "--package-from",
        type=Path,
        help="run the package found here instead (a baseline: `git archive REV soundcharts_assets`)",
    )
    return parser.parse_args()


def warehouse_url(store: str, cache: Path) -> str:
    return f"sqlite:///{cache / 'warehouse.sqlite'}" if store == "sqlite" else f"{PG_SERVER}/status_warehouse"


def build_warehouse(store: str, cache: Path, slugs: list[str]) -> str:
    """The 100 charts registered (daily) with their last editions, once per store; returns its URL."""
    from soundcharts_assets.emulator.catalogue import Catalogue
    from soundcharts_assets.warehouse import Warehouse
    from tests.support.databases import create_database

    url, marker = warehouse_url(store, cache), cache / f"warehouse-{store}.built"
    if marker.exists():
        return url
    if store == "sqlite":
        cache.joinpath("warehouse.sqlite").unlink(missing_ok=True)
    else:
        create_database(f"{PG_SERVER}/postgres", name="status_warehouse")
    catalogue = Catalogue(seed=7, today=TODAY, charts=CHARTS, ranking_editions=EDITION_DAYS + 2)
    since = datetime.combine(TODAY - timedelta(days=EDITION_DAYS), datetime.min.time(), timezone.utc)
    with Warehouse(url) as wh:
        wh.migrate()
        for slug in slugs:
            wh.register_chart(slug, "daily")
        _write_rankings(wh, catalogue, slugs, since)
    marker.write_text(url + "\n")
    return url


def main() -> None:
    from soundcharts_assets.emulator.charts import fleet_charts

    args = parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    slugs = [spec.slug for spec in fleet_charts(CHARTS)]
    report: dict[str, Any] = {"charts": CHARTS, "days": args.days, "repeats": args.repeats, "stores": {}}
    for store in args.stores:
        url = build_warehouse(store, args.cache, slugs)
        build_instance(args.days, args.cache, slugs, store=store)
        env = make_env(args.days, args.cache, url, store)
        if args.package_from:  # ahead of the editable install's finder on sys.path
            env["PYTHONPATH"] = str(args.package_from.resolve())
        before = os.getloadavg()
        found = time_status(env, args.repeats)
        found["load_before"], found["load_after"] = (
            [round(x, 2) for x in before],
            [round(x, 2) for x in os.getloadavg()],
        )
        report["stores"][store] = found
        print(f"{store}: {json.dumps(found)}", flush=True)
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

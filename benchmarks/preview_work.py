"""The work of the audience previews (``load_*_audience(last=15)``) on a SQLite store, in SQLite VM instructions.

The machine is shared and a 10 ms read varies by 10x with the load; the number of virtual-machine
instructions SQLite runs for a read does not. Counted in thousands (a progress handler every 1,000), over the
charts ``history_benchmark`` samples, with the best and median wall time beside them.

    .venv/bin/python -m benchmarks.preview_work sqlite:///data/benchmarks/history/warehouse-90d.sqlite
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from typing import Any

import sqlalchemy as sa

from soundcharts_assets.warehouse import Warehouse, loaders

SELECTS = {
    "load_track_audience_preview": loaders.track_audience_select,
    "load_artist_audience_preview": loaders.artist_audience_select,
}


def _work(engine: sa.Engine, stmt: sa.Select[Any]) -> tuple[int, float]:
    ticks = [0]

    def tick() -> int:
        ticks[0] += 1
        return 0

    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        raw.set_progress_handler(tick, 1000)
        started = time.perf_counter()
        conn.execute(stmt).all()
        seconds = time.perf_counter() - started
        raw.set_progress_handler(None, 0)
    return ticks[0], seconds


def main(url: str, sample: int = 10) -> dict[str, Any]:
    with Warehouse(url) as wh:
        slugs = [row.slug for row in wh.list_charts()]
    chosen = slugs[:: max(1, len(slugs) // sample)][:sample]
    engine = sa.create_engine(url)
    report: dict[str, Any] = {}
    for name, select in SELECTS.items():
        work, times = [], []
        for slug in chosen:
            stmt, order = select(slug)
            counted, seconds = _work(engine, stmt.order_by(*(column.desc() for column in order)).limit(15))
            work.append(counted)
            times.append(seconds)
        report[name] = {
            "kilo_vm_steps_median": statistics.median(work),
            "kilo_vm_steps_max": max(work),
            "best_ms": round(min(times) * 1000, 1),
            "median_ms": round(statistics.median(times) * 1000, 1),
        }
    engine.dispose()
    return report


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))

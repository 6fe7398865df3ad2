"""The steps ``history_benchmark measure`` times, each run alone in a fresh process (``history_benchmark step``).

A per-chart step is timed chart by chart over ``sample`` charts spread over the fleet (one untimed call first,
so the connection and the imports are not billed to the first chart); a fleet step (alerts) once over every
chart. Each returns its timings and the process's peak RSS (VmHWM: imports, data and all).
"""

from __future__ import annotations

import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from soundcharts_assets.warehouse import Warehouse

PerChart = Callable[[Warehouse, str], Any]


def _insight(name: str) -> PerChart:
    def run(wh: Warehouse, slug: str) -> Any:
        from soundcharts_assets.insight import reads

        return getattr(reads, name)(wh, slug)

    return run


def _loader(name: str, **kwargs: Any) -> PerChart:
    def run(wh: Warehouse, slug: str) -> Any:
        from soundcharts_assets.warehouse import loaders

        if name.startswith("load_edition_") and "since" in kwargs:
            latest = wh.latest_ranking_date(slug)
            assert latest is not None
            kwargs_now = {**kwargs, "since": (latest - timedelta(days=kwargs["since"])).date()}
            return getattr(loaders, name)(wh, slug, **kwargs_now)
        return getattr(loaders, name)(wh, slug, **kwargs)

    return run


def _export(wh: Warehouse, slug: str) -> Any:
    from soundcharts_assets.cli.export import export_chart

    with tempfile.TemporaryDirectory() as folder:
        return export_chart(wh, slug, "parquet", Path(folder))


PER_CHART: dict[str, PerChart] = {
    "chart_movers": _insight("movers_for_chart"),
    "artist_growth": _insight("growth_for_chart"),
    "track_momentum": _insight("momentum_for_chart"),
    "load_chart": _loader("load_chart"),
    "load_latest_editions": _loader("load_latest_editions"),
    "load_first_ranked": _loader("load_first_ranked"),
    "load_edition_artists": _loader("load_edition_artists"),
    "load_edition_track_audience": _loader("load_edition_track_audience", since=60),
    "load_edition_artist_audience": _loader(
        "load_edition_artist_audience", since=60, metrics=("followers", "monthly_listeners")
    ),
    "load_track_audience_preview": _loader("load_track_audience", last=15),
    "load_artist_audience_preview": _loader("load_artist_audience", last=15),
    "load_tracks": _loader("load_tracks"),
    "load_artists": _loader("load_artists"),
    "load_ranking_history": _loader("load_ranking_history"),
    "load_track_audience": _loader("load_track_audience"),
    "load_artist_audience": _loader("load_artist_audience"),
    "export": _export,
}
WHOLE_HISTORY = {"load_ranking_history", "load_track_audience", "load_artist_audience", "export"}
"""Loaders whose contract is a chart's whole stored history (an analyst's export): they must grow with it."""


def _alerts(wh: Warehouse, slugs: list[str]) -> Any:
    from benchmarks.history_build import TODAY
    from soundcharts_assets.alerts.detect import detect_events
    from soundcharts_assets.settings import AlertSettings

    return detect_events(wh, slugs, AlertSettings(), TODAY)


STEPS: tuple[str, ...] = (*PER_CHART, "alerts")


def _peak_mb() -> float:
    """This process's peak RSS: VmHWM, which starts afresh at exec (``ru_maxrss`` keeps the forking parent's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_step(step: str, url: str, sample: int) -> dict[str, Any]:
    with Warehouse(url) as wh:
        slugs = [row.slug for row in wh.list_charts()]
        if step == "alerts":
            started = time.perf_counter()
            _alerts(wh, slugs)
            return {"seconds": round(time.perf_counter() - started, 2), "peak_mb": _peak_mb()}
        run = PER_CHART[step]
        chosen = slugs[:: max(1, len(slugs) // sample)][:sample]
        run(wh, slugs[-1])  # imports and the connection, not billed to a chart
        times = []
        for slug in chosen:
            started = time.perf_counter()
            run(wh, slug)
            times.append(time.perf_counter() - started)
    return {
        "median_ms": round(statistics.median(times) * 1000, 1),
        "max_ms": round(max(times) * 1000, 1),
        "charts": len(times),
        "peak_mb": _peak_mb(),
    }

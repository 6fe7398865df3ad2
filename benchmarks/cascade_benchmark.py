"""Benchmark the chart cascade against the emulator: cold, warm, 20 overlapping charts, and a naive baseline.

The emulator runs in its own process (``emulator_process.py``), as the API runs on other machines.
``python -m benchmarks.cascade_benchmark`` (``make benchmark``). The cold and warm runs go through the real
Dagster path (``run_cascade``: the multiprocess executor, a temporary DAGSTER_HOME, a temporary SQLite
warehouse); the overlapping charts call the cascade functions in this process through the same resource
(20 Dagster runs would measure process start-up 20 times). Results are printed as JSON and as a table.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.baseline import baseline_calls, run_baseline
from benchmarks.emulator_process import EmulatorProcess
from benchmarks.measure import ChildMemorySampler, children_maxrss_mb, step_timings, summarise_steps

MEMORY_LIMIT_MB = 300
AUDIENCE_ROUTES = {
    "/api/v2/song/{uuid}/audience/{platform}": ("song", 3),
    "/api/v2/song/{uuid}/broadcast-groups": ("song", 1),
    "/api/v2/artist/{uuid}/audience/{platform}": ("artist", 4),
    "/api/v2/artist/{uuid}/streaming/{platform}/listening": ("artist", 1),
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slug", default="global-28", help="the 200-song chart of the cold and warm runs")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--latency-jitter-ms", type=float, default=10.0)
    parser.add_argument("--rate-limit-per-minute", type=int, default=6000)
    parser.add_argument("--overlap-charts", type=int, default=20, help="0 skips the overlapping charts")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument(
        "--strict-baseline",
        action="store_true",
        help="also run the baseline with reuse of songs and artists within the chart",
    )
    parser.add_argument("--json-out", type=Path, help="also write the JSON report here")
    return parser.parse_args()


def point_environment(workdir: Path, emulator_url: str, rate: int) -> None:
    """Everything the run and its step processes read: the emulator, a fresh warehouse and instance."""
    for name in (
        "SOUNDCHARTS_CLIENT_ID",
        "SOUNDCHARTS_CLIENT_SECRET",
        "SOUNDCHARTS_TEAM_ID",
        "SOUNDCHARTS_QUOTA_FLOOR",
        "SOUNDCHARTS_MAX_IN_FLIGHT",
    ):
        os.environ.pop(name, None)
    os.environ.update(
        SOUNDCHARTS_BASE_URL=emulator_url,
        SOUNDCHARTS_APP_ID="soundcharts",
        SOUNDCHARTS_API_KEY="soundcharts",
        SOUNDCHARTS_DATA_DIR=str(workdir / "data"),
        DAGSTER_HOME=str(workdir / "dagster_home"),
        SOUNDCHARTS_WAREHOUSE_URL=f"sqlite:///{workdir / 'warehouse.sqlite'}",
        SOUNDCHARTS_RATE_LIMIT_PER_MINUTE=str(rate),
    )


def lower_bound(calls: int, ranking_pages: int, rate: int, latency_ms: float) -> dict[str, float]:
    """max(calls at the rate limit, the chain of dependent calls at the mean latency).

    The chain: every ranking page (each link comes from the previous page), one song batch (its credits name
    the artists), one artist batch, one artist audience window.
    """
    by_rate = calls * 60.0 / rate
    by_chain = (ranking_pages + 3) * latency_ms / 1000.0
    return {
        "by_rate_s": round(by_rate, 2),
        "by_critical_path_s": round(by_chain, 2),
        "lower_bound_s": round(max(by_rate, by_chain), 2),
    }


def dagster_run(server: Any, slug: str, rate: int, latency_ms: float) -> dict[str, Any]:
    from soundcharts_assets.cli.launch import run_cascade

    server.reset_stats()
    gc_before = children_maxrss_mb()
    with ChildMemorySampler(exclude=server.pid) as sampler:
        started, launched_at = time.monotonic(), time.time()
        success, run_id, failure = run_cascade([slug])
        wall = time.monotonic() - started
    stats = server.stats()
    calls = stats["requests_total"]
    pages = stats["by_route"].get("/api/v2.14/chart/song/{slug}/ranking/latest", 0)
    bound = lower_bound(calls, pages, rate, latency_ms)
    timings = step_timings(run_id, launched_at)
    return {
        "success": success,
        "failure": failure,
        "run_id": run_id,
        "wall_s": round(wall, 2),
        "calls": calls,
        "calls_by_route": stats["by_route"],
        "calls_by_status": stats["by_status"],
        "max_concurrent": stats["max_concurrent"],
        **bound,
        "ratio_to_lower_bound": round(wall / bound["lower_bound_s"], 2) if bound["lower_bound_s"] else None,
        "peak_step_rss_mb": sampler.peak_mb,
        "children_maxrss_mb": max(gc_before, children_maxrss_mb()),
        "steps": timings,
        **summarise_steps(timings),
    }


def overlapping_charts(server: Any, count: int, rate: int, workdir: Path) -> dict[str, Any]:
    """``count`` charts into a fresh warehouse, one after the other, sharing tracks and artists."""
    from soundcharts_assets import cascade
    from soundcharts_assets.defs.resources import SoundchartsResource
    from soundcharts_assets.emulator.charts import CHARTS
    from soundcharts_assets.settings import freshness_from_env
    from soundcharts_assets.warehouse import Warehouse

    slugs = [chart.slug for chart in CHARTS][:count]
    # A token bucket allows burst + rate x 60 s in any minute; the API counts a sliding 60 s window, so a
    # run longer than a minute paces at (rate - burst) to never meet a 429.
    os.environ["SOUNDCHARTS_RATE_LIMIT_PER_MINUTE"] = str(rate - math.ceil(rate / 60))
    os.environ["SOUNDCHARTS_WAREHOUSE_URL"] = f"sqlite:///{workdir / 'overlap.sqlite'}"
    wh = Warehouse.from_env()
    wh.migrate()
    freshness = freshness_from_env()
    server.reset_stats()
    started = time.monotonic()
    per_chart_baseline = 0
    songs: set[str] = set()
    artists: set[str] = set()
    with SoundchartsResource().open_client() as client:
        for slug in slugs:
            before = server.stats()["requests_total"]
            pages = cascade.refresh_rankings(client, wh, [slug])[slug].api_calls
            cascade.refresh_tracks(client, wh, [slug], freshness)
            cascade.link_artists(wh, [slug])
            cascade.refresh_artist_metadata(client, wh, [slug], freshness)
            cascade.refresh_track_audience(client, wh, [slug], freshness)
            cascade.refresh_artist_audience(client, wh, [slug], freshness)
            chart_songs, chart_artists = set(wh.ranking_song_uuids(slug)), set(wh.chart_artist_uuids(slug))
            credits = sum(len(refs) for refs in wh.credited_artists(chart_songs).values())
            per_chart_baseline += baseline_calls(pages, len(chart_songs), credits)
            songs |= chart_songs
            artists |= chart_artists
            print(f"  overlap {slug}: {server.stats()['requests_total'] - before} calls", flush=True)
    wall = time.monotonic() - started
    stats = server.stats()
    unique = {"song": len(songs), "artist": len(artists)}
    twice = {
        route: {"calls": stats["by_route"].get(route, 0), "unique_pairs": unique[entity] * sources}
        for route, (entity, sources) in AUDIENCE_ROUTES.items()
    }
    batches = {
        "song": sum(n for r, n in stats["by_route"].items() if r.startswith("/api/v2.25/song/")),
        "artist": sum(n for r, n in stats["by_route"].items() if r.startswith("/api/v2.9/artist/")),
    }
    counts = wh.table_counts()
    wh.dispose()
    served = stats["metadata_served"]  # songs and artists the emulator's metadata answers carried
    fetched_twice = (
        any(v["calls"] != v["unique_pairs"] for v in twice.values())
        or any(served[e]["total"] != served[e]["distinct"] for e in served)
        or counts["tracks"] != len(songs)
    )
    return {
        "charts": len(slugs),
        "wall_s": round(wall, 2),
        "calls": stats["requests_total"],
        "unique_songs": len(songs),
        "unique_artists": len(artists),
        "unique_entities": len(songs) + len(artists),
        "calls_by_route": stats["by_route"],
        "calls_by_status": stats["by_status"],
        "audience_calls_vs_unique_pairs": twice,
        "batch_calls": batches,
        "metadata_served": served,
        "baseline_calls_without_reuse": per_chart_baseline,
        "calls_saved_vs_baseline": round(1 - stats["requests_total"] / per_chart_baseline, 3),
        "any_entity_fetched_twice": fetched_twice,
    }


def baseline_report(server: Any, slug: str, reuse: bool, cold: dict[str, Any]) -> dict[str, Any]:
    """The seed-style baseline on the same emulator, and how the cold cascade compares with it."""
    server.reset_stats()
    base = run_baseline(server.url, slug, reuse=reuse)
    return {
        "reuse_within_chart": reuse,
        "calls": base.calls,
        "wall_s": round(base.seconds, 2),
        "songs_fetched": base.songs,
        "artists_fetched": base.artists,
        "calls_by_status": server.stats()["by_status"],
        "speedup": round(base.seconds / cold["wall_s"], 2),
        "calls_saved": round(1 - cold["calls"] / base.calls, 3),
    }


def targets(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    cold, warm, base = report["cold"], report["warm"], report.get("baseline")
    found: dict[str, dict[str, Any]] = {
        "cold wall <= 1.2 x lower bound": {
            "value": cold["ratio_to_lower_bound"],
            "met": cold["ratio_to_lower_bound"] <= 1.2,
        },
        "warm calls <= 2% of cold": {
            "value": round(warm["calls"] / cold["calls"], 4),
            "met": warm["calls"] <= 0.02 * cold["calls"],
        },
        "peak memory <= 300 MB per process": {
            "value": max(cold["peak_step_rss_mb"], warm["peak_step_rss_mb"]),
            "met": max(cold["peak_step_rss_mb"], warm["peak_step_rss_mb"]) <= MEMORY_LIMIT_MB,
        },
    }
    if base:
        found[">= 3x faster than baseline"] = {"value": base["speedup"], "met": base["speedup"] >= 3}
        found[">= 20% fewer calls than baseline"] = {"value": base["calls_saved"], "met": base["calls_saved"] >= 0.2}
    if "overlap" in report:
        ov = report["overlap"]
        found["overlap: every entity fetched once"] = {
            "value": not ov["any_entity_fetched_twice"],
            "met": not ov["any_entity_fetched_twice"],
        }
    return found


def print_table(report: dict[str, Any]) -> None:
    columns = [k for k in ("cold", "warm") if k in report]
    runs = [report[k] for k in columns]
    figures = [
        ("wall s", "wall_s"),
        ("calls", "calls"),
        ("lower bound s", "lower_bound_s"),
        ("ratio to bound", "ratio_to_lower_bound"),
        ("step start-up s (sum)", "step_startup_s_total"),
        ("step work s (sum)", "step_work_s_total"),
        ("peak step RSS MB", "peak_step_rss_mb"),
    ]
    rows = [("", *columns), *((name, *(run[key] for run in runs)) for name, key in figures)]
    for route in sorted({r for run in runs for r in run["calls_by_route"]}):
        rows.append((route, *(run["calls_by_route"].get(route, 0) for run in runs)))
    width = max(len(str(r[0])) for r in rows)
    print()
    for name, *values in rows:
        print(f"{name:<{width}}" + "".join(f"  {v!s:>10}" for v in values))
    for key in ("baseline", "baseline_strict"):
        if report.get(key):
            base = report[key]
            print(
                f"\n{key}: {base['calls']} calls in {base['wall_s']} s ({base['songs_fetched']} song and "
                f"{base['artists_fetched']} artist fetches) -> ours {base['speedup']}x faster, "
                f"{base['calls_saved']:.1%} fewer calls"
            )
    if report.get("overlap"):
        ov = report["overlap"]
        print(
            f"overlap: {ov['charts']} charts, {ov['calls']} calls for {ov['unique_entities']} unique entities "
            f"(baseline without reuse {ov['baseline_calls_without_reuse']}), fetched twice: "
            f"{ov['any_entity_fetched_twice']}"
        )
    print()
    for name, target in report["targets"].items():
        print(f"{'MET    ' if target['met'] else 'NOT MET'}  {name}: {target['value']}")


def main() -> None:
    args = parse_args()
    from soundcharts_assets.cli.registry import register_chart

    emulator = EmulatorProcess(
        seed=7,
        latency_ms=args.latency_ms,
        latency_jitter_ms=args.latency_jitter_ms,
        rate_limit_per_minute=args.rate_limit_per_minute,
    )
    report: dict[str, Any] = {"settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}}
    with tempfile.TemporaryDirectory(prefix="sca-bench-") as tmp, emulator as server:
        workdir = Path(tmp)
        point_environment(workdir, server.url, args.rate_limit_per_minute)
        register_chart(args.slug, "none")
        print(f"cold run of {args.slug} ...", flush=True)
        report["cold"] = dagster_run(server, args.slug, args.rate_limit_per_minute, args.latency_ms)
        print("warm run ...", flush=True)
        report["warm"] = dagster_run(server, args.slug, args.rate_limit_per_minute, args.latency_ms)
        if not args.skip_baseline:
            variants = {"baseline": False, **({"baseline_strict": True} if args.strict_baseline else {})}
            for key, reuse in variants.items():
                print(f"{key} ...", flush=True)
                report[key] = baseline_report(server, args.slug, reuse, report["cold"])
        if args.overlap_charts:
            print(f"{args.overlap_charts} overlapping charts ...", flush=True)
            report["overlap"] = overlapping_charts(server, args.overlap_charts, args.rate_limit_per_minute, workdir)
    report["targets"] = targets(report)
    print(json.dumps(report, indent=2))
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2) + "\n")
    print_table(report)


if __name__ == "__main__":
    main()

"""Estimates against spend (issue 21): what `cascade --dry-run` says a chart costs, then what its run spends.

    .venv/bin/python -m benchmarks.estimate_benchmark [--days 1 2 7] [--json-out F]

On demand, never in `make test`. The emulator runs in its own process with the fleet catalogue (``--charts
120``: small social accounts crawled every 3 to 15 days, local hits shared by the charts of a market), its
clock at ``START``; the cascade's step functions run in this process (what one run of ``chart_cascade`` runs,
without Dagster around it: the calls are the same). Charts are registered with what ``charts add`` learns
(name, platform, size). Phases:

* **cold**: each chart's first fetch, nothing stored (a fresh warehouse per chart);
* **added**: the charts' first fetches one after the other into one warehouse, each estimated just before its
  run: the estimate knows the songs and artists already stored, not which of them the chart ranks (its
  ranking is not fetched yet);
* **refresh +N**: the emulator's clock and ``SOUNDCHARTS_TODAY`` move to day N (new editions, new points,
  series whose next crawl came), every chart estimated together as ``cascade --all --dry-run`` does, then
  refreshed as one fleet run (shared entities are charged to the first chart that has them, as the estimate
  assumes).

Per chart: calls billed (2xx answers: what the quota is charged) and calls sent (every request) as estimated
and as measured (the step reports; their sum is compared with the emulator's counters). Target: within
±10 % per chart. Results: docs/benchmarks.md ("Estimates against spend").
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from benchmarks.emulator_process import EmulatorProcess

CHARTS = [
    "global-28",
    "top-200-fr",
    "top-100-global",
    "shazam-top-50-fr",
    "shazam-top-200-world",
    "airplay-fr",
    "airplay-us",
    "youtube-top-100-global",
    "deezer-top-50-de",
    "deezer-top-100-fr",
    "top-200-kr",
    "top-200-es",
]
"""Every platform, sizes 50 to 200, daily and weekly, default and fleet-only charts of the fleet catalogue."""
START = date(2026, 12, 1)
NOON = 12
FLEET_CATALOGUE = 120
TARGET = 0.10
SMALL_CALLS = 10
"""Below 100 calls, ±10 % is less than one call's noise: such charts are also judged within ±10 calls."""
DETAIL = bool(os.environ.get("ESTIMATE_BENCHMARK_DETAIL"))
"""Set: print each chart's calls billed per asset, estimated/measured, under its line."""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--charts", nargs="+", default=CHARTS, help="fleet catalogue slugs")
    parser.add_argument("--days", type=int, nargs="+", default=[1, 2, 7], help="refresh days after START")
    parser.add_argument("--phases", default="cold,added,refresh", help="which phases, comma-separated")
    parser.add_argument("--json-out", type=Path)
    return parser.parse_args()


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, NOON, tzinfo=timezone.utc)


def register(client: Any, wh: Any, slugs: list[str]) -> None:
    """What `charts add` stores: the chart as the API describes it (here from the platform listings)."""
    wanted = set(slugs)
    for platform in client.list_song_chart_platforms():
        for chart in client.list_song_charts(platform):
            if chart.slug in wanted:
                wh.upsert_chart(chart, "daily" if chart.frequency == "daily" else "weekly")


ASSETS = ("chart_rankings", "tracks", "artists", "artist_metadata", "track_audience", "artist_audience")


def estimate(wh: Any, slugs: list[str], now: datetime) -> dict[str, dict[str, Any]]:
    """`cascade --dry-run` for these charts together (each shared entity counted for the first chart)."""
    from soundcharts_assets.cascade.cost import estimate_charts
    from soundcharts_assets.settings import freshness_from_env

    return {
        slug: {"sent": found.total_sent, "billed": found.total_billed, "by_asset": dict(found.billed)}
        for slug, found in estimate_charts(wh, slugs, freshness_from_env(), now).items()
    }


def run(client: Any, wh: Any, slugs: list[str], now: datetime) -> dict[str, dict[str, Any]]:
    """One cascade over ``slugs`` (what a fleet run's steps do), and each chart's calls as charged."""
    from soundcharts_assets import cascade
    from soundcharts_assets.settings import freshness_from_env

    freshness = freshness_from_env()
    steps = dict(
        zip(
            ASSETS,
            [
                cascade.refresh_rankings(client, wh, slugs),
                cascade.refresh_tracks(client, wh, slugs, freshness, now=now),
                cascade.link_artists(wh, slugs),
                cascade.refresh_artist_metadata(client, wh, slugs, freshness, now=now),
                cascade.refresh_track_audience(client, wh, slugs, freshness, now=now),
                cascade.refresh_artist_audience(client, wh, slugs, freshness, now=now),
            ],
        )
    )
    return {
        slug: {
            "sent": sum(step[slug].api_calls for step in steps.values()),
            "billed": sum(step[slug].billed_calls for step in steps.values()),
            "by_asset": {asset: step[slug].billed_calls for asset, step in steps.items()},
        }
        for slug in slugs
    }


def compare(phase: str, estimated: dict[str, dict[str, int]], measured: dict[str, dict[str, int]]) -> dict[str, Any]:
    rows = []
    for slug, spent in measured.items():
        guess = estimated[slug]
        row: dict[str, Any] = {
            "chart": slug,
            "billed_by_asset": {"estimated": guess["by_asset"], "measured": spent["by_asset"]},
        }
        for figure in ("billed", "sent"):
            row[f"estimated_{figure}"], row[f"measured_{figure}"] = guess[figure], spent[figure]
            row[f"error_{figure}"] = (
                round((guess[figure] - spent[figure]) / spent[figure], 4) if spent[figure] else None
            )
        rows.append(row)
        print(
            f"  {phase:<12} {slug:<24} billed {guess['billed']:>6} est / {spent['billed']:>6} run "
            f"({_pct(row['error_billed'])});  sent {guess['sent']:>6} / {spent['sent']:>6} ({_pct(row['error_sent'])})",
            flush=True,
        )
        if DETAIL:
            print("      " + "  ".join(f"{a}:{guess['by_asset'][a]}/{spent['by_asset'][a]}" for a in ASSETS))
    summary: dict[str, Any] = {"phase": phase, "charts": len(rows)}
    for figure in ("billed", "sent"):
        errors = [abs(r[f"error_{figure}"]) for r in rows if r[f"error_{figure}"] is not None]
        estimated, spent = sum(r[f"estimated_{figure}"] for r in rows), sum(r[f"measured_{figure}"] for r in rows)
        summary[figure] = {
            "estimated": estimated,
            "measured": spent,
            "error_of_total": round((estimated - spent) / spent, 4) if spent else None,
            "median_abs_error": round(statistics.median(errors), 4) if errors else None,
            "within_target": sum(e <= TARGET for e in errors),
            "within_target_or_calls": sum(
                abs(r[f"estimated_{figure}"] - r[f"measured_{figure}"])
                <= max(SMALL_CALLS, TARGET * r[f"measured_{figure}"])
                for r in rows
            ),
            "at_least_measured": sum(r[f"estimated_{figure}"] >= r[f"measured_{figure}"] for r in rows),
        }
    summary["rows"] = rows
    billed = summary["billed"]
    print(
        f"  {phase}: calls billed {billed['estimated']} estimated, {billed['measured']} measured "
        f"({_pct(billed['error_of_total'])}); {billed['within_target']}/{len(rows)} charts within ±{TARGET:.0%}, "
        f"{billed['within_target_or_calls']}/{len(rows)} within ±{TARGET:.0%} or {SMALL_CALLS} calls; median "
        f"error ±{billed['median_abs_error']:.1%}; sent {_pct(summary['sent']['error_of_total'])} in all",
        flush=True,
    )
    return summary


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1%}"


def checked_run(emulator: EmulatorProcess, client: Any, wh: Any, slugs: list[str], now: datetime) -> dict[str, Any]:
    """:func:`run`, checking that the charges add up to what the emulator counted."""
    before = emulator.stats()
    measured = run(client, wh, slugs, now)
    after = emulator.stats()
    sent = after["requests_total"] - before["requests_total"]
    billed = after["used_this_month"] - before["used_this_month"]
    charged = (sum(m["sent"] for m in measured.values()), sum(m["billed"] for m in measured.values()))
    if charged != (sent, billed):  # e.g. a connection dropped after the emulator answered (and billed) 2xx
        print(f"  note: the steps charged {charged} (sent, billed), the emulator counted {(sent, billed)}")
    return measured


def main() -> None:
    args = parse_args()
    from soundcharts_assets import clock
    from soundcharts_assets.settings import api_settings_from_env
    from soundcharts_assets.soundcharts.client import SoundchartsClient
    from soundcharts_assets.warehouse import Warehouse

    for key in [k for k in os.environ if k.startswith("SOUNDCHARTS_")]:
        os.environ.pop(key)
    os.environ.update(SOUNDCHARTS_TODAY=START.isoformat(), SOUNDCHARTS_RATE_LIMIT_PER_MINUTE="1000000")
    clock.reset()
    phases = set(args.phases.split(","))
    report: dict[str, Any] = {"charts": args.charts, "start": START.isoformat(), "phases": []}
    started = time.monotonic()
    extra = ["--charts", str(FLEET_CATALOGUE), "--today", START.isoformat()]
    emulator = EmulatorProcess(seed=7, latency_ms=0, latency_jitter_ms=0, rate_limit_per_minute=None, extra_args=extra)
    with emulator, tempfile.TemporaryDirectory(prefix="estimate-benchmark-") as tmp:
        os.environ["SOUNDCHARTS_BASE_URL"] = emulator.url
        emulator.warm(args.charts)
        with SoundchartsClient(api_settings_from_env()) as client:
            if "cold" in phases:
                estimated, measured = {}, {}
                for slug in args.charts:
                    with Warehouse(f"sqlite:///{Path(tmp) / f'cold-{slug}.sqlite'}") as wh:
                        wh.migrate()
                        register(client, wh, [slug])
                        estimated.update(estimate(wh, [slug], noon(START)))
                        measured.update(checked_run(emulator, client, wh, [slug], noon(START)))
                report["phases"].append(compare("cold", estimated, measured))
            if "added" in phases or "refresh" in phases:
                with Warehouse(f"sqlite:///{Path(tmp) / 'fleet.sqlite'}") as wh:
                    wh.migrate()
                    register(client, wh, args.charts)
                    estimated, measured = {}, {}
                    for slug in args.charts:
                        estimated.update(estimate(wh, [slug], noon(START)))
                        measured.update(checked_run(emulator, client, wh, [slug], noon(START)))
                    if "added" in phases:
                        report["phases"].append(compare("added", estimated, measured))
                    if "refresh" in phases:
                        for offset in args.days:
                            day = START + timedelta(days=offset)
                            emulator.set_today(day.isoformat())
                            os.environ["SOUNDCHARTS_TODAY"] = day.isoformat()
                            clock.reset()  # the clock reads it once per process
                            estimated = estimate(wh, args.charts, noon(day))
                            measured = checked_run(emulator, client, wh, args.charts, noon(day))
                            report["phases"].append(compare(f"refresh +{offset}", estimated, measured))
    report["wall_s"] = round(time.monotonic() - started, 1)
    print(f"done in {report['wall_s']} s")
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

"""Quota: a simulated month (issue 13). Daily refreshes of a 10-chart fleet, a day at a time, three policies.

The emulator runs in its own process (``emulator_process.py``) with its clock at the month's first day; each
simulated day moves its clock (``POST /__emulator/clock``) and ``SOUNDCHARTS_TODAY`` together, then runs the
cascade's step functions for every chart at noon of that day (what the daily schedule runs; the editions
sensor is left out, its 24 polls per chart per day are in the forecast's own line). Policies, each on a fresh
emulator and warehouse:

* ``today``: the policy before issue 13, a series fetched whenever its last fetch is 24 h old
  (``SOUNDCHARTS_REFRESH_MAX_HOURS=24`` with ``SOUNDCHARTS_REFRESH_MIN_HOURS=24,airplay=24``: airplay one
  call per song a day, as the rolling 7-day window cost before);
* ``due``: the default settings (a series is due once its next crawl can have happened; Spotify at most
  daily, the other sources at most every 48 h, airplay weekly);
* ``current_stats``: the defaults with ``SOUNDCHARTS_CURRENT_STATS=1``;
* ``due_24h`` (on request, ``--policies due_24h``): every crawled series at most daily, airplay weekly
  (``SOUNDCHARTS_REFRESH_MIN_HOURS=24``, the defaults before the 48 h context minimum), a day's timeliness
  more on YouTube, Shazam, monthly listeners and followers for more calls;
* ``due_48h`` (on request): every series at most every 48 h, Spotify too.

Measured: paid calls (2xx answers) per day by source; wasted calls (a paid series call that stored no point
newer than the series' last stored day); at the end of the ``due`` month, completeness (every point the
emulator serves for each followed series over the month is stored, once); ``budget``'s forecast made after
day 1 against the spend of days 2..N. ``today`` and ``current_stats`` run ``--short-days`` days: their
steady state is flat, so their month is day 1 plus the steady-state mean times the other days.

    .venv/bin/python -m benchmarks.month_benchmark [--days 30] [--short-days 8] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from datetime import time as time_of_day
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks.emulator_process import EmulatorProcess

CHARTS = [
    "shazam-top-50-fr",
    "airplay-fr",
    "deezer-top-50-de",
    "top-100-fr",
    "top-100-gb",
    "shazam-top-100-gb",
    "deezer-top-100-fr",
    "deezer-top-100-global",
    "top-100-global",
    "top-100-us",
]
"""Ten daily charts of the default catalogue (850 entries), small enough for three policies in minutes."""
START = date(2026, 12, 1)
NOON = 12
POLICIES: dict[str, dict[str, str]] = {
    "today": {"SOUNDCHARTS_REFRESH_MAX_HOURS": "24", "SOUNDCHARTS_REFRESH_MIN_HOURS": "24,airplay=24"},
    "due": {},
    "current_stats": {"SOUNDCHARTS_CURRENT_STATS": "1"},
    "due_24h": {"SOUNDCHARTS_REFRESH_MIN_HOURS": "24"},
    "due_48h": {"SOUNDCHARTS_REFRESH_MIN_HOURS": "48"},
}
SUMMARY_POLICIES = {"due", "today", "current_stats"}
SERIES_ROUTES = {
    "/api/v2/song/{uuid}/audience/{platform}": "song series",
    "/api/v2/song/{uuid}/broadcast-groups": "song airplay",
    "/api/v2/artist/{uuid}/audience/{platform}": "artist social",
    "/api/v2/artist/{uuid}/streaming/{platform}/listening": "artist listeners",
    "/api/v2/song/{uuid}/current/stats": "song current stats",
    "/api/v2/artist/{uuid}/current/stats": "artist current stats",
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30, help="Days of the 'due' month.")
    parser.add_argument("--short-days", type=int, default=8, help="Days of the 'today' and 'current_stats' runs.")
    parser.add_argument("--json", type=Path, default=None, help="Write the report here too.")
    parser.add_argument(
        "--policies", default="due,today,current_stats", help="Which runs, comma-separated (the summary needs all)."
    )
    return parser.parse_args()


def last_days(wh: Any) -> dict[tuple[str, str, str], date]:
    """The newest stored day of every series, keyed like ``audience_fetches`` (entity, uuid, source)."""
    from soundcharts_assets.sources import audience_sources
    from soundcharts_assets.warehouse.schema import artist_audience, track_audience

    t, a = track_audience.c, artist_audience.c
    songs = {source.platform: source.name for source in audience_sources("song")}
    artists = {source.series: source.name for source in audience_sources("artist")}
    found: dict[tuple[str, str, str], date] = {}
    with wh.engine.connect() as conn:
        for uuid, platform, day in conn.execute(
            sa.select(t.song_uuid, t.platform, sa.func.max(t.date)).group_by(t.song_uuid, t.platform)
        ):
            found[("song", uuid, songs.get(platform, platform))] = day
        for uuid, platform, metric, day in conn.execute(
            sa.select(a.artist_uuid, a.platform, a.metric, sa.func.max(a.date))
            .where(a.metric.in_({metric for _, metric in artists}))
            .group_by(a.artist_uuid, a.platform, a.metric)
        ):
            if (platform, metric) in artists:
                found[("artist", uuid, artists[(platform, metric)])] = day
    return found


def fetched_at(wh: Any, now: datetime) -> list[tuple[str, str, str]]:
    """Series fetched (and answered 2xx) in this refresh."""
    from soundcharts_assets.warehouse.schema import audience_fetches

    f = audience_fetches.c
    with wh.engine.connect() as conn:
        rows = conn.execute(sa.select(f.entity, f.entity_uuid, f.platform).where(f.fetched_at == now, f.status == "ok"))
        return [tuple(row) for row in rows]  # type: ignore[misc]


def refresh_day(client: Any, wh: Any, now: datetime) -> None:
    from soundcharts_assets import cascade
    from soundcharts_assets.settings import freshness_from_env

    freshness = freshness_from_env()
    cascade.refresh_rankings(client, wh, CHARTS)
    cascade.refresh_tracks(client, wh, CHARTS, freshness, now=now)
    cascade.link_artists(wh, CHARTS)
    cascade.refresh_artist_metadata(client, wh, CHARTS, freshness, now=now)
    cascade.refresh_track_audience(client, wh, CHARTS, freshness, now=now)
    cascade.refresh_artist_audience(client, wh, CHARTS, freshness, now=now)


def forecast(wh: Any) -> dict[str, float]:
    """What ``soundcharts-assets budget`` forecasts per day for these charts (daily schedule, no sensor)."""
    from soundcharts_assets.cascade.forecast import fleet_state, forecast_daily
    from soundcharts_assets.settings import freshness_from_env

    return forecast_daily(fleet_state(wh, {slug: "daily" for slug in CHARTS}), freshness_from_env(), None)


def run_policy(name: str, days: int, workdir: Path, check_completeness: bool) -> dict[str, Any]:
    from soundcharts_assets import clock
    from soundcharts_assets.settings import api_settings_from_env
    from soundcharts_assets.soundcharts.client import SoundchartsClient
    from soundcharts_assets.warehouse import Warehouse

    for key in ("SOUNDCHARTS_REFRESH_MAX_HOURS", "SOUNDCHARTS_REFRESH_MIN_HOURS", "SOUNDCHARTS_CURRENT_STATS"):
        os.environ.pop(key, None)
    os.environ.update(POLICIES[name])
    emulator = EmulatorProcess(
        seed=7, latency_ms=0, latency_jitter_ms=0, rate_limit_per_minute=None, extra_args=["--today", str(START)]
    )
    per_day: list[dict[str, Any]] = []
    predicted: dict[str, float] = {}
    started = time.monotonic()
    with emulator, Warehouse(f"sqlite:///{workdir / f'{name}.sqlite'}") as wh:
        wh.migrate()
        os.environ["SOUNDCHARTS_BASE_URL"] = emulator.url
        with SoundchartsClient(api_settings_from_env()) as client:
            for offset in range(days):
                day = START + timedelta(days=offset)
                if offset:
                    emulator.set_today(day.isoformat())
                os.environ["SOUNDCHARTS_TODAY"] = day.isoformat()
                clock.reset()  # the clock reads it once per process
                now = datetime(day.year, day.month, day.day, NOON, tzinfo=timezone.utc)
                before = last_days(wh)
                emulator.reset_stats()
                refresh_day(client, wh, now)
                stats = emulator.stats()
                after = last_days(wh)
                fetched = fetched_at(wh, now)
                wasted_keys = [key for key in fetched if key in before and after.get(key, before[key]) <= before[key]]
                wasted_keys += [key for key in fetched if key not in before and key not in after]  # stored nothing
                wasted = len(wasted_keys)
                wasted_by_source = Counter(f"{entity} {source}" for entity, _, source in wasted_keys)
                by_source: Counter[str] = Counter()
                for route, by_status in stats["by_route_status"].items():
                    if route.startswith("/api/"):
                        paid_here = sum(n for status, n in by_status.items() if str(status).startswith("2"))
                        by_source[SERIES_ROUTES.get(route, "rankings+metadata")] += paid_here
                by_source = +by_source  # drop zero counts
                paid_series = sum(n for key, n in by_source.items() if key in SERIES_ROUTES.values())
                paid = sum(by_source.values())
                per_day.append(
                    {
                        "day": day.isoformat(),
                        "paid_calls": paid,
                        "by_source": dict(by_source),
                        "series_calls": len(fetched),
                        "wasted": wasted,
                        "wasted_by_source": dict(wasted_by_source),
                        "paid_series_calls": paid_series,
                    }
                )
                print(f"  {name} {day}: {paid} paid calls, {wasted} wasted {dict(by_source)}", flush=True)
                if offset == 0 and name == "due":
                    predicted = forecast(wh)
            completeness = None
            if check_completeness:  # the month is complete once the first run after it is done (not counted)
                after_month = day + timedelta(days=1)
                emulator.set_today(after_month.isoformat())
                os.environ["SOUNDCHARTS_TODAY"] = after_month.isoformat()
                clock.reset()
                refresh_day(client, wh, datetime.combine(after_month, time_of_day(NOON), timezone.utc))
                completeness = completeness_check(client, wh, day)
    steady = per_day[1:]
    report: dict[str, Any] = {
        "policy": name,
        "days_run": days,
        "wall_s": round(time.monotonic() - started, 1),
        "day1_calls": per_day[0]["paid_calls"],
        "day1_by_source": per_day[0]["by_source"],
        "steady_calls_per_day": round(statistics.mean(d["paid_calls"] for d in steady), 1),
        "steady_by_source": {
            key: round(statistics.mean(d["by_source"].get(key, 0) for d in steady), 1)
            for key in sorted({k for d in steady for k in d["by_source"]})
        },
        "steady_wasted_share": round(
            sum(d["wasted"] for d in steady) / max(1, sum(d["paid_calls"] for d in steady)), 4
        ),
        "steady_wasted_by_source": {
            key: round(statistics.mean(d["wasted_by_source"].get(key, 0) for d in steady), 1)
            for key in sorted({k for d in steady for k in d["wasted_by_source"]})
        },
        "steady_wasted_share_of_series_calls": round(
            sum(d["wasted"] for d in steady) / max(1, sum(d["series_calls"] for d in steady)), 4
        ),
        "per_day": per_day,
    }
    if predicted:
        report["forecast_per_day"] = predicted
        report["forecast_days_2_to_n"] = round(sum(predicted.values()) * (days - 1))
        report["measured_days_2_to_n"] = sum(d["paid_calls"] for d in steady)
    if completeness is not None:
        report["completeness"] = completeness
    return report


def followed_until(wh: Any, last_day: date) -> tuple[dict[str, date], dict[str, date]]:
    """Every song and artist an edition of the month ranked (or credited), with the day its series must reach:
    ``last_day`` while the month's last edition has it, else the date of the last edition that ranked it (the
    rule of the audience steps' last fetch, ``Warehouse.left_recently``)."""
    songs: dict[str, date] = {}
    artists: dict[str, date] = {}
    for slug in CHARTS:
        editions = sorted(when for when in wh.ranking_dates(slug) if START <= when.date() <= last_day)
        for when in editions:
            reach = last_day if when == editions[-1] else when.date()
            for found, uuids in (
                (songs, wh.ranking_song_uuids(slug, when)),
                (artists, wh.chart_artist_uuids(slug, when)),
            ):
                for uuid in uuids:
                    found[uuid] = max(reach, found.get(uuid, reach))
    return songs, artists


def completeness_check(client: Any, wh: Any, today: date) -> dict[str, Any]:
    """Every point the emulator serves for each series followed during the month (every source of
    ``sources.py``: songs per id, artists per metric), from the month's first day to the last day an edition
    ranked the entity (``today`` for those still ranked), is stored, once: songs that left the charts
    included. Every airplay spin too: per song and radio, the stored weekly rows add up to the spins served
    over the weeks they cover (the first row's week to the last's), so no week is missing or counted twice;
    and the airplay of a song that left was fetched after its last ranked day (its last week is kept)."""
    from soundcharts_assets.cascade.audience import fetch_series
    from soundcharts_assets.soundcharts.errors import NotFoundError
    from soundcharts_assets.sources import audience_sources
    from soundcharts_assets.warehouse.audience import airplay_source
    from soundcharts_assets.warehouse.schema import artist_audience, audience_fetches, track_audience

    crawled_song_sources = [source for source in audience_sources("song") if not source.windowed]
    windowed = airplay_source()
    airplay_days = round(windowed.min_hours / 24)  # its default window, a week
    followed_songs, followed_artists = followed_until(wh, today)
    songs, artists = sorted(followed_songs), sorted(followed_artists)
    t, a = track_audience.c, artist_audience.c
    series = missing = extra = duplicates = 0
    mismatched: list[str] = []
    with wh.engine.connect() as conn:
        for uuid in songs:
            for source in crawled_song_sources:
                until = followed_songs[uuid]
                try:
                    served = fetch_series(client, source, uuid, START, until)
                except NotFoundError:
                    continue
                rows = conn.execute(
                    sa.select(t.date, t.identifier, t.value).where(
                        t.song_uuid == uuid, t.platform == source.platform, t.date >= START, t.date <= until
                    )
                ).all()
                want = {(p.date, p.identifier, p.value) for p in served}
                have = {tuple(row) for row in rows}
                series += 1
                duplicates += len(rows) - len(have)
                missing += len(want - have)
                extra += len(have - want)
                if want != have and len(mismatched) < 5:
                    mismatched.append(f"song {uuid} {source.name}")
        for uuid in songs:
            airplay = conn.execute(
                sa.select(t.date, t.identifier, t.value).where(t.song_uuid == uuid, t.platform == windowed.platform)
            ).all()
            if not airplay:
                continue
            stored_spins: Counter[str] = Counter()
            for _, radio, spins in airplay:
                stored_spins[radio] += spins
            first, last = min(row[0] for row in airplay), max(row[0] for row in airplay)
            span = client.get_song_airplay(uuid, first - timedelta(days=airplay_days - 1), last)
            served_spins = Counter({c.radio_slug: c.play_count for c in span})
            series += 1
            missing += sum(1 for radio, spins in served_spins.items() if stored_spins[radio] < spins)  # a week lost
            extra += sum(1 for radio, spins in stored_spins.items() if spins > served_spins[radio])  # one twice
            if served_spins != stored_spins and len(mismatched) < 5:
                mismatched.append(f"song {uuid} airplay")
        f = audience_fetches.c
        airplay_fetched = dict(
            conn.execute(
                sa.select(f.entity_uuid, f.fetched_at).where(f.entity == "song", f.platform == windowed.name)
            ).all()
        )
        left = [uuid for uuid in songs if followed_songs[uuid] < today]
        airplay_short = [u for u in left if u in airplay_fetched and airplay_fetched[u].date() <= followed_songs[u]]
        missing += len(airplay_short)
        mismatched.extend(f"song {uuid} airplay stops before its last ranked day" for uuid in airplay_short[:2])
        for uuid in artists:
            for source in audience_sources("artist"):
                until = followed_artists[uuid]
                platform, metric = source.series
                try:
                    served = fetch_series(client, source, uuid, START, until)
                except NotFoundError:
                    continue
                rows = conn.execute(
                    sa.select(a.date, a.value).where(
                        a.artist_uuid == uuid,
                        a.platform == platform,
                        a.metric == metric,
                        a.date >= START,
                        a.date <= until,
                    )
                ).all()
                want = {(p.date, p.value) for p in served if p.metric == metric and p.value is not None}
                have = {tuple(row) for row in rows if row[1] is not None}
                series += 1
                duplicates += len(rows) - len({tuple(row) for row in rows})
                missing += len(want - have)
                extra += len(have - want)
                if want != have and len(mismatched) < 5:
                    mismatched.append(f"artist {uuid} {source.name}")
    return {
        "entities_followed": {"songs": len(songs), "artists": len(artists), "songs_that_left": len(left)},
        "series_compared": series,
        "points_missing": missing,
        "points_not_served": extra,
        "points_stored_twice": duplicates,
        "complete": missing == 0 and duplicates == 0,
        "first_mismatches": mismatched,
    }


def summary(reports: dict[str, dict[str, Any]], days: int) -> dict[str, Any]:
    def month(report: dict[str, Any]) -> float:
        return report["day1_calls"] + report["steady_calls_per_day"] * (days - 1)

    due, today, current = reports["due"], reports["today"], reports["current_stats"]
    forecast_error = due["forecast_days_2_to_n"] / due["measured_days_2_to_n"] - 1
    return {
        "month_calls": {name: round(month(r)) for name, r in reports.items()},
        "month_calls_due_measured": due["day1_calls"] + due["measured_days_2_to_n"],
        "due_vs_today_month": round(month(due) / month(today), 3),
        "wasted_share_steady": {name: r["steady_wasted_share"] for name, r in reports.items()},
        "current_stats_vs_today_steady": round(current["steady_calls_per_day"] / today["steady_calls_per_day"], 3),
        "forecast_error": round(forecast_error, 3),
        "targets": {
            "wasted_at_most_5pct": due["steady_wasted_share"] <= 0.05,
            "completeness_100pct": bool(due.get("completeness", {}).get("complete")),
            "current_stats_at_most_40pct": current["steady_calls_per_day"] <= 0.4 * today["steady_calls_per_day"],
            "forecast_within_10pct": abs(forecast_error) <= 0.10,
        },
    }


def main() -> None:
    args = parse_args()
    reports: dict[str, dict[str, Any]] = {}
    shm = "/dev/shm" if Path("/dev/shm").is_dir() else None  # SQLite off the disk: the calls are measured, not fsyncs
    with tempfile.TemporaryDirectory(prefix="month-benchmark-", dir=shm) as tmp:
        workdir = Path(tmp)
        os.environ["SOUNDCHARTS_DATA_DIR"] = str(workdir)
        os.environ["SOUNDCHARTS_RATE_LIMIT_PER_MINUTE"] = "1000000"
        for name in args.policies.split(","):
            days = args.days if name == "due" else args.short_days
            reports[name] = run_policy(name, days, workdir, check_completeness=name == "due")
    result: dict[str, Any] = {"charts": CHARTS, "start": START.isoformat(), "days": args.days, "reports": reports}
    if set(reports) >= SUMMARY_POLICIES:
        result["summary"] = summary(reports, args.days)
    print(json.dumps({k: v for k, v in result.items() if k != "reports"}, indent=2))
    for name, report in reports.items():
        print(name, json.dumps({k: v for k, v in report.items() if k != "per_day"}))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

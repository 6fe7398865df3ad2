"""`export` of one chart as its history grows (issue 22): the export process's peak memory and time.

A chart of 200 songs and 200 artists (one edition) with N days of audience: each song on 3 platforms with 2
ids (1,200 points a day), each artist 2 metrics (400 a day), written through the warehouse's own writes; a
year is 438,000 song and 146,000 artist points, the size of the largest fleet charts' audience in the
100-chart year store (``history_benchmark``). Built afresh per store and size, deleted (or dropped) after.

    .venv/bin/python -m benchmarks.export_benchmark [--stores sqlite postgres] [--days 7 90 365] \\
        [--formats parquet csv] [--package DIR]

``--package DIR`` runs the export from another checkout's ``soundcharts_assets`` (``git archive <commit>
soundcharts_assets | tar -x -C DIR``): the code before a change, on the same stores.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from soundcharts_assets.soundcharts.models import (
    Artist,
    ArtistAudiencePoint,
    ArtistRef,
    Chart,
    ChartRanking,
    RankingEntry,
    Song,
    SongAudiencePoint,
    SongRef,
)
from soundcharts_assets.warehouse import Warehouse
from tests.support.databases import create_database, drop_database

REPO = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 9, tzinfo=timezone.utc)
CHART = Chart(slug="big-chart", name="Big chart", platform="spotify", frequency="daily", country_code="FR")
SONGS = [f"song-{n:03d}" for n in range(200)]
ARTISTS = [f"artist-{n:03d}" for n in range(200)]

EXPORT = """
import json, sys, time
from pathlib import Path
from soundcharts_assets.cli.export import export_chart
from soundcharts_assets.warehouse import Warehouse
url, fmt, out = sys.argv[1:4]
with Warehouse(url) as wh:
    started = time.perf_counter()
    export_chart(wh, "big-chart", fmt, Path(out))
    seconds = time.perf_counter() - started
hwm = [line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM:")][0]
print(json.dumps({"seconds": round(seconds, 2), "peak_mb": round(int(hwm.split()[1]) / 1024, 1)}))
"""


def _fill(wh: Warehouse, days: int) -> dict[str, int]:
    entries = tuple(
        RankingEntry(song=SongRef(uuid=uuid, name=f"Song {uuid}", credit_name="x"), position=n + 1)
        for n, uuid in enumerate(SONGS)
    )
    wh.write_ranking(ChartRanking(chart=CHART, date=NOW, entries=entries), NOW)
    songs = [
        Song(uuid=uuid, name=f"Song {uuid}", artists=(ArtistRef(uuid=a, slug=a, name=f"Artist {a}"),))
        for uuid, a in zip(SONGS, ARTISTS, strict=True)
    ]
    wh.upsert_songs(songs, NOW)
    wh.link_track_artists(wh.credited_artists(SONGS))
    wh.upsert_artists([Artist(uuid=a, name=f"Artist {a}", slug=a) for a in ARTISTS], NOW)
    dates = [TODAY - timedelta(days=back) for back in range(days)]
    for n, uuid in enumerate(SONGS):
        for platform in ("spotify", "youtube", "shazam"):
            points = [
                SongAudiencePoint(d, f"{platform}-{uuid}-{i}", 1000 * n + d.toordinal()) for d in dates for i in (0, 1)
            ]
            wh.write_track_audience(uuid, platform, points, NOW)
    for n, uuid in enumerate(ARTISTS):
        for source, metric in (("spotify", "followers"), ("spotify_listening", "monthly_listeners")):
            metrics = [ArtistAudiencePoint(d, metric, 1000 * n + d.toordinal()) for d in dates]
            wh.write_artist_audience(uuid, "spotify", metrics, NOW, source=source)
    return wh.table_counts(["track_audience", "artist_audience"])


def _export(url: str, fmt: str, package: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as out:
        done = subprocess.run(
            [sys.executable, "-c", EXPORT, url, fmt, out], capture_output=True, text=True, cwd=package, check=True
        )
        files = {path.name: path.stat().st_size for path in Path(out).iterdir()}
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "mb_written": round(sum(files.values()) / 2**20, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"])
    parser.add_argument("--days", nargs="+", type=int, default=[7, 90, 365])
    parser.add_argument("--formats", nargs="+", default=["parquet", "csv"], choices=["parquet", "csv"])
    parser.add_argument("--package", type=Path, action="append", help="root(s) holding soundcharts_assets/")
    args = parser.parse_args()
    packages = args.package or [REPO]
    report: dict[str, Any] = {"load_before": os.getloadavg(), "runs": []}
    for store in args.stores:
        for days in args.days:
            with tempfile.TemporaryDirectory() as folder:
                url = f"sqlite:///{folder}/export.sqlite" if store == "sqlite" else create_database(PG_ADMIN)
                try:
                    started = time.perf_counter()
                    with Warehouse(url) as wh:
                        wh.migrate()
                        rows = _fill(wh, days)
                    built = round(time.perf_counter() - started)
                    for package in packages:
                        for fmt in args.formats:
                            run = {"store": store, "days": days, "rows": rows, "built_s": built, "fmt": fmt}
                            run.update(package=str(package), load=os.getloadavg()[0], **_export(url, fmt, package))
                            print(json.dumps(run), file=sys.stderr, flush=True)
                            report["runs"].append(run)
                finally:
                    if store == "postgres":
                        drop_database(PG_ADMIN, url)
    report["load_after"] = os.getloadavg()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

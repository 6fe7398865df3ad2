"""Alerts at fleet size (issue 23): what computing the events of one refresh of N charts costs, with no API call.

The warehouse is filled directly, in process, from the emulator's fleet catalogue (no server, no client): the
last ``--editions`` editions of the first N fleet charts with their songs and artists, the audience series
(``--series-days``) of the watched artists and of their songs and their labels' songs on the latest editions.
Watched: every chart (every entry, re-entry, exit and new #1), the ``--artists`` most charted artists and the
``--labels`` most common labels. Then ``refresh_alerts`` runs over the N charts as the alerts asset's step
does for a fleet run, with no channel: the first run finds and stores a week of events, the second (a
repeated run) finds them again and stores nothing. The client module is never imported: zero API calls.

    .venv/bin/python -m benchmarks.alerts_benchmark [--charts 100] [--json-out F]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from soundcharts_assets.alerts.refresh import refresh_alerts
from soundcharts_assets.emulator.catalogue import Catalogue
from soundcharts_assets.emulator.charts import fleet_charts
from soundcharts_assets.settings import AlertSettings
from soundcharts_assets.soundcharts import parsing
from soundcharts_assets.sources import Endpoint, audience_sources
from soundcharts_assets.warehouse import Warehouse
from soundcharts_assets.warehouse.watchlists import Watch

TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 9, tzinfo=timezone.utc)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--charts", type=int, default=100)
    parser.add_argument("--editions", type=int, default=8, help="stored editions per chart (a week and one)")
    parser.add_argument("--artists", type=int, default=100, help="watched artists (the most charted)")
    parser.add_argument("--labels", type=int, default=10, help="watched labels (the most common)")
    parser.add_argument("--series-days", type=int, default=60, help="days of audience per watched series")
    parser.add_argument("--warehouse-url", default=None, help="default: a SQLite file in a temporary folder")
    parser.add_argument("--json-out", type=Path, help="also write the JSON report here")
    return parser.parse_args()


def fill(wh: Warehouse, catalogue: Catalogue, slugs: list[str], args: argparse.Namespace) -> dict[str, Any]:
    """Store the charts' editions, songs and artists, the watches, and the watched series; returns counts."""
    latest_songs: set[str] = set()
    all_songs: set[str] = set()
    for slug in slugs:
        chart = parsing.parse_chart(catalogue.chart(slug), "benchmark")
        for when in list(reversed(catalogue.ranking_dates(slug)))[-args.editions :]:
            items = catalogue.ranking(slug, when)
            wh.write_ranking(parsing.build_ranking(chart, when, items, "benchmark"), fetched_at=NOW)
            all_songs |= {item["song"]["uuid"] for item in items}
        latest_songs |= {item["song"]["uuid"] for item in catalogue.ranking(slug)}
    songs = [parsing.parse_song(catalogue.song(uuid), "benchmark") for uuid in sorted(all_songs)]
    wh.upsert_songs(songs, fetched_at=NOW)
    wh.link_track_artists({song.uuid: list(song.artists) for song in songs})
    artist_uuids = sorted({ref.uuid for song in songs for ref in song.artists})
    wh.upsert_artists([parsing.parse_artist(catalogue.artist(uuid), "benchmark") for uuid in artist_uuids], NOW)

    by_song = {song.uuid: song for song in songs}
    charted = Counter(ref.uuid for uuid in latest_songs for ref in by_song[uuid].artists)
    labels = Counter(label.name for uuid in latest_songs for label in by_song[uuid].labels)
    artists = [uuid for uuid, _ in charted.most_common(args.artists)]
    watched_labels = [name for name, _ in labels.most_common(args.labels)]
    for slug in slugs:
        wh.add_watch(Watch("charts", "chart", slug, None, NOW))
    for uuid in artists:
        wh.add_watch(Watch("roster", "artist", uuid, None, NOW))
    for name in watched_labels:
        wh.add_watch(Watch("labels", "label", name, None, NOW))

    start = TODAY - timedelta(days=args.series_days)
    for uuid in artists:
        for source in audience_sources("artist"):
            if source.endpoint is Endpoint.ARTIST_LISTENING:
                points = parsing.parse_artist_listening(catalogue.monthly_listeners(uuid, start, TODAY), "benchmark")
            else:
                items = catalogue.artist_audience(uuid, source.platform, start, TODAY)
                points = parsing.parse_artist_audience(items, "benchmark")
            wh.write_series(source, uuid, points, fetched_at=NOW)
    watched_songs = [
        uuid
        for uuid in sorted(latest_songs)
        if {ref.uuid for ref in by_song[uuid].artists} & set(artists)
        or {label.name for label in by_song[uuid].labels} & set(watched_labels)
    ]
    for uuid in watched_songs:
        for source in audience_sources("song"):
            record = catalogue.song_record(uuid)
            if source.windowed or record is None or not record.identifiers.get(source.platform):
                continue
            items = catalogue.song_audience(uuid, source.platform, start, TODAY)
            wh.write_series(source, uuid, parsing.parse_song_audience(items, "benchmark"), fetched_at=NOW)
    return {
        "charts": len(slugs),
        "ranking_rows": wh.table_counts(["chart_rankings"])["chart_rankings"],
        "songs": len(songs),
        "artists": len(artist_uuids),
        "watched_artists": len(artists),
        "watched_labels": len(watched_labels),
        "watched_songs": len(watched_songs),
    }


def timed_refresh(wh: Warehouse, slugs: list[str]) -> dict[str, Any]:
    started = time.perf_counter()
    outcome = refresh_alerts(wh, slugs, AlertSettings(), NOW, channels=[])
    seconds = time.perf_counter() - started
    found = {event.key: event for events in outcome.events.values() for event in events}
    return {
        "seconds": round(seconds, 2),
        "events": len(found),
        "new_events": len(outcome.new_keys),
        "by_kind": dict(Counter(event.kind for event in found.values())),
    }


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.warehouse_url or f"sqlite:///{Path(folder) / 'warehouse.sqlite'}"
        started = time.perf_counter()
        catalogue = Catalogue(seed=7, today=TODAY, charts=args.charts, ranking_editions=args.editions + 2)
        slugs = [spec.slug for spec in fleet_charts(args.charts)]
        with Warehouse(url) as wh:
            wh.migrate()
            for slug in slugs:
                wh.register_chart(slug, "daily")
            stored = fill(wh, catalogue, slugs, args)
            filled = time.perf_counter() - started
            first = timed_refresh(wh, slugs)
            repeated = timed_refresh(wh, slugs)
    report = {
        "stored": stored,
        "fill_seconds": round(filled, 1),
        "first_refresh": first,
        "repeated_refresh": repeated,
        "client_imported": "soundcharts_assets.soundcharts.client" in sys.modules,
    }
    print(json.dumps(report, indent=2))
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

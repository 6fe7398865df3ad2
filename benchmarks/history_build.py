"""Build N days of history at 100 charts, honestly and once: the emulator's own editions and series, written
through the warehouse's own writes (``write_ranking``, ``upsert_songs``, ``write_series``), cached on disk.

What is stored, for the fleet catalogue's first ``charts`` charts (seed 7, today 2026-12-01):
- every edition of the last ``days`` days (daily charts: one a day; weekly: one a week), with the charted
  songs' metadata and credits and their artists;
- ``days`` days of every song series (Spotify, YouTube, Shazam per platform id; airplay per radio in weekly
  windows) of every song on a chart's latest edition, and every artist series (four social sources and Spotify
  monthly listeners) of the artists credited on them: the songs and artists a label following these charts
  keeps refreshing (about 3,000 songs and 1,500 artists at 100 charts);
- the watchlists of the alerts benchmark (every chart, the 100 most charted artists, the 10 commonest labels).

A SQLite file ``<cache>/warehouse-<days>d.sqlite`` or a PostgreSQL database ``history_<days>d`` on the local
server; a ``.built`` marker beside the cache records the counts, so a second call returns at once.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from soundcharts_assets.emulator.catalogue import Catalogue
from soundcharts_assets.emulator.charts import fleet_charts
from soundcharts_assets.soundcharts import parsing
from soundcharts_assets.sources import Endpoint, audience_sources
from soundcharts_assets.warehouse import Warehouse
from soundcharts_assets.warehouse.watchlists import Watch

TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 9, tzinfo=timezone.utc)
AIRPLAY_WINDOW = 7
PG_SERVER = "postgresql+psycopg2://postgres@127.0.0.1:5432"


def store_url(store: str, days: int, cache: Path) -> str:
    if store == "sqlite":
        return f"sqlite:///{cache / f'warehouse-{days}d.sqlite'}"
    return f"{PG_SERVER}/history_{days}d"


def _marker(store: str, days: int, cache: Path) -> Path:
    return cache / f"{store}-{days}d.built"


def built(store: str, days: int, cache: Path) -> dict[str, Any] | None:
    marker = _marker(store, days, cache)
    return json.loads(marker.read_text()) if marker.exists() else None


def _fresh_database(store: str, days: int, cache: Path) -> None:
    """Start from nothing: remove the SQLite file, or drop and create the PostgreSQL database."""
    if store == "sqlite":
        cache.joinpath(f"warehouse-{days}d.sqlite").unlink(missing_ok=True)
        return
    import sqlalchemy as sa

    admin = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS history_{days}d WITH (FORCE)"))
        conn.execute(sa.text(f"CREATE DATABASE history_{days}d"))
    admin.dispose()


def _write_rankings(wh: Warehouse, catalogue: Catalogue, slugs: list[str], since: datetime) -> dict[str, int]:
    """Every edition on or after ``since``, oldest first, as the cascade stores them; songs seen per count."""
    seen: Counter[str] = Counter()
    for slug in slugs:
        chart = parsing.parse_chart(catalogue.chart(slug), "history")
        for when in reversed(catalogue.ranking_dates(slug)):
            if when < since:
                continue
            items = catalogue.ranking(slug, when)
            wh.write_ranking(parsing.build_ranking(chart, when, items, "history"), fetched_at=when + timedelta(hours=9))
            seen.update(item["song"]["uuid"] for item in items)
    return dict(seen)


def _song_series(wh: Warehouse, catalogue: Catalogue, uuid: str, start: date) -> int:
    written = 0
    record = catalogue.song_record(uuid)
    for source in audience_sources("song"):
        if source.endpoint is Endpoint.SONG_AIRPLAY:
            end = TODAY
            while end - timedelta(days=AIRPLAY_WINDOW - 1) >= start:
                window = catalogue.broadcast_groups(uuid, end - timedelta(days=AIRPLAY_WINDOW - 1), end)
                counts = parsing.parse_airplay(window, "history")
                if counts:
                    written += wh.write_track_airplay(uuid, end, counts, fetched_at=NOW)
                end -= timedelta(days=AIRPLAY_WINDOW)
            continue
        if record is None or not record.identifiers.get(source.platform):
            continue
        items = catalogue.song_audience(uuid, source.platform, start, TODAY)
        written += wh.write_series(source, uuid, parsing.parse_song_audience(items, "history"), fetched_at=NOW)
    return written


def _artist_series(wh: Warehouse, catalogue: Catalogue, uuid: str, start: date) -> int:
    written = 0
    for source in audience_sources("artist"):
        if source.endpoint is Endpoint.ARTIST_LISTENING:
            points = parsing.parse_artist_listening(catalogue.monthly_listeners(uuid, start, TODAY), "history")
        else:
            items = catalogue.artist_audience(uuid, source.platform, start, TODAY)
            points = parsing.parse_artist_audience(items, "history")
        written += wh.write_series(source, uuid, points, fetched_at=NOW)
    return written


def _watch(wh: Warehouse, slugs: list[str], latest_songs: list[Any]) -> None:
    charted = Counter(ref.uuid for song in latest_songs for ref in song.artists)
    labels = Counter(label.name for song in latest_songs for label in song.labels)
    for slug in slugs:
        wh.add_watch(Watch("charts", "chart", slug, None, NOW))
    for uuid, _ in charted.most_common(100):
        wh.add_watch(Watch("roster", "artist", uuid, None, NOW))
    for name, _ in labels.most_common(10):
        wh.add_watch(Watch("labels", "label", name, None, NOW))


# Long on purpose: the build reads as the order a year of cascades stores things in.
def build(store: str, days: int, cache: Path, charts: int = 100, log: Any = print) -> dict[str, Any]:
    """Build (or find) the store of ``days`` days of history; returns its counts and build time."""
    found = built(store, days, cache)
    if found is not None:
        return found
    cache.mkdir(parents=True, exist_ok=True)
    _fresh_database(store, days, cache)
    url = store_url(store, days, cache)
    started = time.perf_counter()
    catalogue = Catalogue(seed=7, today=TODAY, charts=charts, ranking_editions=days + 2)
    slugs = [spec.slug for spec in fleet_charts(charts)]
    since = datetime.combine(TODAY - timedelta(days=days), datetime.min.time(), timezone.utc)
    start = TODAY - timedelta(days=days - 1)
    with Warehouse(url) as wh:
        wh.migrate()
        for slug in slugs:
            wh.register_chart(slug, "daily")
        seen = _write_rankings(wh, catalogue, slugs, since)
        log(f"{store} {days}d: rankings stored ({time.perf_counter() - started:.0f} s)")
        songs = [parsing.parse_song(catalogue.song(uuid), "history") for uuid in sorted(seen)]
        wh.upsert_songs(songs, fetched_at=NOW)
        wh.link_track_artists({song.uuid: list(song.artists) for song in songs})
        artist_uuids = sorted({ref.uuid for song in songs for ref in song.artists})
        wh.upsert_artists([parsing.parse_artist(catalogue.artist(uuid), "history") for uuid in artist_uuids], NOW)
        latest = sorted({item["song"]["uuid"] for slug in slugs for item in catalogue.ranking(slug)})
        by_uuid = {song.uuid: song for song in songs}
        latest_artists = sorted({ref.uuid for uuid in latest for ref in by_uuid[uuid].artists})
        _watch(wh, slugs, [by_uuid[uuid] for uuid in latest])
        points = sum(_song_series(wh, catalogue, uuid, start) for uuid in latest)
        log(f"{store} {days}d: song series stored ({time.perf_counter() - started:.0f} s)")
        points += sum(_artist_series(wh, catalogue, uuid, start) for uuid in latest_artists)
        counts = wh.table_counts(["chart_rankings", "tracks", "artists", "track_audience", "artist_audience"])
    result = {
        "store": store,
        "days": days,
        "charts": charts,
        "url": url,
        "audience_songs": len(latest),
        "audience_artists": len(latest_artists),
        "rows": counts,
        "points_written": points,
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    _marker(store, days, cache).write_text(json.dumps(result, indent=2) + "\n")
    return result

"""Find the events of a refresh: read what the warehouse holds for the refreshed charts, compute, and attribute
each event to the charts it concerns. Zero API calls: this module imports no client.

The window is the last ``lookback_days`` (7 by default): an alerts run that failed or never ran is caught up
by the next one, and a new watch reports its last week. Events already stored are recognised by their key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from soundcharts_assets.alerts.audience import Subject, audience_events
from soundcharts_assets.alerts.charts import ChartContext, chart_events, split_editions, stale_event
from soundcharts_assets.alerts.events import AlertEvent, Watchers, track_metrics
from soundcharts_assets.settings import AlertSettings
from soundcharts_assets.warehouse import Warehouse
from soundcharts_assets.warehouse.alert_inputs import RankedSong, SongCredits

SLOWEST_CRAWL_DAYS = 16
"""Series are read this far before the baseline too, so a rarely crawled account has its previous point."""


@dataclass
class _Watched:
    """The songs and artists on the latest editions whose audience is watched, and the charts they are on."""

    songs: dict[str, tuple[str, dict[str, str], list[str]]]
    artists: dict[str, tuple[str, dict[str, str], list[str]]]


def detect_events(
    wh: Warehouse, slugs: Sequence[str], settings: AlertSettings, today: date
) -> dict[str, list[AlertEvent]]:
    """Events per chart: the chart events of ``slugs``, the audience events of watched songs and artists on
    their latest editions (under every chart they are on), and the staleness of every followed chart."""
    watchers = Watchers.of(wh.list_watches())
    since_day = today - timedelta(days=settings.lookback_days)
    since = datetime.combine(since_day, time(), tzinfo=timezone.utc)
    registry = {row.slug: row for row in wh.list_charts()}
    found: dict[str, list[AlertEvent]] = {slug: [] for slug in slugs}
    watched = _Watched({}, {})
    for slug in slugs if watchers else ():
        editions, first = split_editions(wh.editions_since(slug, since), since)
        if first == len(editions):
            continue
        credits = wh.song_credits(row.song_uuid for edition in editions for row in edition)
        name = (registry[slug].name if slug in registry else None) or slug
        best = wh.best_positions_before(slug, editions[first][0].ranking_date)
        context = ChartContext(slug, name, editions, first, best, credits, wh.first_edition(slug))
        found[slug].extend(chart_events(context, watchers))
        _note_watched(watched, slug, editions[-1], credits, watchers)
    for slug, events in _audience(wh, watched, settings, since_day).items():
        found[slug].extend(events)
    for slug, latest in wh.latest_editions().items():
        chart = registry.get(slug)
        event = chart and stale_event(slug, chart.name, chart.frequency, latest, today)
        if event:
            found.setdefault(slug, []).append(event)
    return {slug: _unique(events) for slug, events in found.items()}


def _note_watched(
    watched: _Watched, slug: str, edition: Sequence[RankedSong], credits: Mapping[str, SongCredits], watchers: Watchers
) -> None:
    for row in edition:
        song = credits.get(row.song_uuid)
        lists = watchers.of_song(song)
        if lists:
            name = (song.name if song else None) or row.song_name or row.song_uuid
            watched.songs.setdefault(row.song_uuid, (name, lists, []))[2].append(slug)
        for artist in song.artists if song else ():
            artist_lists = watchers.of_artist(artist)
            if artist_lists:
                name = artist.name or artist.slug or artist.uuid
                watched.artists.setdefault(artist.uuid, (name, artist_lists, []))[2].append(slug)


def _audience(wh: Warehouse, watched: _Watched, settings: AlertSettings, since: date) -> dict[str, list[AlertEvent]]:
    """Each watched series' events once, listed under every chart its song or artist is on."""
    start = since - timedelta(days=settings.baseline_days + SLOWEST_CRAWL_DAYS)
    found: dict[str, list[AlertEvent]] = {}

    def add(subject: Subject, points: Sequence[tuple[date, int]], lists: dict[str, str], charts: list[str]) -> None:
        events = audience_events(
            subject, points, lists, since, settings.spike_k, settings.baseline_days, settings.milestones
        )
        for slug in dict.fromkeys(charts):
            found.setdefault(slug, []).extend(events)

    if watched.artists:
        for (uuid, platform, metric), points in wh.artist_series(watched.artists, start).items():
            name, lists, charts = watched.artists[uuid]
            add(Subject(uuid, name, platform, metric), points, lists, charts)
    if watched.songs:
        metrics = track_metrics()
        for (uuid, platform), points in wh.track_series(watched.songs, start, metrics).items():
            name, lists, charts = watched.songs[uuid]
            add(Subject(uuid, f'"{name}"', platform, metrics[platform]), points, lists, charts)
    return found


def _unique(events: Sequence[AlertEvent]) -> list[AlertEvent]:
    """One event per key (a song watched through its artist and its chart in one watchlist), first kept."""
    kept: dict[str, AlertEvent] = {}
    for event in events:
        kept.setdefault(event.key, event)
    return list(kept.values())

"""A small chart written through the Warehouse methods, shared by the insight tests.

The same chart as tests/unit/insight/test_insight.py, so the expected movers and growth are the hand-computed ones:
  previous 2024-05-03: 1 A, 2 B, 3 C, 4 D, 5 E;  latest 2024-05-10: 1 C, 2 A, 3 F, 4 B, 5 G, 6 H
  G was ranked on 2024-04-26 (a re-entry); H is a re-entry by the API's entry state.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from soundcharts_assets.soundcharts.models import (
    AirplayCount,
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

SLUG = "insight-test"
CHART = Chart(slug=SLUG, name="Insight Test Top 6", platform="spotify", frequency="weekly")
FETCHED = datetime(2024, 5, 10, 12, tzinfo=timezone.utc)
SONG_NAMES = {s: f"Song {s.upper()}" for s in "abcdefgh"} | {"c": "Northern Lights"}
CREDITS = {"a": "xy", "b": "y", "c": "x", "d": "w", "e": "w", "f": "z", "h": "x"}
STATES = {"N": "NEW", "R": "RE_ENTRY", "U": "UP", "D": "DOWN"}
ARTIST_NAMES = {"w": "Wren", "x": "Xavi Lume", "y": "Yara", "z": "Zed"}


def day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def ranking(when: str, songs: str, states: str | None = None) -> ChartRanking:
    entries = tuple(
        RankingEntry(
            song=SongRef(uuid=s, name=SONG_NAMES[s], credit_name=None),
            position=i,
            entry_state=STATES[states[i - 1]] if states else None,
        )
        for i, s in enumerate(songs, start=1)
    )
    return ChartRanking(chart=CHART, date=day(when), entries=entries)


def seed_catalogue(wh: Warehouse) -> None:
    wh.write_ranking(ranking("2024-04-26", "gabcd"), fetched_at=FETCHED)
    wh.write_ranking(ranking("2024-05-03", "abcde"), fetched_at=FETCHED)
    wh.write_ranking(ranking("2024-05-10", "cafbgh", "UDNDNR"), fetched_at=FETCHED)
    refs = {a: ArtistRef(uuid=a, slug=a, name=ARTIST_NAMES[a]) for a in ARTIST_NAMES}
    songs = [Song(uuid=s, name=SONG_NAMES[s], artists=tuple(refs[a] for a in CREDITS.get(s, ""))) for s in SONG_NAMES]
    wh.upsert_songs(songs, fetched_at=FETCHED)
    wh.link_track_artists({song.uuid: list(song.artists) for song in songs})
    wh.upsert_artists([Artist(uuid=a, name=n, slug=a) for a, n in ARTIST_NAMES.items()], fetched_at=FETCHED)


def seed_audience(wh: Warehouse) -> None:
    followers = {
        "x": {"2024-04-12": 1000, "2024-05-03": 1100, "2024-05-10": 1210},
        "y": {"2024-04-10": 500, "2024-05-01": 600, "2024-05-09": 660},
        "z": {"2024-05-10": 100},
    }
    for artist, values in followers.items():
        points = [ArtistAudiencePoint(date.fromisoformat(d), "followers", v) for d, v in values.items()]
        wh.write_artist_audience(artist, "spotify", points, fetched_at=FETCHED)
    streams = {"2024-04-12": (1000, 100), "2024-05-03": (2000, 200), "2024-05-10": (2600, 260)}
    points = [
        SongAudiencePoint(date.fromisoformat(d), ident, value)
        for d, values in streams.items()
        for ident, value in zip(("s1", "s2"), values)
    ]
    wh.write_track_audience("c", "spotify", points, fetched_at=FETCHED)
    for when, spins in (("2024-05-03", (10, 5)), ("2024-05-10", (12, 9))):
        counts = [AirplayCount("bbc-2", "BBC Radio 2", "GB", spins[0]), AirplayCount("z100", "Z100", "US", spins[1])]
        wh.write_track_airplay("c", date.fromisoformat(when), counts, fetched_at=FETCHED)


def seed(url: str) -> None:
    wh = Warehouse(url)
    try:
        wh.migrate()
        seed_catalogue(wh)
        seed_audience(wh)
    finally:
        wh.dispose()


def publish_next_edition(url: str) -> None:
    """A new edition a week later: C falls to 2, A climbs to 1; the others leave."""
    wh = Warehouse(url)
    try:
        wh.write_ranking(ranking((day("2024-05-10") + timedelta(days=7)).date().isoformat(), "ac"), fetched_at=FETCHED)
    finally:
        wh.dispose()

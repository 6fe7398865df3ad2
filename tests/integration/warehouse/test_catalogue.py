"""Songs, artists and the credits linking them (``warehouse/catalogue.py``), on SQLite and Postgres."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from soundcharts_assets.soundcharts.models import ArtistRef
from soundcharts_assets.warehouse import Warehouse
from tests.integration.warehouse.builders import DAY2, NOW, artist, ranking, song

# -- tracks and artists --------------------------------------------------------------------------------------


def test_songs_upsert_staleness_and_missing(wh: Warehouse) -> None:
    wh.write_ranking(ranking(DAY2, ["fresh", "old", "gone", "never"]))
    old = NOW - timedelta(days=10)
    assert wh.upsert_songs([song("fresh", "a1"), song("old", "a2")], old) == 2
    assert wh.upsert_songs([song("fresh", "a1", "a2")], NOW) == 1
    wh.upsert_songs([song("fresh", "a1", "a2")], NOW)
    wh.record_missing_songs(["gone", "gone"], NOW)
    assert wh.table_counts()["tracks"] == 3

    uuids = ["never", "fresh", "old", "gone"]
    assert wh.due_song_uuids(uuids, timedelta(days=7), NOW) == ["never", "old"]
    assert wh.due_song_uuids(uuids, timedelta(days=7), NOW + timedelta(days=8)) == uuids
    assert wh.songs_without_metadata("top-fr") == ["gone", "never"]
    assert wh.songs_not_found("top-fr") == ["gone"]
    track = wh.get_track("fresh")
    assert track is not None and track.name == "Song fresh" and track.fetched_at == NOW
    assert track.genres == [{"root": "pop", "sub": ["dance pop"]}] and len(track.credited_artists) == 2
    assert wh.get_track("never") is None
    assert wh.credited_artists(["fresh", "gone", "never"]) == {
        "fresh": [ArtistRef("a1", "artist-a1", "Artist a1"), ArtistRef("a2", "artist-a2", "Artist a2")]
    }


def test_link_track_artists_keeps_fetched_artists_and_replaces_links(wh: Warehouse) -> None:
    wh.write_ranking(ranking(DAY2, ["s1", "s2"]))
    wh.upsert_artists([artist("a1")], NOW)
    links = {
        "s1": [ArtistRef("a1", "stub-slug", "Stub name"), ArtistRef("a2", "artist-a2", "Artist a2")],
        "s2": [ArtistRef("a3", None, None), ArtistRef("a3", None, None)],
    }
    assert wh.link_track_artists(links) == 3
    assert wh.link_track_artists(links) == 3
    counts = wh.table_counts()
    assert (counts["track_artists"], counts["artists"]) == (3, 3)

    with wh.connection() as conn:
        rows = {r.artist_uuid: r for r in conn.execute(sa.text("SELECT * FROM artists"))}
    assert rows["a1"].name == "Fetched a1" and rows["a1"].slug == "artist-a1" and rows["a1"].status == "ok"
    assert rows["a2"].fetched_at is None and rows["a2"].name == "Artist a2" and rows["a2"].status == "stub"

    assert wh.chart_artist_uuids("top-fr") == ["a1", "a2", "a3"]
    assert wh.artists_without_metadata("top-fr") == ["a2", "a3"]
    assert wh.due_artist_uuids(["a1", "a2", "zz"], timedelta(days=7), NOW) == ["a2", "zz"]
    assert wh.due_artist_uuids(["a1"], timedelta(days=7), NOW + timedelta(days=8)) == ["a1"]

    wh.link_track_artists({"s1": [ArtistRef("a2")]})  # the song's credits changed: a1 is no longer on it
    assert wh.chart_artist_uuids("top-fr") == ["a2", "a3"]
    wh.upsert_artists([artist("a2")], NOW)
    wh.record_missing_artists(["a3"], NOW)
    assert wh.artists_without_metadata("top-fr") == ["a3"]
    assert wh.artists_not_found("top-fr") == ["a3"]
    assert wh.due_artist_uuids(["a2", "a3"], timedelta(days=7), NOW) == []


def test_large_inputs_are_chunked(wh: Warehouse) -> None:
    uuids = [f"song-{i:05d}" for i in range(3000)]
    assert wh.upsert_songs([song(u, f"art-{i % 700}") for i, u in enumerate(uuids)], NOW) == 3000
    wh.link_track_artists(wh.credited_artists(uuids))
    assert wh.table_counts()["artists"] == 700
    stale = wh.due_song_uuids(uuids + [f"new-{i}" for i in range(2000)], timedelta(days=1), NOW)
    assert len(stale) == 2000
    assert len(wh.due_audience("song", uuids, ["spotify", "shazam"], timedelta(days=1), NOW)) == 6000

"""The pandas loaders analysts and the insight assets read through (``warehouse/loaders.py``)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from soundcharts_assets.soundcharts.models import AirplayCount, ArtistAudiencePoint, Chart, SongAudiencePoint
from soundcharts_assets.warehouse import (
    Warehouse,
    load_artist_audience,
    load_artists,
    load_chart,
    load_ranking_history,
    load_track_audience,
    load_tracks,
)
from soundcharts_assets.warehouse.loaders import load_edition_artist_audience, load_edition_track_audience
from tests.integration.warehouse.builders import DAY1, DAY2, NOW, artist, ranking, song

# -- loaders -------------------------------------------------------------------------------------------------


def _fill_for_loaders(wh: Warehouse) -> None:
    wh.write_ranking(ranking(DAY1, ["s2", "s1"]))
    wh.write_ranking(ranking(DAY2, ["s1", "s2", "s3"]))
    wh.write_ranking(ranking(DAY2, ["other"], Chart(slug="top-us", name="Top US", platform="spotify")))
    wh.upsert_songs([song("s1", "a1", "a2"), song("s2", "a2"), song("other", "a9")], NOW)
    wh.link_track_artists(wh.credited_artists(["s1", "s2", "other"]))
    wh.upsert_artists([artist("a1")], NOW)
    wh.write_track_audience("s1", "spotify", [SongAudiencePoint(date(2024, 5, 1), "sp-1", 7)], NOW)
    wh.write_track_audience("other", "spotify", [SongAudiencePoint(date(2024, 5, 1), "sp-9", 1)], NOW)
    wh.write_track_airplay("s1", date(2024, 5, 9), [AirplayCount("radio-a", "Radio A", "FR", 12)], NOW)
    wh.write_artist_audience("a1", "instagram", [ArtistAudiencePoint(date(2024, 5, 1), "followers", 42)], NOW)
    wh.write_artist_audience("a9", "instagram", [ArtistAudiencePoint(date(2024, 5, 1), "followers", 1)], NOW)


def test_loaders_return_joined_frames(wh: Warehouse, warehouse_url: str) -> None:
    _fill_for_loaders(wh)
    chart = load_chart(wh, "top-fr")
    assert chart["position"].tolist() == [1, 2, 3]
    assert chart["song_uuid"].tolist() == ["s1", "s2", "s3"]
    assert chart["name"].tolist() == ["Song s1", "Song s2", "ranked s3"]  # s3 has no metadata yet
    assert chart.loc[0, "artists"] == "Fetched a1, Artist a2"
    assert chart.loc[0, "isrc"] == song("s1").isrc and chart.loc[0, "release_date"] == date(2024, 1, 5)
    assert chart.loc[0, "old_position"] == 2 and chart.loc[0, "time_on_chart"] == 7
    assert chart["ranking_date"].iloc[0] == DAY2
    assert {"position_evolution", "entry_date", "credit_name"} <= set(chart.columns)

    first = load_chart(warehouse_url, "top-fr", DAY1)  # by URL, an earlier edition
    assert first["song_uuid"].tolist() == ["s2", "s1"]
    history = load_ranking_history(wh, "top-fr")
    assert len(history) == 5 and history["ranking_date"].is_monotonic_increasing

    tracks = load_tracks(wh, "top-fr")
    assert tracks["song_uuid"].tolist() == ["s1", "s2"]
    assert len(load_tracks(wh)) == 3
    assert load_artists(wh, "top-fr")["artist_uuid"].tolist() == ["a1", "a2"]
    audience = load_track_audience(wh, "top-fr")
    assert sorted(audience["platform"]) == ["airplay", "spotify"]
    assert load_track_audience(wh, platform="spotify")["value"].tolist() == [1, 7]
    artist_audience = load_artist_audience(wh, "top-fr", "instagram")
    assert artist_audience[["artist_uuid", "name", "value"]].values.tolist() == [["a1", "Fetched a1", 42]]
    assert load_chart(wh, "unknown").empty


def test_audience_loaders_read_only_the_last_rows_when_asked(wh: Warehouse) -> None:
    """The assets' metadata previews read ``last=n`` in SQL; it must equal the tail of the full frame."""
    for uuid in ("s1", "s2", "s3"):
        points = [SongAudiencePoint(date(2024, 5, d), f"sp-{uuid}", d) for d in range(1, 8)]
        wh.write_track_audience(uuid, "spotify", points, NOW)
        wh.write_track_audience(uuid, "youtube", points[:3], NOW)
        followers = [ArtistAudiencePoint(date(2024, 5, d), "followers", 10 * d) for d in range(1, 5)]
        wh.write_artist_audience(f"a-{uuid}", "tiktok", followers, NOW)
    full, tail = load_track_audience(wh), load_track_audience(wh, last=4)
    pd.testing.assert_frame_equal(tail, full.tail(4).reset_index(drop=True))
    assert tail["song_uuid"].tolist() == ["s3"] * 4
    assert tail["platform"].tolist() == ["spotify", "youtube", "youtube", "youtube"]
    artist_full, artist_tail = load_artist_audience(wh), load_artist_audience(wh, last=5)
    pd.testing.assert_frame_equal(artist_tail, artist_full.tail(5).reset_index(drop=True))
    assert len(load_track_audience(wh, last=1000)) == len(full) == 30


def test_edition_track_audience_is_summed_per_song_platform_and_day(wh: Warehouse) -> None:
    """Momentum reads one value per song, platform and day: ids and radios summed in the database."""
    wh.write_ranking(ranking(DAY2, ["s1", "s2"]))
    day = date(2024, 5, 1)
    wh.write_track_audience(
        "s1", "spotify", [SongAudiencePoint(day, "sp-1", 7), SongAudiencePoint(day, "sp-2", 5)], NOW
    )
    wh.write_track_audience("s1", "spotify", [SongAudiencePoint(date(2024, 4, 1), "sp-1", 3)], NOW)
    spins = [AirplayCount("radio-a", "Radio A", "FR", 12), AirplayCount("radio-b", None, "FR", 3)]
    wh.write_track_airplay("s1", date(2024, 5, 9), spins, NOW)
    wh.write_track_audience("s2", "shazam", [SongAudiencePoint(day, "sz", None)], NOW)
    frame = load_edition_track_audience(wh, "top-fr", since=date(2024, 4, 15))
    assert list(frame.columns) == ["song_uuid", "platform", "date", "value"]
    rows = [(r.song_uuid, r.platform, pd.Timestamp(r.date).date(), r.value) for r in frame.itertuples()]
    assert rows[:2] == [("s1", "airplay", date(2024, 5, 9), 15), ("s1", "spotify", day, 12)]
    assert len(rows) == 3 and pd.isna(rows[2][3])  # a day with no value stays empty, not 0
    assert frame["value"].dtype.kind in "if"  # numbers, not Decimal objects (Postgres sums bigint to numeric)


def test_edition_artist_audience_reads_only_the_metrics_asked_for(wh: Warehouse) -> None:
    _fill_for_loaders(wh)
    points = [ArtistAudiencePoint(date(2024, 5, 1), "likes", 9), ArtistAudiencePoint(date(2024, 5, 2), "followers", 43)]
    wh.write_artist_audience("a1", "instagram", points, NOW)
    every = load_edition_artist_audience(wh, "top-fr")
    growth = load_edition_artist_audience(wh, "top-fr", since=date(2024, 5, 2), metrics=["followers"])
    assert set(every["metric"]) == {"followers", "likes"}
    assert growth[["artist_uuid", "metric", "value"]].values.tolist() == [["a1", "followers", 43]]


def test_recent_days_keep_each_series_last_days_before_its_newest_point(wh: Warehouse) -> None:
    """Insight reads only what a change can reach: per series, the days at most N before its newest one
    (a track's newest day with a value: a day with none cannot be "as of")."""
    wh.write_ranking(ranking(DAY2, ["s1", "s2"]))
    wh.write_ranking(ranking(DAY2, ["other"], Chart(slug="top-us", name="Top US", platform="spotify")))
    days = [date(2024, 4, 1), date(2024, 4, 20), date(2024, 4, 26), date(2024, 5, 1)]
    wh.write_track_audience("s1", "spotify", [SongAudiencePoint(d, "sp-1", i) for i, d in enumerate(days)], NOW)
    wh.write_track_audience("s1", "spotify", [SongAudiencePoint(date(2024, 5, 9), "sp-1", None)], NOW)
    wh.write_track_audience("s2", "shazam", [SongAudiencePoint(d, "sz", 5) for d in days[:2]], NOW)
    wh.write_track_audience("other", "youtube", [SongAudiencePoint(d, "yt", 1) for d in days], NOW)
    frame = load_edition_track_audience(wh, "top-fr", "top-us", since=date(2024, 4, 10), recent_days=5)
    kept = {(r.song_uuid, r.platform, pd.Timestamp(r.date).date()) for r in frame.itertuples()}
    # s1 spotify: newest value 05-01 (05-09 has none), so 04-26 on; s2 shazam: newest 04-20, 04-01 is before since
    assert kept == {
        ("s1", "spotify", date(2024, 4, 26)),
        ("s1", "spotify", date(2024, 5, 1)),
        ("s1", "spotify", date(2024, 5, 9)),
        ("s2", "shazam", date(2024, 4, 20)),
        ("other", "youtube", date(2024, 4, 26)),
        ("other", "youtube", date(2024, 5, 1)),
    }

    wh.upsert_songs([song("s1", "a1")], NOW)
    wh.link_track_artists(wh.credited_artists(["s1"]))
    followers = [ArtistAudiencePoint(d, "followers", 10) for d in days] + [
        ArtistAudiencePoint(date(2024, 5, 3), "followers", None)
    ]
    wh.write_artist_audience("a1", "instagram", followers, NOW)
    artists = load_edition_artist_audience(wh, "top-fr", recent_days=7)
    # an artist series' newest row counts even without a value (growth's "as of" is its newest stored day)
    assert [pd.Timestamp(d).date() for d in artists["date"]] == [date(2024, 4, 26), date(2024, 5, 1), date(2024, 5, 3)]


def test_load_charts_reads_each_charts_latest_edition_as_load_chart_does(wh: Warehouse) -> None:
    """A fleet's editions in one read: each chart's frame is ``load_chart``'s, dtypes included (top-fr's latest,
    not DAY1's; s3 without metadata, so its duration is missing: a float column in the read, an integer one in
    top-us's frame and one of ``None`` in top-new's, whose only song has no metadata), a chart with no edition
    is left out."""
    from soundcharts_assets.warehouse.loaders import load_charts

    _fill_for_loaders(wh)
    wh.write_ranking(ranking(DAY2, ["s8"], Chart(slug="top-new", name="Top New", platform="spotify")))
    charts = load_charts(wh, ["top-us", "top-fr", "unknown", "top-fr", "top-new"])
    assert list(charts) == ["top-fr", "top-new", "top-us"]
    assert charts["top-new"]["duration"].tolist() == [None] and charts["top-us"]["duration"].dtype == "int64"
    for slug, frame in charts.items():
        pd.testing.assert_frame_equal(frame, load_chart(wh, slug))
    assert charts["top-fr"]["song_uuid"].tolist() == ["s1", "s2", "s3"]
    assert load_charts(wh, ["unknown"]) == {}

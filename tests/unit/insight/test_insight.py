"""Movers, growth and momentum on a small hand-made chart whose answers were worked out by hand.

Editions (previous 2024-05-03 -> latest 2024-05-10):
  previous: 1 A, 2 B, 3 C, 4 D, 5 E
  latest:   1 C, 2 A, 3 F (new), 4 B, 5 G (ranked in April: re-entry), 6 H (API says RE_ENTRY)
Credits on the latest edition: C by X; A by X and Y; F by Z; B by Y; G by nobody stored; H by X.
"""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from soundcharts_assets.insight import artist_growth, chart_movers, chart_share, track_momentum
from soundcharts_assets.insight.growth import ChartArtists, artist_growth_by_chart, fastest_growing
from soundcharts_assets.insight.momentum import track_momentum_by_chart
from soundcharts_assets.insight.movers import split_editions
from soundcharts_assets.insight.pictures import growth_png, movers_png

PREVIOUS, LATEST = pd.Timestamp("2024-05-03", tz="UTC"), pd.Timestamp("2024-05-10", tz="UTC")
ARTISTS = {"a": "X, Y", "b": "Y", "c": "X", "d": "W", "e": "W", "f": "Z", "g": None, "h": "X"}


def edition(when: pd.Timestamp, songs: str, **extra: list) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "ranking_date": when,
            "position": range(1, len(songs) + 1),
            "song_uuid": list(songs),
            "name": [f"Song {s.upper()}" for s in songs],
            "artists": [ARTISTS[s] for s in songs],
        }
    )
    return frame.assign(**extra)


@pytest.fixture
def editions() -> tuple[pd.DataFrame, pd.DataFrame]:
    previous = edition(PREVIOUS, "abcde")
    latest = edition(LATEST, "cafbgh", entry_state=["UP", "DOWN", "NEW", "DOWN", "NEW", "RE_ENTRY"])
    return previous, latest


FIRST_RANKED = pd.DataFrame(
    {
        "song_uuid": list("abcdefgh"),
        "first_ranking_date": pd.to_datetime(["2024-04-01"] * 5 + ["2024-05-10", "2024-04-19", "2024-05-10"], utc=True),
    }
)
LINKS = pd.DataFrame(
    [
        (1, "c", "x", "X"),
        (2, "a", "x", "X"),
        (2, "a", "y", "Y"),
        (3, "f", "z", "Z"),
        (4, "b", "y", "Y"),
        (6, "h", "x", "X"),
    ],
    columns=["position", "song_uuid", "artist_uuid", "name"],
)


def by_kind(movers: pd.DataFrame) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    for row in movers.itertuples():
        previous = None if pd.isna(row.previous_position) else int(row.previous_position)
        position = None if pd.isna(row.position) else int(row.position)
        out.setdefault(row.kind, []).append((row.song_uuid, previous, position))
    return out


def test_movers_between_the_two_latest_editions(editions):
    movers = chart_movers(*editions, first_ranked=FIRST_RANKED)
    assert by_kind(movers) == {
        "new": [("f", None, 3)],
        "re-entry": [("g", None, 5), ("h", None, 6)],
        "climber": [("c", 3, 1)],
        "faller": [("b", 2, 4), ("a", 1, 2)],
        "exit": [("d", 4, None), ("e", 5, None)],
    }
    climber = movers[movers["kind"] == "climber"].iloc[0]
    assert climber["move"] == 2 and climber["artists"] == "X" and climber["name"] == "Song C"
    assert movers.loc[movers["song_uuid"] == "b", "move"].item() == -2
    assert movers.loc[movers["song_uuid"] == "d", "artists"].item() == "W"


def test_movers_from_the_api_fields_when_one_edition_is_stored(editions):
    _, latest = editions
    latest = latest.assign(old_position=[3, 1, 0, 2, 0, 0])
    kinds = by_kind(chart_movers(latest.head(0), latest))
    assert kinds["climber"] == [("c", 3, 1)] and kinds["new"] == [("f", None, 3), ("g", None, 5)]
    assert kinds["re-entry"] == [("h", None, 6)] and "exit" not in kinds


def test_split_editions_and_no_movers(editions):
    previous, latest = split_editions(pd.concat(editions))
    assert previous["song_uuid"].tolist() == list("abcde") and latest["song_uuid"].tolist() == list("cafbgh")
    same = chart_movers(editions[0], editions[0].assign(ranking_date=LATEST))
    assert same.empty and list(same.columns)[:3] == ["kind", "position", "previous_position"]


def test_chart_share_splits_credited_artists():
    share = chart_share(LINKS, entries=6).set_index("artist_uuid")
    assert share.loc["x", "entries"] == 3 and share.loc["x", "chart_share"] == pytest.approx(2.5 / 6)
    assert share.loc["y", "entries"] == 2 and share.loc["y", "chart_share"] == pytest.approx(1.5 / 6)
    assert share.loc["z", "chart_share"] == pytest.approx(1 / 6)
    assert list(share.index) == ["x", "y", "z"]


def audience_rows(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["artist_uuid", "platform", "metric", "date", "value"]).assign(
        date=lambda f: pd.to_datetime(f["date"]).dt.date
    )


ARTIST_AUDIENCE = audience_rows(
    [
        ("x", "spotify", "followers", "2024-04-12", 1000),
        ("x", "spotify", "followers", "2024-05-03", 1100),
        ("x", "spotify", "followers", "2024-05-10", 1210),
        # gaps: the nearest earlier point stands in (04-10 for 04-12, 05-01 for 05-03, 05-09 for 05-10)
        ("y", "spotify", "followers", "2024-04-10", 500),
        ("y", "spotify", "followers", "2024-05-01", 600),
        ("y", "spotify", "followers", "2024-05-09", 660),
        ("z", "spotify", "followers", "2024-05-10", 100),
        ("x", "spotify", "monthly_listeners", "2024-05-03", 0),
        ("x", "spotify", "monthly_listeners", "2024-05-10", 50),
        # 32 and 11 days before the windows' starts: too old to stand in
        ("z", "youtube", "followers", "2024-04-01", 10),
        ("z", "youtube", "followers", "2024-05-10", 20),
        ("x", "youtube", "likes", "2024-05-10", 7),  # not a growth metric
        ("w", "spotify", "followers", "2024-05-10", 9),  # not on the latest edition
    ]
)


def test_artist_growth_by_hand():
    growth = artist_growth(ARTIST_AUDIENCE, LINKS, entries=6)
    rows = {(r.artist_uuid, r.platform, r.metric): r for r in growth.itertuples()}
    assert set(rows) == {
        ("x", "spotify", "followers"),
        ("y", "spotify", "followers"),
        ("z", "spotify", "followers"),
        ("x", "spotify", "monthly_listeners"),
        ("z", "youtube", "followers"),
    }
    x = rows["x", "spotify", "followers"]
    assert (x.value, x.change_7d, x.change_28d) == (1210, 110, 210)
    assert x.change_7d_pct == pytest.approx(10) and x.change_28d_pct == pytest.approx(21)
    assert x.chart_share == pytest.approx(2.5 / 6) and x.as_of == date(2024, 5, 10)
    y = rows["y", "spotify", "followers"]
    assert (y.value, y.change_7d, y.change_28d) == (660, 60, 160)
    assert y.change_7d_pct == pytest.approx(10) and y.change_28d_pct == pytest.approx(32)
    z = rows["z", "spotify", "followers"]
    assert z.value == 100 and math.isnan(z.change_7d) and math.isnan(z.change_28d_pct)
    listeners = rows["x", "spotify", "monthly_listeners"]
    assert listeners.change_7d == 50 and math.isnan(listeners.change_7d_pct)  # from 0: no percentage
    youtube = rows["z", "youtube", "followers"]
    assert youtube.value == 20 and math.isnan(youtube.change_7d) and math.isnan(youtube.change_28d)


def test_fastest_growing_prefers_monthly_listeners_then_followers():
    growth = artist_growth(ARTIST_AUDIENCE, LINKS, entries=6)
    fastest, label = fastest_growing(growth)
    assert label == "spotify followers"  # monthly listeners have no percentage here
    assert fastest["artist_uuid"].tolist() == ["x", "y"]


def test_artist_without_audience_keeps_its_share():
    growth = artist_growth(ARTIST_AUDIENCE.head(0), LINKS, entries=6)
    assert growth["artist_uuid"].tolist() == ["x", "y", "z"] and growth["platform"].isna().all()


def track_rows(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["song_uuid", "platform", "identifier", "date", "value"]).assign(
        date=lambda f: pd.to_datetime(f["date"]).dt.date
    )


TRACK_AUDIENCE = track_rows(
    [
        ("c", "spotify", "s1", "2024-04-12", 1000),
        ("c", "spotify", "s2", "2024-04-12", 100),
        ("c", "spotify", "s1", "2024-05-03", 2000),
        ("c", "spotify", "s2", "2024-05-03", 200),
        ("c", "spotify", "s1", "2024-05-10", 2600),
        ("c", "spotify", "s2", "2024-05-10", 260),
        ("c", "airplay", "bbc-2", "2024-05-03", 10),
        ("c", "airplay", "z100", "2024-05-03", 5),
        ("c", "airplay", "bbc-2", "2024-05-10", 12),
        ("c", "airplay", "z100", "2024-05-10", 9),
        ("a", "shazam", "sh", "2024-05-08", 50),
        ("d", "spotify", "s9", "2024-05-10", 999),  # exited: not on the latest edition
    ]
)


def test_track_momentum_by_hand(editions):
    momentum = track_momentum(TRACK_AUDIENCE, editions[1])
    rows = {(r.song_uuid, r.platform): r for r in momentum.itertuples()}
    assert list(rows) == [("c", "airplay"), ("c", "spotify"), ("a", "shazam")]  # by position, platform
    spotify = rows["c", "spotify"]
    assert (spotify.value, spotify.change_7d, spotify.change_28d) == (2860, 660, 1760)
    assert spotify.change_7d_pct == pytest.approx(30) and spotify.change_28d_pct == pytest.approx(160)
    assert spotify.measure == "streams" and spotify.artists == "X" and spotify.position == 1
    airplay = rows["c", "airplay"]
    assert (airplay.value, airplay.change_7d) == (21, 6) and airplay.change_7d_pct == pytest.approx(40)
    assert math.isnan(airplay.change_28d)
    shazam = rows["a", "shazam"]
    assert shazam.as_of == date(2024, 5, 8) and shazam.value == 50 and math.isnan(shazam.change_7d)


def test_pictures_are_pngs_even_when_empty(editions):
    png = b"\x89PNG\r\n\x1a\n"
    movers = chart_movers(*editions, first_ranked=FIRST_RANKED)
    assert movers_png(movers, "Top 6").startswith(png)
    assert movers_png(movers.head(0), "Top 6").startswith(png)
    fastest, label = fastest_growing(artist_growth(ARTIST_AUDIENCE, LINKS, entries=6))
    assert growth_png(fastest, label, "Artists").startswith(png)
    assert growth_png(fastest.head(0), label, "Artists").startswith(png)


def test_a_fleet_is_computed_as_each_of_its_charts_alone(editions):
    # Three charts sharing artists. y's spotify followers end on 05-09, x's and z's on 05-10: in "yara" (y alone)
    # that series is as of 05-09, in "top" as of 05-10. Each chart compares its series as of its own newest day.
    yara_links = LINKS[LINKS["artist_uuid"] == "y"]
    nulls = audience_rows([("q", "spotify", "followers", "2024-05-10", None)])
    audience = pd.concat([ARTIST_AUDIENCE, nulls], ignore_index=True)
    charts = {
        "top": ChartArtists(LINKS, 6),
        "yara": ChartArtists(yara_links, 2),
        "bare": ChartArtists(LINKS.head(0)),
        "empty values": ChartArtists(pd.DataFrame([(1, "s", "q", "Q")], columns=LINKS.columns), 1),
    }
    fleet = artist_growth_by_chart(audience, charts)
    for slug, chart in charts.items():
        pd.testing.assert_frame_equal(fleet[slug], artist_growth(audience, chart.links, entries=chart.entries))
    yara = fleet["yara"].set_index(["artist_uuid", "platform", "metric"]).loc[("y", "spotify", "followers")]
    assert yara["as_of"] == date(2024, 5, 9) and yara["change_7d"] == 60  # 05-09 against 05-01 (05-02: none)
    top = fleet["top"].set_index(["artist_uuid", "platform", "metric"]).loc[("y", "spotify", "followers")]
    assert top["as_of"] == date(2024, 5, 10) and top["change_7d"] == 60  # 05-09 standing in for 05-10
    assert fleet["bare"].empty
    # a chart whose only series holds no value: its artist keeps its share, series columns typed but empty
    empty = fleet["empty values"]
    assert empty["artist_uuid"].tolist() == ["q"] and empty["value"].isna().all()
    assert empty["value"].dtype == "float64" and empty["platform"].isna().all()

    latest = editions[1]
    shazam_only = latest[latest["song_uuid"] == "a"]
    momentum = track_momentum_by_chart(TRACK_AUDIENCE, {"top": latest, "shazam": shazam_only, "none": latest.head(0)})
    pd.testing.assert_frame_equal(momentum["top"], track_momentum(TRACK_AUDIENCE, latest))
    pd.testing.assert_frame_equal(momentum["shazam"], track_momentum(TRACK_AUDIENCE, shazam_only))
    assert momentum["shazam"]["as_of"].tolist() == [date(2024, 5, 8)] and momentum["none"].empty

    as_of = date(2024, 5, 9)
    fixed = artist_growth_by_chart(ARTIST_AUDIENCE, charts, as_of=as_of)
    pd.testing.assert_frame_equal(fixed["top"], artist_growth(ARTIST_AUDIENCE, LINKS, entries=6, as_of=as_of))

"""The emulator's synthetic catalogue, without HTTP: determinism, seed entities, chart realism."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from soundcharts_assets.emulator import Catalogue

BAD_GUY = "7d534228-5165-11e9-9375-549f35161576"
BILLIE = "11e81bcc-9c1c-ce38-b96b-a0369fe50396"
TODAY = date(2024, 5, 11)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue(seed=7, today=TODAY)


def test_same_seed_gives_the_same_catalogue_and_another_seed_does_not(catalogue: Catalogue) -> None:
    again = Catalogue(seed=7, today=TODAY)
    other = Catalogue(seed=8, today=TODAY)
    assert again.song_uuids() == catalogue.song_uuids()
    assert again.ranking("global-28") == catalogue.ranking("global-28")
    some = catalogue.song_uuids()[1234]
    assert again.song(some) == catalogue.song(some)
    assert set(other.song_uuids()[1:]).isdisjoint(catalogue.song_uuids()[1:])
    assert other.ranking("global-28") != catalogue.ranking("global-28")


def test_pool_sizes_and_seed_entities(catalogue: Catalogue) -> None:
    assert len(catalogue.song_uuids()) == 3000 and len(catalogue.artist_uuids()) == 1500
    song = catalogue.song(BAD_GUY)
    assert song is not None and song["name"] == "bad guy" and song["isrc"]["value"] == "USUM71900764"
    assert [a["uuid"] for a in song["artists"]] == [BILLIE]
    artist = catalogue.artist(BILLIE)
    assert artist is not None and artist["slug"] == "billie-eilish" and artist["countryCode"] == "US"
    chart = catalogue.chart("global-28")
    assert chart is not None and chart["platform"] == "spotify" and chart["maxResultsCount"] == 200
    assert chart["name"] == "Top 200 Global Daily" and chart["countryCode"] is None
    top = [e["song"]["uuid"] for e in catalogue.ranking("global-28")[:20]]
    assert BAD_GUY in top


def test_songs_credit_shared_artists_with_documented_variants(catalogue: Catalogue) -> None:
    songs = [catalogue.song(u) for u in catalogue.song_uuids()]
    credits = Counter(a["uuid"] for s in songs for a in s["artists"])
    assert max(credits.values()) > 5, "artists are shared across songs"
    assert {len(s["artists"]) for s in songs} == {1, 2, 3}
    assert any(isinstance(s["isrc"], str) for s in songs) and any(isinstance(s["isrc"], dict) for s in songs)
    for song in songs[:50]:
        assert song["genres"][0]["root"] and song["labels"][0]["name"] and 100 < song["duration"] < 400


def test_at_least_twenty_charts_over_six_platforms_daily_and_weekly(catalogue: Catalogue) -> None:
    charts = catalogue.song_charts()
    assert len(charts) >= 20
    platforms = {c["platform"] for c in charts}
    assert platforms == {"spotify", "apple-music", "shazam", "airplay", "youtube", "deezer"}
    assert {c["frequency"] for c in charts} == {"daily", "weekly"}
    assert {c["maxResultsCount"] for c in charts} >= {50, 100, 200}
    assert {p["code"] for p in catalogue.platforms()} == {c["platform"] for c in charts}


def test_editions_are_dated_daily_up_to_yesterday_or_weekly_on_fridays(catalogue: Catalogue) -> None:
    daily = catalogue.ranking_dates("global-28")
    assert len(daily) >= 30 and daily[0].date() == TODAY - timedelta(days=1)
    assert all(a - b == timedelta(days=1) for a, b in zip(daily, daily[1:]))
    weekly = catalogue.ranking_dates("airplay-us")
    assert len(weekly) >= 30 and all(d.weekday() == 4 for d in weekly) and weekly[0].date() < TODAY


@pytest.mark.parametrize("slug", ["global-28", "airplay-us", "top-100-global", "shazam-top-50-fr"])
def test_consecutive_editions_are_consistent(catalogue: Catalogue, slug: str) -> None:
    dates = catalogue.ranking_dates(slug)[:12]
    states: Counter[str] = Counter()
    for newer, older in zip(dates, dates[1:]):
        previous = {e["song"]["uuid"]: e for e in catalogue.ranking(slug, older)}
        current = catalogue.ranking(slug, newer)
        assert [e["position"] for e in current] == list(range(1, len(current) + 1))
        for entry in current:
            state = entry["entryState"]
            states[state] += 1
            before = previous.get(entry["song"]["uuid"])
            if before is not None:
                assert state in ("UP", "DOWN", "SAME")
                assert entry["oldPosition"] == before["position"]
                assert entry["positionEvolution"] == before["position"] - entry["position"]
                assert entry["timeOnChart"] == before["timeOnChart"] + 1
                assert entry["entryDate"] == before["entryDate"]
            else:
                assert state in ("NEW", "RE_ENTRY")
                assert (entry["oldPosition"] == 0) == (state == "NEW")
        metrics = [e["metric"] for e in current]
        if catalogue.chart(slug)["metric"] is None:
            assert set(metrics) == {None}
        else:
            assert metrics == sorted(metrics, reverse=True)
    assert states["UP"] and states["DOWN"], "positions drift between editions"
    assert states["NEW"] + states["RE_ENTRY"], "songs enter and come back"


@pytest.mark.slow
def test_hits_overlap_across_charts(catalogue: Catalogue) -> None:
    appearances = Counter(e["song"]["uuid"] for c in catalogue.song_charts()
                          for e in catalogue.ranking(c["slug"]))
    assert appearances.most_common(1)[0][1] >= 10
    assert sum(1 for n in appearances.values() if n >= 3) >= 50


def test_publish_edition_appends_the_next_newer_edition() -> None:
    catalogue = Catalogue(seed=3, today=TODAY)
    latest = catalogue.ranking_dates("airplay-us")[0]
    published = catalogue.publish_edition("airplay-us")
    assert published - latest == timedelta(days=7)
    assert catalogue.ranking_dates("airplay-us")[0] == published
    newest = {e["song"]["uuid"]: e for e in catalogue.ranking("airplay-us")}
    for entry in catalogue.ranking("airplay-us", latest):
        if entry["song"]["uuid"] in newest and newest[entry["song"]["uuid"]]["entryState"] != "RE_ENTRY":
            assert newest[entry["song"]["uuid"]]["oldPosition"] == entry["position"]


def test_series_are_the_same_whatever_the_window(catalogue: Catalogue) -> None:
    end = TODAY
    wide = catalogue.song_audience(BAD_GUY, "spotify", end - timedelta(days=90), end)
    narrow = catalogue.song_audience(BAD_GUY, "spotify", end - timedelta(days=20), end - timedelta(days=10))
    by_date = {p["date"]: p for p in wide}
    assert narrow and all(by_date[p["date"]] == p for p in narrow)
    assert len(wide) < 91, "some days are missing"
    assert {p["date"][-6:] for p in wide} == {"+00:00", "+02:00"}
    assert len(wide[0]["plots"]) == 2 and wide[-1]["plots"][0]["value"] > wide[0]["plots"][0]["value"]
    followers = catalogue.artist_audience(BILLIE, "instagram", end - timedelta(days=90), end)
    assert followers[-1]["followerCount"] > followers[0]["followerCount"]
    assert followers[0]["viewCount"] is None
    assert catalogue.monthly_listeners(BILLIE, end - timedelta(days=5), end)

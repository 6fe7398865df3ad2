"""The fleet catalogue (``charts`` knob) without HTTP: its charts, its overlap, and the default left alone."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from soundcharts_assets.emulator import Catalogue
from soundcharts_assets.emulator.charts import CHARTS, MAX_FLEET_CHARTS, fleet_charts
from soundcharts_assets.emulator.countries import WORLD

BAD_GUY = "7d534228-5165-11e9-9375-549f35161576"
BILLIE = "11e81bcc-9c1c-ce38-b96b-a0369fe50396"
TODAY = date(2026, 11, 30)


@pytest.fixture(scope="module")
def fleet() -> Catalogue:
    # One served edition per chart keeps 100 chart histories cheap; the overlap is a property of an edition.
    return Catalogue(seed=7, today=TODAY, charts=100, ranking_editions=1)


def test_the_default_catalogue_is_the_one_it_always_was() -> None:
    default = Catalogue(seed=7, today=TODAY)
    assert [c["slug"] for c in default.song_charts()] == [c.slug for c in CHARTS] and len(CHARTS) == 26
    assert len(default.song_uuids()) == 3000 and len(default.artist_uuids()) == 1500
    assert default.song_uuids()[0] == BAD_GUY and default.song(BAD_GUY)["name"] == "bad guy"
    assert default.artist_uuids()[0] == BILLIE and default.artist(BILLIE)["name"] == "Billie Eilish"
    assert default.chart("global-28")["name"] == "Top 200 Global Daily"
    assert all(not default.artist_record(u).account_scale for u in default.artist_uuids())


def test_a_fleet_is_spotify_daily_for_sixty_markets_then_the_other_platforms() -> None:
    charts = fleet_charts(120)
    assert [c.slug for c in charts[:26]] == [c.slug for c in CHARTS], "the default charts come first"
    spotify_daily = {c.country_code for c in charts if c.platform == "spotify" and c.frequency == "daily"}
    assert None in spotify_daily and len(spotify_daily - {None}) == len(WORLD) >= 60
    assert {c.platform for c in charts[90:]} >= {"apple-music", "shazam", "deezer", "youtube", "airplay"}
    assert len({c.slug for c in charts}) == 120 and fleet_charts(10) == charts[:10]
    with pytest.raises(ValueError):
        fleet_charts(MAX_FLEET_CHARTS + 1)


@pytest.mark.slow
def test_a_fleet_keeps_the_seed_entities_and_scales_its_pools(fleet: Catalogue) -> None:
    assert len(fleet.song_charts()) == 100 and fleet.chart("top-200-pl")["countryName"] == "Poland"
    assert fleet.song(BAD_GUY)["name"] == "bad guy" and fleet.artist(BILLIE)["slug"] == "billie-eilish"
    assert len(fleet.song_uuids()) > 3000 and len(fleet.artist_uuids()) > 1500
    assert {fleet.artist_record(u).country_code for u in fleet.artist_uuids()} >= {"PL", "IN", "ZA", "AR"}
    again = Catalogue(seed=7, today=TODAY, charts=100, ranking_editions=1)
    assert again.song_uuids() == fleet.song_uuids() and again.ranking("top-200-pl") == fleet.ranking("top-200-pl")


@pytest.mark.slow
def test_unique_songs_and_artists_grow_far_slower_than_the_charts(fleet: Catalogue) -> None:
    slugs = [c["slug"] for c in fleet.song_charts()]
    songs: set[str] = set()
    artists: set[str] = set()
    entries, grown = 0, {}
    for count, slug in enumerate(slugs, start=1):
        ranking = fleet.ranking(slug)
        entries += len(ranking)
        for entry in ranking:
            songs.add(entry["song"]["uuid"])
            artists.update(fleet.song_record(entry["song"]["uuid"]).artist_uuids)
        if count in (10, 50, 100):
            grown[count] = (len(songs), len(artists), entries)
    (s10, a10, _), (s50, a50, _), (s100, a100, e100) = grown[10], grown[50], grown[100]
    assert s10 < s50 < s100 and a10 < a50 < a100
    assert s100 < 0.35 * e100 and s100 < 0.25 * 100 * 200, "a hit sits on many charts"
    assert s100 < 5 * s10 and a100 < 5 * a10, "10x the charts is far less than 10x the songs"
    assert s100 - s50 < s50 - s10, "each new chart brings fewer new songs"


@pytest.mark.slow
def test_global_hits_sit_on_many_country_charts_and_markets_have_local_acts(fleet: Catalogue) -> None:
    spotify = [c for c in fleet.song_charts("spotify") if c["countryCode"] and c["frequency"] == "daily"]
    appearances = Counter(e["song"]["uuid"] for c in spotify for e in fleet.ranking(c["slug"]))
    assert appearances.most_common(1)[0][1] >= len(spotify) // 2
    for slug, code in (("top-200-pl", "PL"), ("top-200-kr", "KR"), ("top-200-us", "US")):
        local = [e for e in fleet.ranking(slug) if fleet.song_record(e["song"]["uuid"]).country_code == code]
        assert 10 <= len(local) < 200, slug

"""Crawl cadences and lastCrawlDate over a real socket, and the counters that show what was served twice."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import httpx
import pytest

from soundcharts_assets.emulator import EmulatorConfig, EmulatorServer

BAD_GUY = "7d534228-5165-11e9-9375-549f35161576"
BILLIE = "11e81bcc-9c1c-ce38-b96b-a0369fe50396"
SANDBOX = {"x-app-id": "soundcharts", "x-api-key": "soundcharts"}
TODAY = date(2026, 11, 30)
WINDOW = {"startDate": (TODAY - timedelta(days=90)).isoformat(), "endDate": TODAY.isoformat()}


@pytest.fixture(scope="module")
def fleet():
    """A small fleet: its artists have small secondary accounts, crawled every 3 to 15 days."""
    with EmulatorServer(EmulatorConfig(seed=7, today=TODAY, charts=30, ranking_editions=3)) as server:
        yield server


def client(server: EmulatorServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers=SANDBOX, timeout=10)


def _days(body: dict) -> list[date]:
    return [date.fromisoformat(item["date"][:10]) for item in body["items"]]


def _gaps(days: list[date]) -> set[int]:
    return {(b - a).days for a, b in zip(days, days[1:])}


def _crawled_on(body: dict) -> date:
    crawled = datetime.fromisoformat(body["related"]["lastCrawlDate"])
    assert crawled.utcoffset() == timedelta(0)
    return crawled.date()


def test_large_accounts_every_two_days_small_ones_every_fifteen(fleet: EmulatorServer) -> None:
    catalogue = fleet.catalogue
    charted = {
        a for e in catalogue.ranking("top-200-gb") for a in catalogue.song_record(e["song"]["uuid"]).artist_uuids
    }
    small = next(
        (u, p)
        for u in sorted(charted)
        for p in sorted(catalogue.artist_record(u).platforms)
        if catalogue.cadence("artist", u, p).interval == 15
    )
    with client(fleet) as http:
        big = http.get(f"/api/v2/artist/{BILLIE}/audience/instagram", params=WINDOW).json()
        tiny = http.get(f"/api/v2/artist/{small[0]}/audience/{small[1]}", params=WINDOW).json()
    big_days, tiny_days = _days(big), _days(tiny)
    assert len(big_days) >= 38 and min(_gaps(big_days)) == 2 and all(g % 2 == 0 for g in _gaps(big_days))
    assert 4 <= len(tiny_days) <= 7 and all(g % 15 == 0 for g in _gaps(tiny_days))
    for body, days in ((big, big_days), (tiny, tiny_days)):
        assert _crawled_on(body) == days[-1] <= TODAY, "the newest point is the last crawl"
    assert tiny["items"] == catalogue.artist_audience(small[0], small[1], TODAY - timedelta(days=90), TODAY)


def test_song_series_and_listeners_are_daily_with_gaps_and_airplay_is_crawled_today(fleet: EmulatorServer) -> None:
    with client(fleet) as http:
        streams = http.get(f"/api/v2/song/{BAD_GUY}/audience/spotify", params=WINDOW).json()
        listeners = http.get(f"/api/v2/artist/{BILLIE}/streaming/spotify/listening", params=WINDOW).json()
        airplay = http.get(f"/api/v2/song/{BAD_GUY}/broadcast-groups", params=WINDOW).json()
    for body in (streams, listeners):
        days = _days(body)
        assert 78 <= len(days) <= 91 and min(_gaps(days)) == 1
        assert _crawled_on(body) == days[-1]
    assert _crawled_on(airplay) == TODAY and airplay["related"]["uuid"] == BAD_GUY


def test_the_default_catalogue_crawls_social_audiences_every_two_days(shared_emulator: EmulatorServer) -> None:
    today = shared_emulator.catalogue.today()
    window = {"startDate": (today - timedelta(days=60)).isoformat(), "endDate": today.isoformat()}
    with client(shared_emulator) as http:
        body = http.get(f"/api/v2/artist/{BILLIE}/audience/tiktok", params=window).json()
    days = _days(body)
    assert all(g % 2 == 0 for g in _gaps(days)) and _crawled_on(body) == days[-1]
    assert body["items"] == shared_emulator.catalogue.artist_audience(
        BILLIE, "tiktok", today - timedelta(days=60), today
    )


def test_counters_show_series_and_points_served_twice(emulator: EmulatorServer) -> None:
    today = emulator.catalogue.today()
    first = {"startDate": (today - timedelta(days=20)).isoformat(), "endDate": today.isoformat()}
    overlap = {
        "startDate": (today - timedelta(days=30)).isoformat(),
        "endDate": (today - timedelta(days=10)).isoformat(),
    }
    with client(emulator) as http:
        a = http.get(f"/api/v2/song/{BAD_GUY}/audience/shazam", params=first).json()
        b = http.get(f"/api/v2/song/{BAD_GUY}/audience/shazam", params=overlap).json()
        c = http.get(f"/api/v2/artist/{BILLIE}/audience/spotify", params=first).json()
        d = http.get(f"/api/v2/artist/{BILLIE}/streaming/spotify/listening", params=first).json()
        http.get(f"/api/v2/song/{BAD_GUY}/broadcast-groups", params=first)
        http.get(f"/api/v2/song/{BAD_GUY}/audience/myspace")  # a 404 serves nothing
        stats = http.get("/__emulator/stats").json()
    song_days = set(_days(a)) | set(_days(b))
    assert stats["series_served"] == {"song": {"total": 3, "distinct": 2}, "artist": {"total": 2, "distinct": 2}}
    assert stats["points_served"]["song"] == {
        "total": len(a["items"]) + len(b["items"]) + 21,
        "distinct": len(song_days) + 21,
    }
    assert (
        stats["points_served"]["artist"]["total"]
        == stats["points_served"]["artist"]["distinct"]
        == len(c["items"]) + len(d["items"])
    )
    assert stats["points_served"]["song"]["total"] > stats["points_served"]["song"]["distinct"]
    assert {"metadata_served", "by_route", "quota_remaining", "today"} <= set(stats)
    emulator.reset_stats()
    assert emulator.stats()["points_served"] == {
        "song": {"total": 0, "distinct": 0},
        "artist": {"total": 0, "distinct": 0},
    }

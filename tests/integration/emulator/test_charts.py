"""A fleet of charts over a real socket: listing them by platform with paging, and serving their rankings."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from soundcharts_assets.emulator import EmulatorConfig, EmulatorServer

SANDBOX = {"x-app-id": "soundcharts", "x-api-key": "soundcharts"}


@pytest.fixture(scope="module")
def fleet():
    with EmulatorServer(EmulatorConfig(seed=7, today=date(2026, 11, 30), charts=120, ranking_editions=2)) as server:
        yield server


def client(server: EmulatorServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers=SANDBOX, timeout=10)


def test_charts_by_platform_pages_through_the_fleet(fleet: EmulatorServer) -> None:
    expected = [c["slug"] for c in fleet.catalogue.song_charts("spotify")]
    seen, path = [], "/api/v2/chart/song/by-platform/spotify?limit=20"
    with client(fleet) as http:
        while True:
            body = http.get(path).json()
            if not body["items"]:
                break
            assert body["page"]["total"] == len(expected) and body["page"]["limit"] == 20
            seen += [c["slug"] for c in body["items"]]
            path = body["page"]["next"]
        poland = http.get("/api/v2/chart/song/by-platform/spotify", params={"countryCode": "pl"}).json()
        others = {
            p: http.get(f"/api/v2/chart/song/by-platform/{p}").json()["page"]["total"]
            for p in ("apple-music", "shazam", "airplay", "youtube", "deezer")
        }
    assert seen == expected and len(expected) >= 60 and "global-28" in expected
    assert [(c["slug"], c["countryName"], c["frequency"]) for c in poland["items"]] == [
        ("top-200-pl", "Poland", "daily")
    ]
    assert len(expected) + sum(others.values()) == 120 and min(others.values()) > 4


def test_fleet_rankings_are_served_and_share_their_hits(fleet: EmulatorServer) -> None:
    with client(fleet) as http:
        rankings = {
            slug: http.get(f"/api/v2.14/chart/song/{slug}/ranking/latest?limit=100").json()
            for slug in ("top-200-pl", "top-200-ar", "top-200-id", "shazam-top-200-de")
        }
    tops = [{e["song"]["uuid"] for e in body["items"]} for body in rankings.values()]
    assert all(body["related"]["chart"]["slug"] == slug for slug, body in rankings.items())
    assert set.intersection(*tops), "a global hit sits on every one of these charts"


def test_the_default_emulator_knows_no_fleet_chart(shared_emulator: EmulatorServer) -> None:
    with client(shared_emulator) as http:
        assert http.get("/api/v2.14/chart/song/top-200-pl/ranking/latest").status_code == 404
        listed = http.get("/api/v2/chart/song/by-platform/spotify").json()
    assert listed["page"]["total"] == 9

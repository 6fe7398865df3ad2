"""Current stats over a real socket: the documented shape, values equal to the series' latest points, plan gate."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest

from soundcharts_assets.emulator import EmulatorConfig, EmulatorServer

BAD_GUY = "7d534228-5165-11e9-9375-549f35161576"
BILLIE = "11e81bcc-9c1c-ce38-b96b-a0369fe50396"
SANDBOX = {"x-app-id": "soundcharts", "x-api-key": "soundcharts"}
TODAY = date(2026, 11, 30)
NOT_IN_PLAN = {
    "errors": [
        {
            "key": "access",
            "code": 403,
            "message": "This endpoint is not included in your current plan, reach out to help@soundcharts.com",
        }
    ]
}
ITEM_KEYS = {"platform", "value", "date", "evolution", "percentEvolution"}


@pytest.fixture
def server():
    """One per test: the first reads the quota left after its first call, the last tunes the plan."""
    with EmulatorServer(EmulatorConfig(seed=7, today=TODAY)) as server:
        yield server


def client(server: EmulatorServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers=SANDBOX, timeout=10)


def _window(days: int) -> dict[str, str]:
    return {"startDate": (TODAY - timedelta(days=days)).isoformat(), "endDate": TODAY.isoformat()}


def _value_on_or_before(points: list[dict], day: date, value) -> int:
    return value([p for p in points if date.fromisoformat(p["date"][:10]) <= day][-1])


def test_artist_current_stats_are_the_latest_points_of_the_series(server: EmulatorServer) -> None:
    with client(server) as http:
        response = http.get(f"/api/v2/artist/{BILLIE}/current/stats", params={"period": 7})
        body = response.json()
        series = {
            p: http.get(f"/api/v2/artist/{BILLIE}/audience/{p}", params=_window(40)).json()
            for p in ("spotify", "youtube", "instagram", "tiktok")
        }
        listening = http.get(f"/api/v2/artist/{BILLIE}/streaming/spotify/listening", params=_window(40)).json()
    assert response.status_code == 200 and int(response.headers["x-quota-remaining"]) == 999_999
    assert set(body) == {"related", "social", "streaming", "popularity", "retention", "score", "errors"}
    assert body["related"] == [
        {
            "uuid": BILLIE,
            "slug": "billie-eilish",
            "name": "Billie Eilish",
            "appUrl": "https://app.soundcharts.com/app/artist/billie-eilish/overview",
            "imageUrl": "https://assets.soundcharts.com/artist/billie-eilish.jpg",
            "period": 7,
        }
    ]
    assert (body["popularity"], body["retention"], body["score"], body["errors"]) == ([], [], [], [])
    assert [i["platform"] for i in body["social"]] == ["spotify", "youtube", "instagram", "tiktok"]
    followers = lambda p: p["followerCount"]  # noqa: E731
    for item in body["social"]:
        assert set(item) == ITEM_KEYS
        answer = series[item["platform"]]
        latest = answer["items"][-1]
        assert (item["value"], item["date"]) == (latest["followerCount"], latest["date"])
        assert answer["related"]["lastCrawlDate"][:10] == item["date"][:10] <= TODAY.isoformat()
        earlier = _value_on_or_before(
            answer["items"], date.fromisoformat(item["date"][:10]) - timedelta(days=7), followers
        )
        assert item["evolution"] == item["value"] - earlier
        assert item["percentEvolution"] == round(100 * (item["value"] - earlier) / earlier, 2)
    [streaming] = body["streaming"]
    assert streaming["platform"] == "spotify" and set(streaming) == ITEM_KEYS
    assert (streaming["value"], streaming["date"]) == (listening["items"][-1]["value"], listening["items"][-1]["date"])
    # What the catalogue computes for tests is what was served.
    expected = server.catalogue.artist_audience(BILLIE, "tiktok", TODAY - timedelta(days=40), TODAY)[-1]
    assert body["social"][3]["value"] == expected["followerCount"]


def test_song_current_stats_sum_the_ids_of_the_latest_point_and_have_no_airplay(server: EmulatorServer) -> None:
    with client(server) as http:
        body = http.get(f"/api/v2/song/{BAD_GUY}/current/stats", params={"period": 30}).json()
        series = {
            p: http.get(f"/api/v2/song/{BAD_GUY}/audience/{p}", params=_window(60)).json()
            for p in ("spotify", "youtube", "shazam")
        }
        default_period = http.get(f"/api/v2/song/{BAD_GUY}/current/stats").json()
    assert set(body) == {"related", "audience", "popularity", "score", "errors"}
    assert body["related"] == [
        {
            "uuid": BAD_GUY,
            "name": "bad guy",
            "creditName": "Billie Eilish",
            "imageUrl": f"https://assets.soundcharts.com/song/{BAD_GUY}.jpg",
            "period": 30,
        }
    ]
    assert [i["platform"] for i in body["audience"]] == ["spotify", "youtube", "shazam"]
    total = lambda p: sum(plot["value"] for plot in p["plots"])  # noqa: E731
    for item in body["audience"]:
        points = series[item["platform"]]["items"]
        assert (item["value"], item["date"]) == (total(points[-1]), points[-1]["date"])
        earlier = _value_on_or_before(points, date.fromisoformat(item["date"][:10]) - timedelta(days=30), total)
        assert item["evolution"] == item["value"] - earlier > 0
    assert len(series["spotify"]["items"][-1]["plots"]) == 2, "bad guy has two Spotify ids, summed"
    assert default_period["related"][0]["period"] == 7


def test_current_stats_are_gated_by_the_plan_and_related_can_be_an_object(server: EmulatorServer) -> None:
    paths = (f"/api/v2/artist/{BILLIE}/current/stats", f"/api/v2/song/{BAD_GUY}/current/stats")
    with client(server) as http:
        assert http.post("/__emulator/config", json={"current_stats_in_plan": False}).status_code == 200
        for path in paths:
            refused = http.get(path)
            assert (refused.status_code, refused.json()) == (403, NOT_IN_PLAN), path
            assert refused.headers["x-quota-remaining"] == "1000000", "a 403 costs nothing"
        server.configure(
            current_stats_in_plan=True, current_stats_related_object=True, not_in_plan_platforms={"tiktok", "youtube"}
        )
        artist = http.get(paths[0]).json()
        song = http.get(paths[1]).json()
        assert http.get(paths[0], params={"period": "0"}).status_code == 400
        assert http.get("/api/v2/artist/nope/current/stats").status_code == 404
        server.configure(missing_song_uuids=[BAD_GUY])
        assert http.get(paths[1]).status_code == 404
    assert artist["related"]["uuid"] == BILLIE and artist["related"]["period"] == 7
    assert [i["platform"] for i in artist["social"]] == ["spotify", "instagram"], "not-in-plan platforms are left out"
    assert [i["platform"] for i in song["audience"]] == ["spotify", "shazam"]
    stats = server.stats()
    assert stats["current_stats_served"] == {"artist": {"total": 1, "distinct": 1}, "song": {"total": 1, "distinct": 1}}
    assert stats["by_route_status"]["/api/v2/artist/{uuid}/current/stats"] == {"403": 1, "200": 1, "400": 1, "404": 1}
    assert stats["quota_remaining"] == 1_000_000 - 2

"""The emulator's movable clock and the team's monthly usage, over a real socket."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest

from soundcharts_assets.emulator import EmulatorConfig, EmulatorServer

BAD_GUY = "7d534228-5165-11e9-9375-549f35161576"
BILLIE = "11e81bcc-9c1c-ce38-b96b-a0369fe50396"
SANDBOX = {"x-app-id": "soundcharts", "x-api-key": "soundcharts"}
START = date(2026, 11, 27)  # a Friday


@pytest.fixture
def server():
    with EmulatorServer(EmulatorConfig(seed=7, today=START, quota=50)) as server:
        yield server


def client(server: EmulatorServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers=SANDBOX, timeout=10)


def test_clock_is_read_and_moved_forward_over_http(server: EmulatorServer) -> None:
    with client(server) as http:
        assert http.get("/__emulator/clock").json() == {"today": "2026-11-27"}
        moved = http.post("/__emulator/clock", json={"today": "2026-12-05"})
        assert moved.status_code == 200 and moved.json() == {"today": "2026-12-05"}
        assert http.get("/__emulator/clock").json() == {"today": "2026-12-05"}
        for body in ({"today": "2026-12-01"}, {"today": "05/12/2026"}, {}):
            refused = http.post("/__emulator/clock", json=body)
            assert refused.status_code == 400 and refused.json()["errors"][0]["code"] == 400, body
        assert http.get("/__emulator/config").json()["today"] == "2026-12-05"
    assert server.today() == date(2026, 12, 5) and server.set_today(date(2026, 12, 6)) == date(2026, 12, 6)
    with pytest.raises(ValueError):
        server.set_today(date(2026, 12, 1))
    assert server.stats()["requests_total"] == 0, "control routes are not counted"


def _series(http: httpx.Client, path: str, start: date, end: date) -> dict:
    return http.get(path, params={"startDate": start.isoformat(), "endDate": end.isoformat()}).json()


def test_moving_the_clock_publishes_editions_and_grows_series_but_keeps_the_past(server: EmulatorServer) -> None:
    start = START - timedelta(days=60)
    paths = [
        f"/api/v2/artist/{BILLIE}/audience/spotify",
        f"/api/v2/song/{BAD_GUY}/audience/spotify",
        f"/api/v2/artist/{BILLIE}/streaming/spotify/listening",
    ]
    with client(server) as http:
        daily = http.get("/api/v2/chart/song/global-28/available-rankings").json()["items"]
        weekly = http.get("/api/v2/chart/song/airplay-us/available-rankings").json()["items"]
        old_edition = http.get(f"/api/v2.14/chart/song/global-28/ranking/{daily[0]}").json()
        before = {path: _series(http, path, start, START) for path in paths}
        server.set_today(START + timedelta(days=9))
        new_daily = http.get("/api/v2/chart/song/global-28/available-rankings").json()["items"]
        new_weekly = http.get("/api/v2/chart/song/airplay-us/available-rankings").json()["items"]
        again = http.get(f"/api/v2.14/chart/song/global-28/ranking/{daily[0]}").json()
        latest = http.get("/api/v2.14/chart/song/global-28/ranking/latest?limit=3").json()
        after = {path: _series(http, path, start, START + timedelta(days=9)) for path in paths}
    assert new_daily[0] == "2026-12-05T00:00:00+00:00" and new_daily[9:] == daily and len(new_daily) == 54
    assert weekly[0] == "2026-11-20T00:00:00+00:00", "a Friday edition is out the day after"
    assert new_weekly[:2] == ["2026-12-04T00:00:00+00:00", "2026-11-27T00:00:00+00:00"] and new_weekly[2:] == weekly
    assert again == old_edition and latest["related"]["date"] == new_daily[0]
    assert latest["items"][0]["rankDate"] == new_daily[0]
    for path in paths:
        old, new = before[path], after[path]
        assert new["items"][: len(old["items"])] == old["items"], path  # the past is not rewritten
        assert len(new["items"]) > len(old["items"]), path
        newest = date.fromisoformat(new["items"][-1]["date"][:10])
        assert new["related"]["lastCrawlDate"][:10] == newest.isoformat() > old["related"]["lastCrawlDate"][:10]


def test_team_usage_counts_the_month_and_a_new_month_starts_afresh(server: EmulatorServer) -> None:
    with client(server) as http:
        for _ in range(3):
            assert http.get(f"/api/v2.25/song/{BAD_GUY}").status_code == 200
        assert http.get("/api/v2.25/song/nope").status_code == 404  # failures are free
        usage = http.get("/api/v2/team/usage")
        assert usage.headers["x-quota-remaining"] == "47", "the usage call itself is free"
        assert usage.json() == {
            "type": "usage",
            "errors": [],
            "object": {
                "quota": 50,
                "quotaRemaining": 47,
                "quotaUsed": 3,
                "monthlyQuota": 50,
                "usedThisMonth": 3,
                "month": "2026-11",
                "rateLimitPerMinute": None,
                "rateLimitWindowSeconds": 60.0,
            },
        }
        server.set_today(date(2026, 11, 30))  # same month: nothing resets
        assert http.get("/api/v2/team/usage").json()["object"]["usedThisMonth"] == 3
        http.post("/__emulator/clock", json={"today": "2026-12-01"})
        december = http.get("/api/v2/team/usage").json()["object"]
        assert (december["month"], december["usedThisMonth"], december["quotaRemaining"]) == ("2026-12", 0, 50)
        assert http.get(f"/api/v2/song/{BAD_GUY}/current/stats").headers["x-quota-remaining"] == "49"
        assert http.get("/api/v2/team/usage").json()["object"]["usedThisMonth"] == 1
    stats = server.stats()
    assert (stats["usage_month"], stats["used_this_month"], stats["quota_remaining"]) == ("2026-12", 1, 49)

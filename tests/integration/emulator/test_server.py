"""The emulator over a real socket: protocol, envelopes, errors, limits, faults and control routes."""

from __future__ import annotations

import json
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import httpx
import pytest

from tests.support.waiting import wait_for

BAD_GUY = "7d534228-5165-11e9-9375-549f35161576"
BILLIE = "11e81bcc-9c1c-ce38-b96b-a0369fe50396"
SANDBOX = {"x-app-id": "soundcharts", "x-api-key": "soundcharts"}
NOT_FOUND = {"errors": [{"key": "access", "code": 404, "message": "Not found."}]}


def client(server, **kwargs) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers=kwargs.pop("headers", SANDBOX), timeout=10, **kwargs)


# auth -----------------------------------------------------------------------------------------------
def test_sandbox_pair_is_accepted_and_others_get_401(shared_emulator) -> None:
    path = "/api/v2/chart/song/platforms"
    with client(shared_emulator) as http:
        assert http.get(path).status_code == 200
    for headers in ({}, {"x-app-id": "soundcharts", "x-api-key": "wrong"}, {"authorization": "Bearer nope"}):
        with client(shared_emulator, headers=headers) as http:
            response = http.get(path)
        assert response.status_code == 401
        assert response.json() == {"errors": [{"key": "access", "code": 401,
                                               "message": "You are not logged in"}]}
        assert int(response.headers["x-quota-remaining"]) > 0


def test_oauth_token_works_until_it_expires(emulator) -> None:
    emulator.configure(token_ttl_seconds=1)
    with httpx.Client(base_url=emulator.url, timeout=10) as http:
        form = {"grant_type": "client_credentials", "team_id": "emulator-team"}
        assert http.post("/oauth/token", data=form, auth=("emulator-client", "wrong")).status_code == 401
        assert http.post("/oauth/token", data={**form, "team_id": "x"},
                         auth=("emulator-client", "emulator-secret")).status_code == 401
        token = http.post("/oauth/token", data=form, auth=("emulator-client", "emulator-secret")).json()
        assert token["token_type"] == "Bearer" and token["expires_in"] == 1
        bearer = {"authorization": f"Bearer {token['access_token']}"}
        assert http.get("/api/v2.25/song/" + BAD_GUY, headers=bearer).status_code == 200
        wait_for(
            "the token to expire",
            lambda: http.get("/api/v2/team/usage", headers=bearer).status_code == 401,
            5,
            interval=0.05,
        )


# envelopes and pagination ---------------------------------------------------------------------------
def test_single_and_collection_envelopes(shared_emulator) -> None:
    with client(shared_emulator) as http:
        song = http.get(f"/api/v2.25/song/{BAD_GUY}").json()
        artist = http.get(f"/api/v2.9/artist/{BILLIE}").json()
        charts = http.get("/api/v2/chart/song/by-platform/spotify", params={"countryCode": "US"}).json()
    assert song["type"] == "song" and song["errors"] == []
    assert song["object"]["isrc"]["value"] == "USUM71900764"
    assert artist["type"] == "artist" and artist["object"]["slug"] == "billie-eilish"
    assert {c["slug"] for c in charts["items"]} == {"top-200-us", "top-200-us-weekly"}
    assert set(charts["page"]) == {"offset", "limit", "next", "previous", "total"} and charts["errors"] == []


def test_limit_is_clamped_next_is_relative_and_the_last_page_is_phantom(shared_emulator) -> None:
    expected = [e["song"]["uuid"] for e in shared_emulator.catalogue.ranking("global-28")]
    seen, path, pages = [], "/api/v2.14/chart/song/global-28/ranking/latest?limit=500", 0
    with client(shared_emulator) as http:
        while path is not None and pages < 10:
            body = http.get(path).json()
            pages += 1
            if not body["items"]:
                assert body["page"]["next"], "the real API offers a next page past the end"
                break
            assert body["page"]["limit"] == 100
            seen += [e["song"]["uuid"] for e in body["items"]]
            path = body["page"]["next"]
            assert path.startswith("/api/v2.14/chart/song/global-28/ranking/latest?") and "offset=" in path
        assert http.get("/api/v2/chart/song/global-28/available-rankings").json()["page"]["limit"] == 100
    assert seen == expected and pages == 3


def test_phantom_pages_can_be_switched_off(emulator) -> None:
    emulator.configure(phantom_next_page=False)
    with client(emulator) as http:
        first = http.get("/api/v2.14/chart/song/global-28/ranking/latest").json()
        last = http.get(first["page"]["next"]).json()
    assert first["page"]["previous"] is None
    assert last["page"]["next"] is None and last["page"]["previous"].endswith("offset=0&limit=100")


def test_ranking_by_datetime_accepts_atom_forms(shared_emulator) -> None:
    older = shared_emulator.catalogue.ranking_dates("top-200-gb")[3]
    expected = shared_emulator.catalogue.ranking("top-200-gb", older)[:5]
    stamp = older.strftime("%Y-%m-%dT%H:%M:%S")
    with client(shared_emulator) as http:
        for form in (f"{stamp}+00:00", f"{stamp}Z", f"{stamp}%2B00:00"):
            body = http.get(f"/api/v2.14/chart/song/top-200-gb/ranking/{form}?limit=5").json()
            assert body["related"]["date"] == older.isoformat() and body["items"] == expected
        assert http.get("/api/v2.14/chart/song/top-200-gb/ranking/1999-01-01T00:00:00Z").status_code == 404


# errors ---------------------------------------------------------------------------------------------
def test_unknown_things_are_404_with_the_documented_body(shared_emulator) -> None:
    catalogue = shared_emulator.catalogue
    no_tiktok = next(u for u in catalogue.artist_uuids()
                     if "tiktok" not in catalogue.artist_record(u).platforms)
    no_youtube = next(u for u in catalogue.song_uuids()
                      if "youtube" not in catalogue.song_record(u).identifiers)
    with client(shared_emulator) as http:
        for path in ("/api/v2.25/song/00000000-0000-0000-0000-000000000000", "/api/v2.9/artist/nope",
                     "/api/v2.14/chart/song/no-such-chart/ranking/latest",
                     "/api/v2/chart/song/by-platform/myspace", f"/api/v2/song/{BAD_GUY}/audience/myspace",
                     f"/api/v2/song/{no_youtube}/audience/youtube"):
            response = http.get(path)
            assert (response.status_code, response.json()) == (404, NOT_FOUND), path
        response = http.get(f"/api/v2/artist/{no_tiktok}/audience/tiktok")
    assert response.status_code == 404
    assert "No social account found for artist" in response.json()["errors"][0]["message"]


def test_batches_leave_unknown_uuids_out_and_refuse_more_than_ten(shared_emulator) -> None:
    songs = shared_emulator.catalogue.song_uuids()[:3]
    with client(shared_emulator) as http:
        body = http.get("/api/v2.25/song/" + ",".join([*songs, "unknown-uuid"])).json()
        artists = http.get(f"/api/v2.9/artist/{BILLIE},nope").json()
        too_many = http.get("/api/v2.25/song/" + ",".join(shared_emulator.catalogue.song_uuids()[:11]))
    assert [s["uuid"] for s in body["items"]] == songs and body["page"]["total"] == 3
    assert body["errors"] == [{"key": "unknown-uuid", "code": 404, "message": "Song not found"}]
    assert [a["uuid"] for a in artists["items"]] == [BILLIE] and artists["errors"][0]["key"] == "nope"
    assert too_many.status_code == 400 and too_many.json()["errors"][0]["code"] == 400


def test_time_series_windows(shared_emulator) -> None:
    today = shared_emulator.catalogue.today()
    with client(shared_emulator) as http:
        default = http.get(f"/api/v2/artist/{BILLIE}/audience/spotify").json()
        too_long = http.get(f"/api/v2/song/{BAD_GUY}/audience/spotify",
                            params={"startDate": str(today - timedelta(days=91)), "endDate": str(today)})
        window = {"startDate": str(today - timedelta(days=90)), "endDate": str(today)}
        first = http.get(f"/api/v2/song/{BAD_GUY}/audience/shazam", params=window).json()
        rest = http.get(first["page"]["next"]).json()
        airplay = http.get(f"/api/v2/song/{BAD_GUY}/broadcast-groups", params=window).json()
    days = [date.fromisoformat(p["date"][:10]) for p in default["items"]]
    assert min(days) >= today - timedelta(days=30) and max(days) <= today
    assert default["items"][0]["likeCount"] is None and default["items"][0]["followerCount"] > 0
    assert default["related"]["artist"]["uuid"] == BILLIE and default["related"]["platform"] == "spotify"
    assert too_long.status_code == 400 and too_long.json()["errors"][0]["code"] == 400
    expected = shared_emulator.catalogue.song_audience(BAD_GUY, "shazam", today - timedelta(days=90), today)
    assert first["items"] + rest["items"] == expected and first["page"]["total"] == len(expected) > 80
    assert airplay["items"] and all(i["playCount"] > 0 and i["radio"]["slug"] for i in airplay["items"])


def test_airplay_windows_add_up_like_spin_counts(shared_emulator) -> None:
    """Two adjacent weeks' spins per radio sum to the fortnight's: tiled windows store every spin once."""
    today = shared_emulator.catalogue.today()

    def spins(start: date, end: date) -> Counter:
        with client(shared_emulator) as http:
            answer = http.get(
                f"/api/v2/song/{BAD_GUY}/broadcast-groups", params={"startDate": str(start), "endDate": str(end)}
            ).json()
        return Counter({item["radio"]["slug"]: item["playCount"] for item in answer["items"]})

    fortnight = spins(today - timedelta(days=13), today)
    weeks = spins(today - timedelta(days=13), today - timedelta(days=7)) + spins(today - timedelta(days=6), today)
    days = sum((spins(today - timedelta(days=n), today - timedelta(days=n)) for n in range(14)), Counter())
    assert len(fortnight) > 3 and fortnight == weeks == days


# quota, rate limit, plan --------------------------------------------------------------------------------
def test_quota_counts_down_on_paid_successes_only_then_429(emulator) -> None:
    emulator.configure(quota=3)
    with client(emulator) as http:
        song = f"/api/v2.25/song/{BAD_GUY}"
        remaining = [int(http.get(song).headers["x-quota-remaining"]) for _ in range(2)]
        assert http.get("/api/v2.25/song/unknown").headers["x-quota-remaining"] == "1"
        usage = http.get("/api/v2/team/usage")
        assert usage.headers["x-quota-remaining"] == "1" and usage.json()["object"]["quotaRemaining"] == 1
        assert http.get(f"/api/v2.25/song/{BAD_GUY}").headers["x-quota-remaining"] == "0"
        refused = http.get(f"/api/v2.25/song/{BAD_GUY}")
    assert remaining == [2, 1]
    assert refused.status_code == 429 and "quota" in refused.json()["errors"][0]["message"]
    assert "x-ratelimit-reset" not in refused.headers and refused.headers["x-quota-remaining"] == "0"
    assert emulator.stats()["quota_remaining"] == 0
    emulator.reset_stats()
    assert emulator.stats()["quota_remaining"] == 0
    emulator.reset_stats(quota=True)
    assert emulator.stats()["quota_remaining"] == 3


def test_rate_limit_answers_429_with_reset_header(emulator) -> None:
    emulator.configure(rate_limit_per_minute=5)
    with client(emulator) as http:
        statuses = [http.get("/api/v2/chart/song/platforms") for _ in range(7)]
    assert [r.status_code for r in statuses] == [200] * 5 + [429] * 2
    limited = statuses[-1]
    assert "maximum request count" in limited.json()["errors"][0]["message"]
    assert 1 <= int(limited.headers["x-ratelimit-reset"]) <= 60 and limited.headers["retry-after"]
    assert emulator.stats()["by_status"] == {"200": 5, "429": 2}


def test_not_in_plan_platforms_and_charts_are_403(emulator) -> None:
    emulator.configure(not_in_plan_platforms=["tiktok", "youtube"], not_in_plan_charts={"airplay-us"})
    with client(emulator) as http:
        responses = [http.get(f"/api/v2/artist/{BILLIE}/audience/tiktok"),
                     http.get(f"/api/v2/song/{BAD_GUY}/audience/youtube"),
                     http.get("/api/v2.14/chart/song/airplay-us/ranking/latest")]
        assert http.get(f"/api/v2/artist/{BILLIE}/audience/instagram").status_code == 200
    for response in responses:
        assert response.status_code == 403
        assert "not included in your current plan" in response.json()["errors"][0]["message"]


# faults ---------------------------------------------------------------------------------------------
def test_fault_knobs(emulator) -> None:
    path = f"/api/v2.25/song/{BAD_GUY}"
    with client(emulator) as http:
        emulator.configure(fault_rate=1.0)
        assert {http.get(path).status_code for _ in range(12)} <= {502, 503, 504}
        emulator.configure(fault_rate=0.0, malformed_rate=1.0)
        malformed = http.get(path)
        assert malformed.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            malformed.json()
        emulator.configure(malformed_rate=0.0, reset_rate=1.0)
        with pytest.raises(httpx.RemoteProtocolError):
            http.get(path)
        emulator.configure(reset_rate=0.0, stall_rate=1.0, stall_seconds=1.0)
        with pytest.raises(httpx.ReadTimeout):
            http.get(path, timeout=0.2)
        emulator.configure(stall_rate=0.0, missing_optional_rate=1.0, missing_song_uuids=[BAD_GUY])
        assert http.get(path).status_code == 404
        other = emulator.catalogue.song_uuids()[5]
        sparse = http.get(f"/api/v2.25/song/{other}").json()["object"]
        assert "releaseDate" not in sparse and "genres" not in sparse and sparse["name"]
    assert emulator.stats()["by_status"].get("reset") == 1


def test_latency_lets_requests_overlap(emulator) -> None:
    emulator.configure(latency_ms=150, latency_jitter_ms=20)
    with client(emulator) as http, ThreadPoolExecutor(8) as pool:
        started = time.monotonic()
        statuses = list(pool.map(lambda _: http.get("/api/v2/chart/song/platforms").status_code, range(16)))
        elapsed = time.monotonic() - started
    assert statuses == [200] * 16 and elapsed < 1.5
    assert emulator.stats()["max_concurrent"] >= 4


# control routes -------------------------------------------------------------------------------------
def test_stats_reset_config_and_publish_over_http(emulator) -> None:
    with client(emulator) as http:
        http.get(f"/api/v2.25/song/{BAD_GUY}")
        http.get("/api/v2.25/song/nope")
        stats = http.get("/__emulator/stats").json()
        assert stats == emulator.stats()
        assert stats["requests_total"] == 2 and stats["by_route"] == {"/api/v2.25/song/{uuids}": 2}
        assert stats["by_route_status"] == {"/api/v2.25/song/{uuids}": {"200": 1, "404": 1}}
        # Entities served by metadata answers, to tell a song fetched twice from two songs fetched once.
        http.get(f"/api/v2.25/song/{BAD_GUY},nope")
        assert emulator.stats()["metadata_served"] == {"song": {"total": 2, "distinct": 1},
                                                       "artist": {"total": 0, "distinct": 0}}
        assert http.post("/__emulator/config", json={"quota": 10}).json()["quota"] == 10
        assert http.post("/__emulator/config", json={"seed": 1}).status_code == 400
        assert http.post("/__emulator/config", json={"no_such_knob": 1}).status_code == 400
        reset = http.post("/__emulator/reset").json()
        assert reset["requests_total"] == 0 and reset["metadata_served"]["song"]["total"] == 0
        latest = http.get("/api/v2/chart/song/global-28/available-rankings?limit=1").json()["items"][0]
        published = http.post("/__emulator/charts/global-28/publish").json()["date"]
        newest = http.get("/api/v2/chart/song/global-28/available-rankings?limit=1").json()["items"][0]
        assert newest == published
        ranking = http.get("/api/v2.14/chart/song/global-28/ranking/latest").json()
        assert ranking["related"]["date"] == published > latest
        assert emulator.publish_edition("global-28").isoformat() > published
        assert http.post("/__emulator/charts/nope/publish").status_code == 404
    stats = emulator.stats()
    assert stats["requests_total"] == 3 and stats["quota_remaining"] == 7

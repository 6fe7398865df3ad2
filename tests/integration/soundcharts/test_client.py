"""SoundchartsClient against the emulator over a real loopback socket: data, paging, windows, failures, auth."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest

from soundcharts_assets.soundcharts import (
    AuthenticationError,
    NotFoundError,
    PlanRestrictedError,
    QuotaExhaustedError,
    QuotaFloorReachedError,
    RateLimitedError,
    SoundchartsClient,
)
from soundcharts_assets.soundcharts.config import ApiSettings, OAuthCredentials, SecretStr
from soundcharts_assets.soundcharts.parsing import parse_day
from tests.support.waiting import wait_for

UNKNOWN = "00000000-0000-4000-8000-000000000000"
LISTENING_ROUTE = "/api/v2/artist/{uuid}/streaming/{platform}/listening"


def make_client(server: Any, **overrides: Any) -> SoundchartsClient:
    sleep = overrides.pop("sleep", time.sleep)
    knobs: dict[str, Any] = {
        "max_retries": 8,
        "backoff_base_seconds": 0.005,
        "backoff_max_seconds": 0.05,
        "timeout_seconds": 5.0,
        "connect_timeout_seconds": 2.0,
        **overrides,
    }
    return SoundchartsClient(ApiSettings(base_url=server.url, **knobs), sleep=sleep)


def oauth(server: Any, secret: str = "emulator-secret") -> OAuthCredentials:
    return OAuthCredentials(
        client_id="emulator-client",
        client_secret=SecretStr(secret),
        team_id="emulator-team",
        token_url=f"{server.url}/oauth/token",
    )


# --- data -------------------------------------------------------------------------------------------------


def test_ranking_latest_and_at_a_date_across_two_pages(shared_emulator: Any) -> None:
    catalogue = shared_emulator.catalogue
    with make_client(shared_emulator) as client:
        latest = client.get_chart_ranking("global-28")
        dates = client.list_ranking_dates("global-28")
        at = dates[5]
        older = client.get_chart_ranking("global-28", at=at)
        few = client.list_ranking_dates("global-28", max_items=3)
        calls = client.calls_by_endpoint

    assert [e.position for e in latest.entries] == list(range(1, 201))
    assert [e.song.uuid for e in latest.entries] == [i["song"]["uuid"] for i in catalogue.ranking("global-28")]
    assert latest.chart.platform == "spotify" and latest.chart.metric_type == "streams"
    assert latest.date.date() == dates[0].date()
    # 2 pages: page.total says 200, so the phantom empty page the emulator still links to is not fetched
    assert calls["ranking_latest"] == 2

    assert [d.date() for d in dates] == [d.date() for d in catalogue.ranking_dates("global-28")]
    assert dates == sorted(dates, reverse=True) and few == dates[:3]

    assert len(older.entries) == 200 and older.date == at
    assert [e.song.uuid for e in older.entries] == [i["song"]["uuid"] for i in catalogue.ranking("global-28", at)]
    assert calls["ranking_at"] == 2


def test_chart_platforms_and_charts(shared_emulator: Any) -> None:
    with make_client(shared_emulator) as client:
        platforms = client.list_song_chart_platforms()
        charts = client.list_song_charts("spotify")
        us = client.list_song_charts("spotify", country_code="US")
    assert "spotify" in platforms and "airplay" in platforms
    assert "global-28" in {c.slug for c in charts}
    assert {c.country_code for c in us} == {"US"}


def test_batch_songs_and_artists_with_an_unknown_uuid(shared_emulator: Any) -> None:
    catalogue = shared_emulator.catalogue
    song_uuids = catalogue.song_uuids()[:12]
    artist_uuids = catalogue.artist_uuids()[:4]
    with make_client(shared_emulator) as client:
        songs = client.get_songs([*song_uuids, UNKNOWN])
        artists = client.get_artists([UNKNOWN, *artist_uuids])
        single = client.get_song(song_uuids[0])
        calls = client.calls_by_endpoint
    assert list(songs) == song_uuids and UNKNOWN not in songs
    assert songs[song_uuids[0]] == single
    assert all(s.name and s.artists for s in songs.values())
    assert list(artists) == artist_uuids
    assert calls == {"song_batch": 2, "artist_batch": 1, "song": 1}


def test_time_series_over_90_days(emulator: Any) -> None:
    catalogue = emulator.catalogue
    end = catalogue.today()
    start = end - timedelta(days=199)
    artist = catalogue.artist_uuids()[0]
    song = catalogue.song_uuids()[0]
    with make_client(emulator) as client:
        listeners = client.get_artist_monthly_listeners(artist, start, end)
        audience = client.get_song_audience(song, "spotify", start, end)
    expected = [(parse_day(i["date"]), i["value"]) for i in catalogue.monthly_listeners(artist, start, end)]
    assert [(p.date, p.value) for p in listeners] == expected
    assert len(listeners) > 150  # ~7 % of days are missing
    plots = catalogue.song_audience(song, "spotify", start, end)
    assert {(p.date, p.identifier, p.value) for p in audience} == {
        (parse_day(i["date"]), plot["identifier"], plot["value"]) for i in plots for plot in i["plots"]
    }
    assert [p.date for p in audience] == sorted(p.date for p in audience)
    by_route_status = emulator.stats()["by_route_status"]
    assert by_route_status[LISTENING_ROUTE] == {"200": 3}  # 3 windows of 1 page; no phantom page (page.total)


# --- failures ---------------------------------------------------------------------------------------------


def _fetch_everything(client: SoundchartsClient, catalogue: Any) -> tuple:
    end = catalogue.today()
    return (
        client.get_chart_ranking("global-28"),
        client.get_songs(catalogue.song_uuids()[:25]),
        client.get_artist_monthly_listeners(catalogue.artist_uuids()[1], end - timedelta(days=120), end),
    )


def test_results_under_injected_faults_equal_a_clean_fetch(emulator: Any) -> None:
    with make_client(emulator) as client:
        clean = _fetch_everything(client, emulator.catalogue)
        clean_calls = client.calls_made
    emulator.configure(fault_rate=0.3, reset_rate=0.05)
    emulator.reset_stats()
    with make_client(emulator) as client:
        faulty = _fetch_everything(client, emulator.catalogue)
        faulty_calls = client.calls_made
    assert faulty == clean
    statuses = emulator.stats()["by_status"]
    assert sum(statuses.get(code, 0) for code in ("502", "503", "504")) > 0
    assert faulty_calls == emulator.stats()["requests_total"] > clean_calls


def test_rate_limit_429_waits_the_reset_then_succeeds(emulator: Any) -> None:
    waits: list[float] = []

    def sleep(seconds: float) -> None:  # instead of waiting up to a minute, lift the limit
        waits.append(seconds)
        emulator.configure(rate_limit_per_minute=None)

    emulator.configure(rate_limit_per_minute=3)
    uuid = emulator.catalogue.song_uuids()[0]
    with make_client(emulator, sleep=sleep) as client:
        for _ in range(4):
            client.get_song(uuid)
        assert client.calls_made == 5
    assert len(waits) == 1 and waits[0] >= 1.0
    assert emulator.stats()["by_status"]["429"] == 1

    emulator.configure(rate_limit_per_minute=1)
    with make_client(emulator, max_rate_limit_wait_seconds=0.5) as client:
        client.get_song(uuid)
        with pytest.raises(RateLimitedError, match="rate limit"):
            client.get_song(uuid)


def test_wrong_key_is_401(shared_emulator: Any) -> None:
    with make_client(shared_emulator, api_key=SecretStr("definitely-wrong-key-42")) as client:
        with pytest.raises(AuthenticationError, match="SOUNDCHARTS_API_KEY") as info:
            client.get_chart_ranking("global-28")
        assert client.calls_made == 1
    assert "definitely-wrong-key-42" not in str(info.value)


def test_unknown_chart_is_404(shared_emulator: Any) -> None:
    with make_client(shared_emulator) as client:
        with pytest.raises(NotFoundError, match="chart 'no-such-chart' not found \\(404\\)"):
            client.get_chart_ranking("no-such-chart")
        assert client.calls_made == 1


def test_not_in_plan_platform_is_403(emulator: Any) -> None:
    emulator.configure(not_in_plan_platforms={"tiktok"})
    artist = emulator.catalogue.artist_uuids()[0]
    end = emulator.catalogue.today()
    with make_client(emulator) as client:
        with pytest.raises(PlanRestrictedError, match="403"):
            client.get_artist_audience(artist, "tiktok", end - timedelta(days=10), end)
        assert client.calls_made == 1


def test_quota_floor_and_exhausted_quota(emulator: Any) -> None:
    emulator.configure(quota=20)
    uuid = emulator.catalogue.song_uuids()[0]
    with make_client(emulator, quota_floor=15) as client:
        with pytest.raises(QuotaFloorReachedError, match="15 calls left, floor is 15"):
            for _ in range(10):
                client.get_song(uuid)
        assert client.calls_made == 5 and client.quota_remaining == 15
        assert client.get_team_usage().quota_remaining == 15  # free, so allowed below the floor
    assert emulator.stats()["quota_remaining"] == 15

    emulator.configure(quota=1)
    with make_client(emulator) as client:
        client.get_song(uuid)
        with pytest.raises(QuotaExhaustedError, match="quota"):
            client.get_song(uuid)
        assert client.calls_made == 2  # the quota 429 is not retried


def test_fan_out_from_threads_stays_within_max_in_flight(emulator: Any) -> None:
    emulator.configure(latency_ms=15)
    uuids = emulator.catalogue.song_uuids()[:40]
    with make_client(emulator, max_in_flight=3) as client:
        with ThreadPoolExecutor(max_workers=12) as pool:
            songs = list(pool.map(client.get_song, uuids))
        assert client.calls_made == 40 and client.calls_by_endpoint == {"song": 40}
        assert client.quota_remaining == emulator.stats()["quota_remaining"]
    assert [s.uuid for s in songs] == uuids
    assert emulator.stats()["max_concurrent"] <= 3


# --- OAuth ------------------------------------------------------------------------------------------------


def test_oauth_tokens_are_fetched_and_refreshed(emulator: Any) -> None:
    emulator.configure(token_ttl_seconds=1)
    uuid = emulator.catalogue.song_uuids()[0]
    with make_client(emulator, oauth=oauth(emulator)) as client:
        client.get_song(uuid)
        assert emulator.stats()["by_route"]["/oauth/token"] == 1
        wait_for(
            "a second token",
            lambda: emulator.stats()["by_route"]["/oauth/token"] >= 2,
            5,
            interval=0.05,
            on_poll=lambda: client.get_song(uuid),
        )
    token_statuses = emulator.stats()["by_route_status"]["/oauth/token"]
    assert token_statuses.get("200", 0) >= 2 and set(token_statuses) == {"200"}


def test_oauth_wrong_secret_is_authentication_error(shared_emulator: Any) -> None:
    with make_client(shared_emulator, oauth=oauth(shared_emulator, secret="not-the-secret-99")) as client:
        with pytest.raises(AuthenticationError, match="OAuth token request was refused") as info:
            client.get_song(shared_emulator.catalogue.song_uuids()[0])
        assert client.calls_made == 0
    assert "not-the-secret-99" not in str(info.value)

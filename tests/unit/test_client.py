"""SoundchartsClient against httpx.MockTransport: paths, paging, windows, retries, quota, auth, secrets.

No test sleeps: the client gets a recording ``sleep`` and a fixed ``random``.
"""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone
from urllib.parse import parse_qs

import httpx
import pytest

from soundcharts_assets.ratelimit.memory import UnlimitedLimiter
from soundcharts_assets.soundcharts import (
    AuthenticationError,
    MalformedPayloadError,
    NotFoundError,
    PlanRestrictedError,
    QuotaExhaustedError,
    QuotaFloorReachedError,
    RateLimitedError,
    RequestRejectedError,
    ServiceUnavailableError,
    SoundchartsClient,
)
from soundcharts_assets.soundcharts.config import ApiSettings, OAuthCredentials, SecretStr

BASE = "https://api.test"
API_KEY = "sk-very-secret-key"
CLIENT_SECRET = "oauth-very-secret"
Handler = Callable[[httpx.Request], httpx.Response]


class Harness:
    """A client wired to a handler, recording requests and sleeps."""

    def __init__(self, handler: Handler, **overrides: object) -> None:
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []
        self.now = 1000.0

        def record(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return handler(request)

        knobs: dict = {"max_retries": 3, "backoff_base_seconds": 0.5, "backoff_max_seconds": 4.0, **overrides}
        settings = ApiSettings(base_url=BASE, app_id="my-app", api_key=SecretStr(API_KEY), **knobs)
        self.client = SoundchartsClient(
            settings,
            limiter=UnlimitedLimiter(),
            transport=httpx.MockTransport(record),
            sleep=self.sleeps.append,
            random=lambda: 1.0,
            clock=lambda: self.now,
        )

    def api_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path.startswith("/api/")]


def page(items: list, next_: str | None = None, **extra: object) -> dict:
    return {"items": items, "page": {"offset": 0, "limit": 100, "next": next_, "previous": None}, "errors": [], **extra}


def ok(body: object, quota: int | None = None) -> httpx.Response:
    headers = {"x-quota-remaining": str(quota)} if quota is not None else {}
    return httpx.Response(200, json=body, headers=headers)


def error(status: int, message: str, headers: dict | None = None) -> httpx.Response:
    return httpx.Response(
        status, json={"errors": [{"key": "x", "code": status, "message": message}]}, headers=headers or {}
    )


def params(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.url.query.decode(), keep_blank_values=True).items()}


CHART = {"slug": "global-28", "name": "Top 200", "platform": "spotify"}


def ranking_item(i: int) -> dict:
    return {"song": {"uuid": f"s{i}"}, "position": i}


# --- paths, paging, windows -------------------------------------------------------------------------------


def test_ranking_latest_follows_next_and_sends_offset_zero() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(params(request)["offset"])
        items = [ranking_item(i) for i in range(offset + 1, min(offset + 100, 150) + 1)] if offset < 150 else []
        nxt = f"/api/v2.14/chart/song/global-28/ranking/latest?offset={offset + 100}&limit=100"
        return ok(page(items, nxt, related={"chart": CHART, "date": "2024-05-10T00:00:00+00:00"}))

    h = Harness(handler)
    ranking = h.client.get_chart_ranking("global-28")
    assert [e.position for e in ranking.entries] == list(range(1, 151))
    assert ranking.date == datetime(2024, 5, 10, tzinfo=timezone.utc) and ranking.chart.slug == "global-28"
    first, second, third = h.requests  # the third page is empty although next is set: stop there
    assert first.url.path == "/api/v2.14/chart/song/global-28/ranking/latest"
    assert params(first) == {"offset": "0", "limit": "100"}
    assert params(second) == {"offset": "100", "limit": "100"}
    assert params(third) == {"offset": "200", "limit": "100"}
    assert h.client.calls_made == 3 and h.client.calls_by_endpoint == {"ranking_latest": 3}


def test_paging_stops_at_page_total_without_fetching_the_phantom_page() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(params(request)["offset"])
        items = [ranking_item(i) for i in range(offset + 1, min(offset + 100, 150) + 1)] if offset < 150 else []
        nxt = f"/api/v2.14/chart/song/global-28/ranking/latest?offset={offset + 100}&limit=100"
        body = page(items, nxt, related={"chart": CHART, "date": "2024-05-10T00:00:00+00:00"})
        body["page"]["total"] = 150
        return ok(body)

    h = Harness(handler)
    assert len(h.client.get_chart_ranking("global-28").entries) == 150
    assert h.client.calls_made == 2  # every page is a paid call: the empty third one is never asked for


def test_ranking_at_datetime_is_atom_with_encoded_plus() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return ok(page([ranking_item(1)], None, related={"chart": CHART, "date": "2024-05-10T00:00:00+00:00"}))

    h = Harness(handler)
    h.client.get_chart_ranking("global-28", at=datetime(2024, 5, 10, 2, tzinfo=timezone(timedelta(hours=2))))
    assert (
        h.requests[0]
        .url.raw_path.decode()
        .startswith("/api/v2.14/chart/song/global-28/ranking/2024-05-10T00:00:00%2B00:00?")
    )
    assert h.client.calls_by_endpoint == {"ranking_at": 1}


def test_pagination_stops_when_next_repeats() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return ok(
            page(["2024-05-10T00:00:00+00:00"], "/api/v2/chart/song/global-28/available-rankings?offset=1&limit=100")
        )

    h = Harness(handler)
    dates = h.client.list_ranking_dates("global-28")
    assert len(h.requests) == 2  # first page, then the next link once; its repeat is not followed
    assert dates == [datetime(2024, 5, 10, tzinfo=timezone.utc)]


def test_ranking_dates_newest_first_and_max_items() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(params(request)["offset"])
        limit = int(params(request)["limit"])
        items = [f"2024-01-{d:02d}T00:00:00+00:00" for d in range(1 + offset, 1 + offset + limit) if d <= 28]
        return ok(page(items, f"/api/v2/chart/song/c/available-rankings?offset={offset + limit}&limit={limit}"))

    h = Harness(handler)
    dates = h.client.list_ranking_dates("c", max_items=5)
    assert len(h.requests) == 1 and params(h.requests[0])["limit"] == "5"
    assert dates == sorted(dates, reverse=True) and len(dates) == 5


def test_chart_platforms_and_charts_by_platform() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v2/chart/song/platforms":
            return ok(page([{"code": "spotify", "name": "Spotify"}, {"code": "airplay", "name": "Airplay"}]))
        assert request.url.path == "/api/v2/chart/song/by-platform/spotify"
        assert params(request) == {"countryCode": "FR", "offset": "0", "limit": "100"}
        return ok(page([CHART]))

    h = Harness(handler)
    assert h.client.list_song_chart_platforms() == ["spotify", "airplay"]
    assert [c.slug for c in h.client.list_song_charts("spotify", country_code="FR")] == ["global-28"]
    assert h.client.calls_by_endpoint == {"chart_platforms": 1, "charts_by_platform": 1}


def test_time_series_split_into_90_day_windows_deduped_and_sorted() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        p = params(request)
        # every window answers its last day and, to mimic overlap, the first day of the whole range
        items = [
            {"date": f"{p['endDate']}T00:00:00+00:00", "value": 2},
            {"date": "2024-01-01T00:00:00+02:00", "value": 1},
        ]
        return ok(page(items))

    h = Harness(handler)
    points = h.client.get_artist_monthly_listeners("a1", date(2024, 1, 1), date(2024, 7, 18))
    windows = [(params(r)["startDate"], params(r)["endDate"]) for r in h.requests]
    assert windows == [("2024-01-01", "2024-03-30"), ("2024-03-31", "2024-06-28"), ("2024-06-29", "2024-07-18")]
    assert all(params(r)["offset"] == "0" and params(r)["limit"] == "100" for r in h.requests)
    assert h.requests[0].url.path == "/api/v2/artist/a1/streaming/spotify/listening"
    assert [p.date for p in points] == [date(2024, 1, 1), date(2024, 3, 30), date(2024, 6, 28), date(2024, 7, 18)]
    assert {p.metric for p in points} == {"monthly_listeners"}
    assert h.client.calls_by_endpoint == {"artist_listening": 3}


def test_song_audience_and_artist_audience_paths() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "/song/" in request.url.path:
            return ok(
                page(
                    [
                        {
                            "date": "2024-05-10T00:00:00+00:00",
                            "plots": [{"identifier": "id2", "value": 2}, {"identifier": "id1", "value": 1}],
                        }
                    ]
                )
            )
        return ok(page([{"date": "2024-05-10T00:00:00+00:00", "followerCount": 9, "likeCount": 3}]))

    h = Harness(handler)
    song = h.client.get_song_audience("s1", "spotify", date(2024, 5, 1), date(2024, 5, 10))
    artist = h.client.get_artist_audience("a1", "instagram", date(2024, 5, 1), date(2024, 5, 10))
    assert [(p.identifier, p.value) for p in song] == [("id1", 1), ("id2", 2)]
    assert [(p.metric, p.value) for p in artist] == [("followers", 9), ("likes", 3)]
    assert [r.url.path for r in h.requests] == [
        "/api/v2/song/s1/audience/spotify",
        "/api/v2/artist/a1/audience/instagram",
    ]


def test_airplay_is_summed_per_radio_across_windows() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v2/song/s1/broadcast-groups"
        return ok(page([{"playCount": 3, "radio": {"slug": "bbc-2", "name": "BBC 2", "countryCode": "GB"}}]))

    h = Harness(handler)
    counts = h.client.get_song_airplay("s1", date(2024, 1, 1), date(2024, 4, 30))  # 2 windows
    assert len(h.requests) == 2
    assert [(c.radio_slug, c.play_count) for c in counts] == [("bbc-2", 6)]


def test_batch_songs_chunks_of_ten_unknown_absent() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        ids = request.url.path.rsplit("/", 1)[1].split(",")
        if len(ids) == 1:
            return (
                error(404, "Song not found")
                if ids[0] == "u24"
                else ok({"type": "song", "object": {"uuid": ids[0], "name": "x"}})
            )
        known = [i for i in ids if i not in {"u3", "u7"}]
        return ok({"items": [{"uuid": i, "name": i} for i in known], "errors": [{"code": 404, "message": "u3"}]})

    h = Harness(handler)
    songs = h.client.get_songs([f"u{i}" for i in range(21)] + ["u0"])  # 21 distinct -> 10 + 10 + 1
    assert [r.url.path for r in h.requests][:2] == [
        "/api/v2.25/song/" + ",".join(f"u{i}" for i in range(10)),
        "/api/v2.25/song/" + ",".join(f"u{i}" for i in range(10, 20)),
    ]
    assert h.requests[2].url.path == "/api/v2.25/song/u20"
    assert set(songs) == {f"u{i}" for i in range(21)} - {"u3", "u7"}
    assert list(songs)[:3] == ["u0", "u1", "u2"]
    assert h.client.calls_by_endpoint == {"song_batch": 2, "song": 1}


def test_an_answer_for_another_uuid_is_not_an_answer_for_the_one_asked() -> None:
    """A merged song answers under its new uuid; batch or single, the uuid asked for counts as missing."""

    def handler(request: httpx.Request) -> httpx.Response:
        ids = request.url.path.rsplit("/", 1)[1].split(",")
        merged = [{"uuid": f"{i}-merged", "name": i} for i in ids]
        return ok({"type": "song", "object": merged[0]}) if len(ids) == 1 else ok({"items": merged, "errors": []})

    h = Harness(handler)
    assert h.client.get_songs(["old-1", "old-2"]) == {}
    assert h.client.get_songs(["old-3"]) == {}


def test_batch_answered_404_means_all_missing() -> None:
    h = Harness(lambda request: error(404, "Artist not found"))
    assert h.client.get_artists(["a1", "a2", "a3"]) == {}
    assert h.requests[0].url.path == "/api/v2.9/artist/a1,a2,a3"
    assert h.client.get_artists(["a9"]) == {}  # a single uuid uses the single endpoint, 404 -> absent
    assert h.client.calls_by_endpoint == {"artist_batch": 1, "artist": 1}


def test_single_song_and_artist() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/api/v2.25/song/"):
            return ok({"type": "song", "object": {"uuid": "s1", "name": "bad guy", "isrc": "USUM71900764"}})
        return ok({"type": "artist", "object": {"uuid": "a1", "name": "Billie", "genres": ["pop"]}})

    h = Harness(handler)
    assert h.client.get_song("s1").isrc == "USUM71900764"
    assert h.client.get_artist("a1").genres[0].root == "pop"


# --- retries ----------------------------------------------------------------------------------------------


def flaky(failures: list[object], success: httpx.Response) -> Handler:
    """Answer with each failure in turn (a status code, or an exception to raise), then ``success``."""
    remaining = list(failures)

    def handler(request: httpx.Request) -> httpx.Response:
        if remaining:
            failure = remaining.pop(0)
            if isinstance(failure, int):
                return error(failure, "oops")
            raise failure  # type: ignore[misc]
        return success

    return handler


def test_retries_transient_failures_then_succeeds() -> None:
    failures = [502, httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("reset")]
    h = Harness(flaky(failures, ok({"object": {"uuid": "s1", "name": "x"}})))
    assert h.client.get_song("s1").uuid == "s1"
    assert h.client.calls_made == 4 and h.client.calls_by_endpoint == {"song": 4}
    assert h.sleeps == [0.5, 1.0, 2.0]  # full jitter with random()=1.0 is the cap: base * 2**attempt


@pytest.mark.parametrize("failure", [500, 503, 504, httpx.ConnectError("refused"), httpx.ReadError("reset")])
def test_each_transient_kind_is_retried(failure: object) -> None:
    h = Harness(flaky([failure], ok({"object": {"uuid": "s1", "name": "x"}})))
    assert h.client.get_song("s1").uuid == "s1" and h.client.calls_made == 2


def test_backoff_is_capped() -> None:
    h = Harness(flaky([503] * 6, ok({"object": {"uuid": "s1", "name": "x"}})), max_retries=6)
    h.client.get_song("s1")
    assert h.sleeps == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_bounded_retries_raise_service_unavailable() -> None:
    h = Harness(lambda request: error(503, "down"))
    with pytest.raises(ServiceUnavailableError, match="after 3 retries") as info:
        h.client.get_song("s1")
    assert "/api/v2.25/song/s1" in str(info.value)
    assert h.client.calls_made == 4 and len(h.sleeps) == 3


def test_rate_limit_429_waits_reset_header() -> None:
    limited = error(429, "You have reached the maximum request count", {"x-ratelimit-reset": "7"})
    calls = iter([limited, ok({"object": {"uuid": "s1", "name": "x"}})])
    h = Harness(lambda request: next(calls))
    h.client.get_song("s1")
    assert h.sleeps == [7.5]  # 7 s asked + jitter (random()=1.0 -> the 0.5 s maximum)
    assert h.client.calls_made == 2


def test_rate_limit_uses_retry_after_and_gives_up_past_budget() -> None:
    h = Harness(lambda request: error(429, "slow down", {"Retry-After": "50"}), max_rate_limit_wait_seconds=120.0)
    with pytest.raises(RateLimitedError, match="SOUNDCHARTS_RATE_LIMIT_PER_MINUTE"):
        h.client.get_song("s1")
    assert h.sleeps == [50.5, 50.5]  # a third wait would pass the 120 s budget
    assert h.client.calls_made == 3


def test_quota_429_is_not_retried() -> None:
    h = Harness(lambda request: error(429, "Your monthly quota is consumed"))
    with pytest.raises(QuotaExhaustedError, match="quota") as info:
        h.client.get_song("s1")
    assert not isinstance(info.value, QuotaFloorReachedError)
    assert h.client.calls_made == 1 and h.sleeps == []


@pytest.mark.parametrize(
    ("status", "kind", "words"),
    [
        (401, AuthenticationError, "check SOUNDCHARTS_APP_ID/SOUNDCHARTS_API_KEY"),
        (403, PlanRestrictedError, "not included in your plan"),
        (404, NotFoundError, "chart 'foo' not found (404)"),
        (400, RequestRejectedError, "(400)"),
        (410, RequestRejectedError, "(410)"),
    ],
)
def test_final_statuses_are_not_retried(status: int, kind: type, words: str) -> None:
    h = Harness(lambda request: error(status, "nope"))
    with pytest.raises(kind) as info:
        h.client.get_chart_ranking("foo")
    assert words in str(info.value) and "\n" not in str(info.value)
    assert info.value.status == status and info.value.path == "/api/v2.14/chart/song/foo/ranking/latest"
    assert h.client.calls_made == 1 and h.sleeps == []


def test_no_social_account_is_not_found() -> None:
    h = Harness(lambda request: error(404, "No social account found for artist"))
    with pytest.raises(NotFoundError, match="No social account found for artist"):
        h.client.get_artist_audience("a1", "tiktok", date(2024, 1, 1), date(2024, 1, 2))


def test_invalid_json_is_retried_like_a_transient_failure_then_malformed() -> None:
    bad = httpx.Response(200, content=b'{"items": [tru')
    calls = iter([bad, bad, ok({"object": {"uuid": "s1", "name": "x"}})])
    h = Harness(lambda request: next(calls))
    assert h.client.get_song("s1").uuid == "s1" and h.client.calls_made == 3 and len(h.sleeps) == 2

    h = Harness(lambda request: httpx.Response(200, content=b"<html>"))
    with pytest.raises(MalformedPayloadError, match="song") as info:
        h.client.get_song("s1")
    assert "\n" not in str(info.value) and h.client.calls_made == 4  # 1 + max_retries (3)


def test_items_not_a_list_is_malformed_naming_the_endpoint() -> None:
    h = Harness(lambda request: ok({"items": {"oops": 1}, "page": {}}))
    with pytest.raises(MalformedPayloadError, match="ranking_dates"):
        h.client.list_ranking_dates("global-28")


# --- quota ------------------------------------------------------------------------------------------------


def test_quota_floor_refuses_before_sending_but_allows_team_usage() -> None:
    h = Harness(lambda request: ok({"object": {"uuid": "s1", "name": "x"}}, quota=5), quota_floor=5)
    h.client.get_song("s1")
    assert h.client.quota_remaining == 5
    with pytest.raises(QuotaFloorReachedError, match="quota floor reached: 5 calls left, floor is 5"):
        h.client.get_song("s1")
    assert h.client.calls_made == 1
    assert h.client.get_team_usage().quota_remaining == 5
    assert h.client.calls_by_endpoint == {"song": 1, "team_usage": 1}


def test_quota_remaining_keeps_lowest_recent_value() -> None:
    quotas = iter([100, 98, 99])
    h = Harness(lambda request: ok({"object": {"uuid": "s1", "name": "x"}}, quota=next(quotas)))
    for _ in range(3):
        h.client.get_song("s1")
    assert h.client.quota_remaining == 98  # the late answer carrying 99 is stale
    h.now += 3600  # an hour later a higher value is believed (the monthly reset)
    h2_quota = iter([5000])
    h.client._http._transport = httpx.MockTransport(  # type: ignore[attr-defined]
        lambda request: ok({"object": {"uuid": "s1", "name": "x"}}, quota=next(h2_quota))
    )
    h.client.get_song("s1")
    assert h.client.quota_remaining == 5000


# --- auth -------------------------------------------------------------------------------------------------


def test_api_key_headers() -> None:
    h = Harness(lambda request: ok({"object": {"uuid": "s1", "name": "x"}}))
    h.client.get_song("s1")
    assert h.requests[0].headers["x-app-id"] == "my-app" and h.requests[0].headers["x-api-key"] == API_KEY
    assert "authorization" not in h.requests[0].headers


class TokenServer:
    """An OAuth token route plus an API route that accepts only the latest token."""

    def __init__(self, ttl: int = 100) -> None:
        self.ttl = ttl
        self.issued = 0
        self.reject_next_api_call = False
        self.reject_all = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            self.issued += 1
            assert request.method == "POST"
            basic = base64.b64decode(request.headers["authorization"].split()[1]).decode()
            assert basic == f"cid:{CLIENT_SECRET}"
            assert parse_qs(request.content.decode()) == {"grant_type": ["client_credentials"], "team_id": ["team"]}
            return ok({"access_token": f"tok{self.issued}", "token_type": "Bearer", "expires_in": self.ttl})
        if (
            self.reject_all
            or self.reject_next_api_call
            or request.headers.get("authorization") != f"Bearer tok{self.issued}"
        ):
            self.reject_next_api_call = False
            return error(401, "You are not logged in")
        return ok({"object": {"uuid": "s1", "name": "x"}})


def oauth_harness(server: TokenServer) -> Harness:
    oauth = OAuthCredentials(
        client_id="cid",
        client_secret=SecretStr(CLIENT_SECRET),
        team_id="team",
        token_url="https://auth.test/oauth/token",
    )
    return Harness(server, oauth=oauth)


def test_oauth_token_fetched_once_and_refreshed_before_expiry() -> None:
    server = TokenServer(ttl=100)
    h = oauth_harness(server)
    h.client.get_song("s1")
    h.client.get_song("s1")
    assert server.issued == 1
    assert "x-api-key" not in h.api_requests()[0].headers
    h.now += 89  # 11 s left: more than 10% of 100 s -> keep
    h.client.get_song("s1")
    assert server.issued == 1
    h.now += 2  # 9 s left: refresh before it expires
    h.client.get_song("s1")
    assert server.issued == 2 and h.client.calls_made == 4  # token requests are not API calls
    assert repr(h.client) == "SoundchartsClient(base_url='https://api.test', auth='oauth')"


def test_oauth_refreshes_once_on_401() -> None:
    server = TokenServer()
    h = oauth_harness(server)
    h.client.get_song("s1")
    server.reject_next_api_call = True
    h.client.get_song("s1")
    assert server.issued == 2 and h.client.calls_made == 3

    server = TokenServer()
    h = oauth_harness(server)
    h.client.get_song("s1")
    server.reject_all = True  # e.g. the API client was deleted: a fresh token does not help
    with pytest.raises(AuthenticationError, match="401"):
        h.client.get_song("s1")
    assert h.client.calls_made == 3  # one retry with a fresh token, no more


def test_refused_token_request_is_authentication_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return error(401, "invalid_client") if request.url.path == "/oauth/token" else ok({})

    h = oauth_harness(TokenServer())
    h.client._http._transport = httpx.MockTransport(handler)  # type: ignore[attr-defined]
    with pytest.raises(AuthenticationError, match="SOUNDCHARTS_CLIENT_SECRET") as info:
        h.client.get_song("s1")
    assert CLIENT_SECRET not in str(info.value)
    assert h.client.calls_made == 0


def test_secrets_never_in_repr_errors_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    h = Harness(flaky([503, 401], ok({})))
    assert repr(h.client) == "SoundchartsClient(base_url='https://api.test', auth='api-key')"
    with pytest.raises(AuthenticationError) as info:
        h.client.get_song("s1")
    assert API_KEY not in str(info.value) and API_KEY not in repr(info.value)
    assert caplog.records, "the client should log its requests"
    assert any("GET /api/v2.25/song/s1 -> 503" in r.getMessage() for r in caplog.records)
    assert any(r.levelno == logging.WARNING and "retrying" in r.getMessage() for r in caplog.records)
    for record in caplog.records:
        assert API_KEY not in record.getMessage() and "x-api-key" not in record.getMessage().lower()

    caplog.clear()
    server = TokenServer()
    h = oauth_harness(server)
    h.client.get_song("s1")
    assert CLIENT_SECRET not in repr(h.client) and "tok1" not in repr(h.client)
    for record in caplog.records:
        assert CLIENT_SECRET not in record.getMessage() and "tok1" not in record.getMessage()


# --- concurrency, lifecycle --------------------------------------------------------------------------


def test_counters_are_thread_safe() -> None:
    h = Harness(lambda request: ok({"object": {"uuid": "s1", "name": "x"}}, quota=50), max_in_flight=4)
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda _: h.client.get_song("s1"), range(200)))
    assert h.client.calls_made == 200 and h.client.calls_by_endpoint == {"song": 200}


def test_in_flight_is_bounded() -> None:
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}
    gate = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        gate.wait(0.05)
        with lock:
            state["now"] -= 1
        return ok({"object": {"uuid": "s1", "name": "x"}})

    h = Harness(handler, max_in_flight=3)
    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(lambda _: h.client.get_song("s1"), range(20)))
    assert state["peak"] <= 3


def test_rate_tokens_are_taken_by_requests_in_flight_only() -> None:
    """A token is taken right before its request goes out: threads queued for a slot hold none, so they
    cannot bank tokens and send them in a burst above the rate once slots free up."""
    lock = threading.Lock()
    state = {"taken": 0, "answered": 0, "peak_unsent": 0}

    class CountingLimiter(UnlimitedLimiter):
        def acquire(self) -> None:
            with lock:
                state["taken"] += 1
                state["peak_unsent"] = max(state["peak_unsent"], state["taken"] - state["answered"])

    def handler(request: httpx.Request) -> httpx.Response:
        threading.Event().wait(0.02)
        with lock:
            state["answered"] += 1
        return ok({"object": {"uuid": "s1", "name": "x"}})

    settings = ApiSettings(base_url=BASE, app_id="my-app", api_key=SecretStr(API_KEY), max_in_flight=3)
    client = SoundchartsClient(settings, limiter=CountingLimiter(), transport=httpx.MockTransport(handler))
    with client, ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(lambda _: client.get_song("s1"), range(60)))
    assert state["taken"] == 60
    assert state["peak_unsent"] <= 3, state


def test_context_manager_closes_and_timeouts_come_from_settings() -> None:
    settings = ApiSettings(base_url=BASE, timeout_seconds=12.0, connect_timeout_seconds=3.0)
    with SoundchartsClient(settings, transport=httpx.MockTransport(lambda r: ok({}))) as client:
        timeout = client._http.timeout  # type: ignore[attr-defined]
        assert (timeout.connect, timeout.read) == (3.0, 12.0)
    assert client._http.is_closed  # type: ignore[attr-defined]


def test_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    from soundcharts_assets.settings import api_settings_from_env

    monkeypatch.setenv("SOUNDCHARTS_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("SOUNDCHARTS_API_KEY", API_KEY)
    with SoundchartsClient(api_settings_from_env()) as client:
        assert repr(client) == "SoundchartsClient(base_url='http://127.0.0.1:9', auth='api-key')"


@pytest.mark.parametrize(
    ("message", "headers", "rate_limited"),
    [
        ("You have reached the maximum request count per minute", {}, True),
        ("slow down", {"x-ratelimit-reset": "3"}, True),
        ("Your quota has been consumed", {"x-ratelimit-reset": "3"}, False),
        ("Too many requests", {}, False),
    ],
)
def test_429_classification(message: str, headers: dict, rate_limited: bool) -> None:
    from soundcharts_assets.soundcharts.responses import api_error_message, is_rate_limit

    response = error(429, message, headers)
    assert is_rate_limit(response, api_error_message(response)) is rate_limited

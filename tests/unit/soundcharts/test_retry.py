"""The retry policy (``retry.py``): transient failures back off with capped jitter, rate-limit 429s wait what the
API asks within a budget, final statuses and the quota 429 are never retried."""

from __future__ import annotations

import httpx
import pytest

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
)
from tests.unit.soundcharts.harness import (
    Harness,
    error,
    flaky,
    ok,
)


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


def test_invalid_json_is_retried_like_a_transient_failure_then_malformed() -> None:
    bad = httpx.Response(200, content=b'{"items": [tru')
    calls = iter([bad, bad, ok({"object": {"uuid": "s1", "name": "x"}})])
    h = Harness(lambda request: next(calls))
    assert h.client.get_song("s1").uuid == "s1" and h.client.calls_made == 3 and len(h.sleeps) == 2

    h = Harness(lambda request: httpx.Response(200, content=b"<html>"))
    with pytest.raises(MalformedPayloadError, match="song") as info:
        h.client.get_song("s1")
    assert "\n" not in str(info.value) and h.client.calls_made == 4  # 1 + max_retries (3)

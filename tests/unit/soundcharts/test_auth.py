"""Credentials on the wire (``auth.py``): API-key headers, the OAuth token fetched once, refreshed before expiry
and once on a 401, and no secret in a repr, an error or a log line."""

from __future__ import annotations

import logging

import httpx
import pytest

from soundcharts_assets.soundcharts import AuthenticationError
from tests.unit.soundcharts.harness import (
    API_KEY,
    CLIENT_SECRET,
    Harness,
    TokenServer,
    error,
    flaky,
    oauth_harness,
    ok,
)


def test_api_key_headers() -> None:
    h = Harness(lambda request: ok({"object": {"uuid": "s1", "name": "x"}}))
    h.client.get_song("s1")
    assert h.requests[0].headers["x-app-id"] == "my-app" and h.requests[0].headers["x-api-key"] == API_KEY
    assert "authorization" not in h.requests[0].headers


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

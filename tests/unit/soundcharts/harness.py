"""What the client's unit tests share: a ``SoundchartsClient`` on ``httpx.MockTransport`` that records requests
and sleeps, canned answers (pages, errors, quota headers), a flaky handler and an OAuth token server.

No test sleeps: the client gets a recording ``sleep`` and a fixed ``random``.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from urllib.parse import parse_qs

import httpx

from soundcharts_assets.ratelimit.memory import UnlimitedLimiter
from soundcharts_assets.soundcharts import SoundchartsClient
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

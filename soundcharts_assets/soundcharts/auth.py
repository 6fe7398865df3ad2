"""Credentials on the wire, as ``httpx.Auth`` flows: legacy ``x-app-id``/``x-api-key`` headers, or OAuth2.

The OAuth token is shared by every thread of a fan-out, so one lock guards it: one thread fetches it while
the others wait, and a 401 only invalidates the token that was actually sent (ten threads hitting 401
together refresh it once). The token request goes through the client's own ``httpx.Client`` (same
transport, so tests and the emulator see it) with explicit Basic auth, which overrides this flow.
These flows do I/O (the token request) and sleep between its retries, so they are synchronous only.
Secrets are read with ``get_secret_value()`` only where a header is built, and never logged.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Generator

import httpx
from pydantic import SecretStr

from .config import OAuthCredentials
from .errors import AuthenticationError, MalformedPayloadError, ServiceUnavailableError
from .responses import shown_path

logger = logging.getLogger("soundcharts_assets.soundcharts")

_RETRYABLE_TOKEN_STATUSES = {500, 502, 503, 504, 429}
# Refresh a token when less than this share of its lifetime is left, capped at 30 s (a 1-hour token is
# refreshed 30 s early; a 1-second token used by tests is not refreshed on every single request).
_REFRESH_SHARE = 0.1
_REFRESH_MAX_MARGIN = 30.0
_DEFAULT_TTL = 300.0

AuthFlow = Generator[httpx.Request, httpx.Response, None]


class ApiKeyAuth(httpx.Auth):
    """The legacy header pair; a 401 means the pair is wrong, so there is nothing to refresh."""

    kind = "api-key"

    def __init__(self, app_id: str, api_key: SecretStr) -> None:
        self._app_id = app_id
        self._api_key = api_key

    def auth_flow(self, request: httpx.Request) -> AuthFlow:
        request.headers["x-app-id"] = self._app_id
        request.headers["x-api-key"] = self._api_key.get_secret_value()
        yield request

    def __repr__(self) -> str:
        return f"ApiKeyAuth(app_id={self._app_id!r})"


class OAuthClientCredentials(httpx.Auth):
    """Client-credentials tokens: fetched on first use, refreshed shortly before expiry and once after a 401."""

    kind = "oauth"

    def __init__(
        self,
        credentials: OAuthCredentials,
        http: httpx.Client,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        backoff: Callable[[int], float] = lambda attempt: 0.0,
        max_retries: int = 3,
    ) -> None:
        self._credentials = credentials
        self._http = http
        self._clock = clock
        self._sleep = sleep
        self._backoff = backoff
        self._max_retries = max_retries
        self._lock = threading.Lock()
        self._token: str | None = None
        self._refresh_at = 0.0
        self.token_requests = 0

    def sync_auth_flow(self, request: httpx.Request) -> AuthFlow:
        token = self._valid_token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401:
            return
        self._invalidate(token)
        logger.warning(
            "retrying %s %s with a fresh OAuth token after 401", request.method, shown_path(request.url.path)
        )
        request.headers["Authorization"] = f"Bearer {self._valid_token()}"
        yield request

    def auth_flow(self, request: httpx.Request) -> AuthFlow:
        """Used by ``httpx.AsyncClient`` only, which would block on the token request: refuse."""
        raise NotImplementedError("the Soundcharts client is synchronous; its OAuth flow fetches tokens in-line")

    def _valid_token(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._refresh_at:
                self._token, self._refresh_at = self._fetch()
            return self._token

    def _invalidate(self, sent: str) -> None:
        with self._lock:
            if self._token == sent:
                self._token = None  # only the token that failed; another thread may have refreshed already

    def _fetch(self) -> tuple[str, float]:
        """A new token and when to refresh it; transient token-endpoint failures are retried with backoff."""
        url = self._credentials.token_url
        for attempt in range(self._max_retries + 1):
            self.token_requests += 1
            started = self._clock()
            try:
                response = self._http.post(
                    url,
                    auth=(self._credentials.client_id, self._credentials.client_secret.get_secret_value()),
                    data={"grant_type": "client_credentials", "team_id": self._credentials.team_id},
                )
            except httpx.TransportError as exc:
                problem = type(exc).__name__
            else:
                if response.status_code not in _RETRYABLE_TOKEN_STATUSES:
                    return self._accept(response, started)
                problem = str(response.status_code)
            if attempt < self._max_retries:
                delay = self._backoff(attempt)
                logger.warning("retrying the OAuth token request after %s in %.2f s", problem, delay)
                self._sleep(delay)
        raise ServiceUnavailableError(
            f"the OAuth token endpoint {url} kept failing ({problem}) after {self._max_retries} retries; "
            "try again later or check SOUNDCHARTS_AUTH_URL",
            path=url,
        )

    def _accept(self, response: httpx.Response, started: float) -> tuple[str, float]:
        url = self._credentials.token_url
        if response.status_code >= 400:
            raise AuthenticationError(
                f"the OAuth token request was refused ({response.status_code}) by {url}: check "
                "SOUNDCHARTS_CLIENT_ID, SOUNDCHARTS_CLIENT_SECRET and SOUNDCHARTS_TEAM_ID",
                status=response.status_code,
                path=url,
            )
        try:
            body = response.json()
            token = body["access_token"]
        except (ValueError, KeyError, TypeError):
            raise MalformedPayloadError(f"the OAuth token response from {url} has no access_token") from None
        if not isinstance(token, str) or not token:
            raise MalformedPayloadError(f"the OAuth token response from {url} has an empty access_token")
        try:
            ttl = float(body.get("expires_in") or _DEFAULT_TTL)
        except (TypeError, ValueError):
            ttl = _DEFAULT_TTL
        margin = min(_REFRESH_MAX_MARGIN, ttl * _REFRESH_SHARE)
        logger.debug("fetched an OAuth token valid for %.0f s", ttl)
        return token, started + ttl - margin

    def __repr__(self) -> str:
        return f"OAuthClientCredentials(client_id={self._credentials.client_id!r})"

"""One GET against the API, made reliable: pacing, quota floor, one attempt at a time, counters.

Every request of the client goes through :meth:`ApiTransport.get_json`, which is only a loop: make one
attempt (:meth:`ApiTransport.attempt`), and when it raises, ask the retry policy (``retry.py``) how long to
wait or let the error through. An attempt paces itself with the rate limiter, refuses below the quota
floor, bounds the requests in flight, records ``x-quota-remaining``, and turns anything but a 2xx JSON answer
into a typed error (``responses.py``). Credentials are added by the ``httpx.Auth`` flow (``auth.py``),
which also resends once after an OAuth 401; that resend is not paced by the limiter (it replaces a refused
request). Every request sent to the API, resends included, is counted by an httpx request hook, and every 2xx
answer (what the quota is charged for) by a response hook.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from ..ratelimit import RateLimiter
from .errors import ApiUnreachableError, MalformedPayloadError, ServiceUnavailableError, SoundchartsError
from .quota import CallCounters, QuotaTracker
from .responses import error_for_response, shown_path
from .retry import RetryPolicy

logger = logging.getLogger("soundcharts_assets.soundcharts")

ENDPOINT_EXTENSION = "soundcharts_endpoint"
"""httpx request extension naming the endpoint of an API request (token requests have none)."""


@dataclass(frozen=True)
class ApiResponse:
    data: Any
    headers: httpx.Headers
    path: str


def counting_hook(counters: CallCounters) -> Callable[[httpx.Request], None]:
    """An httpx ``request`` event hook counting API requests per endpoint, as they leave (auth resends too)."""

    def count(request: httpx.Request) -> None:
        endpoint = request.extensions.get(ENDPOINT_EXTENSION)
        if endpoint is not None:
            counters.record(endpoint)

    return count


def billing_hook(counters: CallCounters) -> Callable[[httpx.Response], None]:
    """An httpx ``response`` event hook counting the API answers the quota pays for (2xx; not token calls).
    A response hook sees each answer in the thread that sent its request, so per-thread charging holds."""

    def bill(response: httpx.Response) -> None:
        if response.request.extensions.get(ENDPOINT_EXTENSION) is not None and response.is_success:
            counters.record_billed()

    return bill


class ApiTransport:
    """Sends GETs for :class:`SoundchartsClient`; thread-safe (counters, quota and auth hold their locks)."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        limiter: RateLimiter,
        policy: RetryPolicy,
        quota: QuotaTracker,
        max_in_flight: int,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._http = http
        self._limiter = limiter
        self._policy = policy
        self._quota = quota
        self._in_flight = threading.BoundedSemaphore(max(1, max_in_flight))
        self._sleep = sleep

    def get_json(
        self,
        endpoint: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        subject: str | None = None,
        free: bool = False,
    ) -> ApiResponse:
        """GET ``path`` (host-relative, may carry a query) and decode its JSON, retrying what is transient.

        ``endpoint`` names the call in counters; ``subject`` ("chart 'global-28'") words the 404 message;
        ``free`` calls (team usage) are allowed below the quota floor.
        """
        retries = self._policy.start(endpoint, shown_path(path))
        while True:
            try:
                return self.attempt(endpoint, path, params, subject=subject, free=free)
            except SoundchartsError as error:
                delay = retries.delay_after(error)  # raises when it is time to stop
            self._sleep(delay)

    def attempt(
        self,
        endpoint: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        subject: str | None = None,
        free: bool = False,
    ) -> ApiResponse:
        """One try: the decoded answer, or a typed error (``retryable``, or carrying ``retry_after``)."""
        shown = shown_path(path)
        response = self._send(endpoint, path, params, shown, free)
        if not response.is_success:
            raise error_for_response(response, shown, subject)
        try:
            data = json.loads(response.content)
        except (ValueError, UnicodeDecodeError):
            # A truncated body is a transient failure like a dropped connection: same budget.
            raise MalformedPayloadError(
                f"Soundcharts sent a body that is not JSON for GET {shown} ({endpoint})",
                status=response.status_code,
                path=shown,
                retryable=True,
            ) from None
        return ApiResponse(data=data, headers=response.headers, path=shown)

    def _send(
        self, endpoint: str, path: str, params: Mapping[str, Any] | None, shown: str, free: bool
    ) -> httpx.Response:
        """One HTTP exchange, paced and logged; a transport failure becomes a retryable error.

        The rate limit's token and the quota floor are both taken once the request holds its in-flight slot,
        right before it is sent. Taken earlier, every thread queued for a slot would hold a token (or have
        passed the floor) and go out later: a step's threads beyond ``max_in_flight`` banked tokens while they
        waited and then sent them together, so the API saw bursts above the limit (429s with two workers).
        """
        with self._in_flight:
            self._limiter.acquire()
            if not free:
                self._quota.check_floor()
            started = time.monotonic()
            try:
                response = self._http.get(path, params=params, extensions={ENDPOINT_EXTENSION: endpoint})
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                logger.debug("GET %s: no connection after %.0f ms: %s", shown, _ms(started), type(exc).__name__)
                host = str(self._http.base_url).rstrip("/")
                raise ApiUnreachableError(host, type(exc).__name__, path=shown) from exc
            except (httpx.TransportError, httpx.DecodingError) as exc:
                logger.debug("GET %s failed after %.0f ms: %s", shown, _ms(started), type(exc).__name__)
                raise ServiceUnavailableError(
                    f"Soundcharts could not be reached for GET {shown} ({type(exc).__name__}); try again later",
                    path=shown,
                    retryable=True,
                ) from exc
        logger.debug("GET %s -> %d in %.0f ms", shown, response.status_code, _ms(started))
        self._quota.observe(response.headers.get("x-quota-remaining"))
        return response


def _ms(started: float) -> float:
    return (time.monotonic() - started) * 1000

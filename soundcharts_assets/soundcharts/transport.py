"""One GET against the API, made reliable: pacing, retries, backoff, quota guard, error mapping, counters.

Every request of the client goes through :meth:`ApiTransport.get_json`, so the policies live in one place:
- 500/502/503/504, timeouts and connection errors are transient: exponential backoff with full jitter
  (so a fan-out of threads does not retry in lockstep), at most ``max_retries`` retries.
- a rate-limit 429 waits what the API asks (``x-ratelimit-reset``, else ``Retry-After``) within a total budget;
  the quota 429 is final, as are 400/401/403/404/410: retrying them only burns quota.
- a 2xx with an unparsable body (a truncated transfer) is transient too: same backoff, same budget.
Messages name the method and path only: headers (and so credentials) never reach logs or exceptions.
"""

from __future__ import annotations

import email.utils
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from .auth import Authenticator
from .errors import (
    AuthenticationError,
    MalformedPayloadError,
    NotFoundError,
    PlanRestrictedError,
    QuotaExhaustedError,
    RateLimitedError,
    RequestRejectedError,
    ServiceUnavailableError,
)
from .quota import CallCounters, QuotaTracker
from .ratelimit import RateLimiter

logger = logging.getLogger("soundcharts_assets.soundcharts")

RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
_RATE_LIMIT_JITTER_SECONDS = 0.5
_DEFAULT_RATE_LIMIT_WAIT = 1.0


@dataclass(frozen=True)
class ApiResponse:
    data: Any
    headers: httpx.Headers
    path: str


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int
    backoff_base: float
    backoff_max: float
    max_rate_limit_wait: float
    random: Callable[[], float]

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max, base * 2**attempt)] (attempt counts from 0)."""
        return self.random() * min(self.backoff_max, self.backoff_base * (2**attempt))


def api_error_message(response: httpx.Response) -> str:
    """The first ``errors[].message`` (or top-level ``message``), on one line; '' when there is none."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return ""
    message: Any = None
    if isinstance(body, Mapping):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
            message = errors[0].get("message")
        message = message or body.get("message")
    return " ".join(str(message).split())[:200] if message else ""


def rate_limit_wait(headers: httpx.Headers) -> float | None:
    """Seconds the API asks us to wait: ``x-ratelimit-reset`` (seconds, or an epoch), else ``Retry-After``."""
    raw = headers.get("x-ratelimit-reset")
    if raw is not None:
        try:
            value = float(raw)
        except ValueError:
            value = None
        if value is not None:
            return max(0.0, value - time.time() if value > 1e9 else value)
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:  # Retry-After may also be an HTTP date
        return max(0.0, email.utils.parsedate_to_datetime(raw).timestamp() - time.time())
    except (TypeError, ValueError, IndexError):
        return None


def is_rate_limit(response: httpx.Response, message: str) -> bool:
    """The per-minute 429 (worth waiting) versus the monthly-quota 429 (final)."""
    lowered = message.lower()
    if "maximum request count" in lowered:
        return True
    if "quota" in lowered:
        return False
    return rate_limit_wait(response.headers) is not None


class ApiTransport:
    """Sends GETs for :class:`SoundchartsClient`; thread-safe (counters, quota and auth hold their locks)."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        auth: Authenticator,
        limiter: RateLimiter,
        policy: RetryPolicy,
        quota: QuotaTracker,
        counters: CallCounters,
        max_in_flight: int,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._http = http
        self._auth = auth
        self._limiter = limiter
        self._policy = policy
        self._quota = quota
        self._counters = counters
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
        shown = _abbreviated(path.split("?", 1)[0])
        failures = rate_limited = 0
        waited = 0.0
        reauthenticated = False
        while True:
            if not free:
                self._quota.check_floor()
            response = self._send(endpoint, path, params, shown)
            if isinstance(response, Exception):
                failures = self._retry_or_raise(failures, shown, type(response).__name__, response)
                continue
            response, sent = response
            status = response.status_code
            if 200 <= status < 300:
                try:
                    return ApiResponse(data=json.loads(response.content), headers=response.headers, path=shown)
                except (ValueError, UnicodeDecodeError):
                    # A truncated body is a transient failure like a dropped connection: same budget.
                    if failures >= self._policy.max_retries:
                        raise MalformedPayloadError(
                            f"Soundcharts sent a body that is not JSON for GET {shown} ({endpoint}) after "
                            f"{failures} retries; try again later or raise SOUNDCHARTS_MAX_RETRIES",
                            status=status,
                            path=shown,
                        ) from None
                    failures = self._retry_or_raise(failures, shown, f"a {status} body that is not JSON", None)
                    continue
            message = api_error_message(response)
            if status == 401 and not reauthenticated and self._auth.retry_after_401(sent):
                reauthenticated = True
                logger.warning("retrying GET %s with a fresh OAuth token after 401", shown)
                continue
            if status == 429 and is_rate_limit(response, message):
                delay = rate_limit_wait(response.headers)
                delay = (_DEFAULT_RATE_LIMIT_WAIT if delay is None else delay) + (
                    self._policy.random() * _RATE_LIMIT_JITTER_SECONDS
                )
                if rate_limited >= self._policy.max_retries or waited + delay > self._policy.max_rate_limit_wait:
                    raise RateLimitedError(
                        f"Soundcharts is still rate limiting GET {shown} after {rate_limited} waits "
                        f"({waited:.1f} s): lower SOUNDCHARTS_RATE_LIMIT_PER_MINUTE or SOUNDCHARTS_MAX_IN_FLIGHT",
                        status=429,
                        path=shown,
                    )
                rate_limited += 1
                waited += delay
                logger.warning("rate limited on GET %s (429); waiting %.2f s", shown, delay)
                self._sleep(delay)
                continue
            if status in RETRYABLE_STATUSES:
                failures = self._retry_or_raise(failures, shown, str(status), None)
                continue
            raise self._final_error(status, shown, message, subject)

    def _send(
        self, endpoint: str, path: str, params: Mapping[str, Any] | None, shown: str
    ) -> tuple[httpx.Response, dict[str, str]] | httpx.HTTPError:
        """One HTTP request, counted and logged; transport failures are returned, not raised."""
        self._limiter.acquire()
        headers = self._auth.headers()
        with self._in_flight:
            self._counters.record(endpoint)
            started = time.monotonic()
            try:
                response = self._http.get(path, params=params, headers=headers)
            except (httpx.TransportError, httpx.DecodingError) as exc:
                logger.debug("GET %s failed after %.0f ms: %s", shown, _ms(started), type(exc).__name__)
                return exc
        logger.debug("GET %s -> %d in %.0f ms", shown, response.status_code, _ms(started))
        self._quota.observe(response.headers.get("x-quota-remaining"))
        return response, headers

    def _retry_or_raise(self, failures: int, shown: str, problem: str, exc: Exception | None) -> int:
        if failures >= self._policy.max_retries:
            raise ServiceUnavailableError(
                f"Soundcharts kept failing on GET {shown} ({problem}) after {failures} retries; "
                "try again later or raise SOUNDCHARTS_MAX_RETRIES",
                path=shown,
            ) from exc
        delay = self._policy.backoff(failures)
        logger.warning(
            "retrying GET %s after %s (retry %d of %d) in %.2f s",
            shown, problem, failures + 1, self._policy.max_retries, delay,
        )
        self._sleep(delay)
        return failures + 1

    def _final_error(self, status: int, shown: str, message: str, subject: str | None) -> Exception:
        said = f": {message}" if message else ""
        if status == 401:
            return AuthenticationError(
                f"Soundcharts rejected the credentials (401) on GET {shown}: check "
                "SOUNDCHARTS_APP_ID/SOUNDCHARTS_API_KEY or the OAuth variables",
                status=status,
                path=shown,
            )
        if status == 403:
            return PlanRestrictedError(
                f"Soundcharts refused GET {shown} (403): not included in your plan{said}; "
                "skip it or ask help@soundcharts.com",
                status=status,
                path=shown,
            )
        if status == 404:
            what = subject or "resource"
            return NotFoundError(f"{what} not found (404) on GET {shown}{said}", status=status, path=shown)
        if status == 429:
            return QuotaExhaustedError(
                f"Soundcharts quota exhausted (429) on GET {shown}{said}; wait for the monthly reset "
                "or raise the plan's quota",
                status=status,
                path=shown,
            )
        if 400 <= status < 500:
            return RequestRejectedError(f"Soundcharts rejected GET {shown} ({status}){said}", status=status, path=shown)
        return ServiceUnavailableError(
            f"Soundcharts failed on GET {shown} ({status}){said}; try again later", status=status, path=shown
        )


def _abbreviated(path: str, limit: int = 120) -> str:
    """Batch paths carry ten uuids; messages and logs only need enough to recognise the call."""
    return path if len(path) <= limit else f"{path[: limit - 3]}..."


def _ms(started: float) -> float:
    return (time.monotonic() - started) * 1000

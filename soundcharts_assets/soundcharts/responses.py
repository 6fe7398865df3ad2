"""Reading an API answer that is not a success: its message, how long it asks us to wait, and our error for it.

Kept apart from sending (``transport.py``) and from deciding (``retry.py``): this module only classifies one
response. Two 429s look alike on the wire and mean opposite things: the per-minute rate limit ("maximum
request count", worth waiting for) and the monthly quota (final: waiting only burns the rest of the day).
Messages name the method and path only: headers (and so credentials) never reach logs or exceptions.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from typing import Any

import httpx

from .errors import (
    AuthenticationError,
    NotFoundError,
    PlanRestrictedError,
    QuotaExhaustedError,
    RateLimitedError,
    RequestRejectedError,
    ServiceUnavailableError,
    SoundchartsError,
)

RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})


def shown_path(path: str, limit: int = 120) -> str:
    """The path without its query, abbreviated: batch paths carry ten uuids, a message needs only the call."""
    path = path.split("?", 1)[0]
    return path if len(path) <= limit else f"{path[: limit - 3]}..."


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


def error_for_response(response: httpx.Response, shown: str, subject: str | None = None) -> SoundchartsError:
    """Our error for a non-2xx answer to ``GET shown``; ``subject`` ("chart 'x'") words the 404."""
    status = response.status_code
    message = api_error_message(response)
    said = f": {message}" if message else ""
    if status == 429 and is_rate_limit(response, message):
        return RateLimitedError(
            f"Soundcharts is rate limiting GET {shown} (429){said}",
            path=shown,
            retry_after=rate_limit_wait(response.headers),
        )
    if status in RETRYABLE_STATUSES:
        return ServiceUnavailableError(
            f"Soundcharts failed on GET {shown} ({status}){said}; try again later",
            status=status,
            path=shown,
            retryable=True,
        )
    return _final_error(status, shown, said, subject)


def _final_error(status: int, shown: str, said: str, subject: str | None) -> SoundchartsError:
    """Answers that retrying cannot change (and would only spend quota on)."""
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

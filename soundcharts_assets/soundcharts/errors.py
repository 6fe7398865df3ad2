"""Errors a user can act on. Each message is one line and never contains a secret.

One request attempt raises these too (see ``transport.py``): a transient failure is marked ``retryable`` and
a rate-limit 429 carries the ``retry_after`` the API asked for, so the retry policy (``retry.py``) decides
from the error alone whether to wait or stop. When the policy gives up on a transient error it raises a new
one whose message says how many retries were made and which setting to change.
Importing this module does not import httpx.
"""

from __future__ import annotations


class SoundchartsError(Exception):
    """Base of every error the client raises on purpose."""

    def __init__(
        self, message: str, *, status: int | None = None, path: str | None = None, retryable: bool = False
    ) -> None:
        super().__init__(message)
        self.status = status
        self.path = path
        self.retryable = retryable
        """Whether trying the same request again may succeed (5xx, timeouts, resets, truncated bodies)."""


class AuthenticationError(SoundchartsError):
    """401 (or a refused OAuth token request): the credentials are missing or wrong."""


class PlanRestrictedError(SoundchartsError):
    """403: this endpoint is not in the account's plan."""


class NotFoundError(SoundchartsError):
    """404: the chart, song, artist or platform account does not exist."""


class QuotaExhaustedError(SoundchartsError):
    """The monthly quota is used up (the API's quota 429), or spending more would cross our floor."""


class QuotaFloorReachedError(QuotaExhaustedError):
    """``x-quota-remaining`` is at or below the configured floor, so the client refuses to spend more."""


class RateLimitedError(SoundchartsError):
    """A 429 "maximum request count"; raised to the caller once the allowed waits are spent.

    ``retry_after`` is the wait the API asked for in seconds (None when it did not say).
    """

    def __init__(
        self, message: str, *, status: int | None = 429, path: str | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status=status, path=path)
        self.retry_after = retry_after


class ServiceUnavailableError(SoundchartsError):
    """5xx, timeouts or connection errors that outlasted the retries."""


class ApiUnreachableError(ServiceUnavailableError):
    """No connection to the API's host at all (refused, no such host, connect timeout): usually the base URL
    is wrong or the server (an emulator) is not running, so the message names the host to check."""

    def __init__(self, host: str, problem: str, *, tries: int = 1, path: str | None = None) -> None:
        shown = problem if tries == 1 else f"{problem}, {tries} tries"
        super().__init__(
            f"cannot reach {host} ({shown}): check SOUNDCHARTS_BASE_URL and that the API (or the emulator) is up",
            path=path,
            retryable=True,
        )
        self.host, self.problem = host, problem


class MalformedPayloadError(SoundchartsError):
    """The API answered 2xx with a body we cannot parse into the documented shape."""


class RequestRejectedError(SoundchartsError):
    """Any other 4xx (400 invalid request, 410 ISRC blacklisted...)."""

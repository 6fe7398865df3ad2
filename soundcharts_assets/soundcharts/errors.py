"""Errors a user can act on. Each message is one line and never contains a secret."""

from __future__ import annotations


class SoundchartsError(Exception):
    """Base of every error the client raises on purpose."""

    def __init__(self, message: str, *, status: int | None = None, path: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.path = path


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
    """Still rate limited (429 "maximum request count") after the allowed waits."""


class ServiceUnavailableError(SoundchartsError):
    """5xx, timeouts or connection errors that outlasted the retries."""


class MalformedPayloadError(SoundchartsError):
    """The API answered 2xx with a body we cannot parse into the documented shape."""


class RequestRejectedError(SoundchartsError):
    """Any other 4xx (400 invalid request, 410 ISRC blacklisted...)."""

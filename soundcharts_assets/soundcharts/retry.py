"""When to try a request again: the retry policy, apart from the code that sends requests.

One attempt (``transport.py``) either returns a decoded answer or raises a typed error; this module looks
only at that error and answers "wait this long, then try again" or raises what the caller should see:

- a transient failure (``retryable``: 500/502/503/504, timeouts, connection resets, a truncated JSON body)
  backs off exponentially with full jitter, so a fan-out of threads does not retry in lockstep, at most
  ``max_retries`` times;
- a rate-limit 429 (:class:`RateLimitedError`) waits what the API asked for (``retry_after``, from
  ``x-ratelimit-reset`` or ``Retry-After``) plus a little jitter, at most ``max_retries`` times and
  ``max_rate_limit_wait`` seconds in total;
- anything else (401, 403, 404, 410, the quota 429, the quota floor) is final: retrying only burns quota.

Why not tenacity: the two budgets are counted apart (a 429 wait does not use up a 5xx retry) and each
ends with its own message naming the knob to turn, which would take custom stop, wait and retry callbacks
sharing state; the policy below is shorter than that glue, and has no dependency.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from .errors import (
    ApiUnreachableError,
    MalformedPayloadError,
    RateLimitedError,
    ServiceUnavailableError,
    SoundchartsError,
)

logger = logging.getLogger("soundcharts_assets.soundcharts")

RATE_LIMIT_JITTER_SECONDS = 0.5
DEFAULT_RATE_LIMIT_WAIT = 1.0
"""Seconds to wait on a rate-limit 429 that does not say how long."""


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int
    backoff_base: float
    backoff_max: float
    max_rate_limit_wait: float
    random: Callable[[], float]

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max, base * 2**attempt)] (attempt counts from 0)."""
        ceiling: float = min(self.backoff_max, self.backoff_base * (2**attempt))  # int ** int is typed Any
        return self.random() * ceiling

    def rate_limit_delay(self, retry_after: float | None) -> float:
        """What the API asked for, plus up to half a second so that waiting threads do not return together."""
        asked = DEFAULT_RATE_LIMIT_WAIT if retry_after is None else retry_after
        return asked + self.random() * RATE_LIMIT_JITTER_SECONDS

    def start(self, endpoint: str, shown: str) -> Retries:
        """The budget of one request (``endpoint`` and ``shown`` path word the messages)."""
        return Retries(self, endpoint, shown)


class Retries:
    """What one request has spent so far; :meth:`delay_after` is asked after each failed attempt."""

    def __init__(self, policy: RetryPolicy, endpoint: str, shown: str) -> None:
        self._policy = policy
        self._endpoint = endpoint
        self._shown = shown
        self.failures = 0
        self.rate_limited = 0
        self.waited = 0.0

    def delay_after(self, error: SoundchartsError) -> float:
        """Seconds to wait before the next attempt, or raise the error the caller should see."""
        if isinstance(error, RateLimitedError):
            return self._after_rate_limit(error)
        if error.retryable:
            return self._after_failure(error)
        raise error

    def _after_rate_limit(self, error: RateLimitedError) -> float:
        delay = self._policy.rate_limit_delay(error.retry_after)
        if self.rate_limited >= self._policy.max_retries or self.waited + delay > self._policy.max_rate_limit_wait:
            raise RateLimitedError(
                f"Soundcharts is still rate limiting GET {self._shown} after {self.rate_limited} waits "
                f"({self.waited:.1f} s): lower SOUNDCHARTS_RATE_LIMIT_PER_MINUTE or SOUNDCHARTS_MAX_IN_FLIGHT",
                path=self._shown,
                retry_after=error.retry_after,
            ) from None
        self.rate_limited += 1
        self.waited += delay
        logger.warning("rate limited on GET %s (429); waiting %.2f s", self._shown, delay)
        return delay

    def _after_failure(self, error: SoundchartsError) -> float:
        problem = _problem(error)
        if self.failures >= self._policy.max_retries:
            raise self._gave_up(error, problem) from error.__cause__
        delay = self._policy.backoff(self.failures)
        self.failures += 1
        logger.warning(
            "retrying GET %s after %s (retry %d of %d) in %.2f s",
            self._shown,
            problem,
            self.failures,
            self._policy.max_retries,
            delay,
        )
        return delay

    def _gave_up(self, error: SoundchartsError, problem: str) -> SoundchartsError:
        if isinstance(error, ApiUnreachableError):  # the host, and the setting that names it, say what to fix
            return ApiUnreachableError(error.host, error.problem, tries=self.failures + 1, path=self._shown)
        advice = "try again later or raise SOUNDCHARTS_MAX_RETRIES"
        if isinstance(error, MalformedPayloadError):
            return MalformedPayloadError(
                f"Soundcharts sent a body that is not JSON for GET {self._shown} ({self._endpoint}) after "
                f"{self.failures} retries; {advice}",
                status=error.status,
                path=self._shown,
            )
        return ServiceUnavailableError(
            f"Soundcharts kept failing on GET {self._shown} ({problem}) after {self.failures} retries; {advice}",
            path=self._shown,
        )


def _problem(error: SoundchartsError) -> str:
    """A few words for logs: the transport exception's name, the status, or what was wrong with the body."""
    if error.__cause__ is not None:
        return type(error.__cause__).__name__
    if isinstance(error, MalformedPayloadError):
        return f"a {error.status} body that is not JSON"
    return str(error.status)

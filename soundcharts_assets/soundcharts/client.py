"""``SoundchartsClient``: the Soundcharts API as typed Python calls (the contract is in docs/architecture.md).

This module only wires the parts together and keeps the bookkeeping: the endpoints by noun are mixins
(``endpoints/``), sending and retrying is ``transport.py`` and ``retry.py``, credentials are an
``httpx.Auth`` flow (``auth.py``), pacing is a :class:`~soundcharts_assets.ratelimit.RateLimiter`. It
knows nothing of Dagster, the warehouse or the environment (``soundcharts_assets.settings`` builds the
:class:`ApiSettings`), so the CLI, the assets and the tests use it the same way.
"""

from __future__ import annotations

import random as random_module
import time
from collections.abc import Callable

import httpx

from ..ratelimit import RateLimiter
from ..ratelimit.memory import TokenBucketLimiter
from .auth import ApiKeyAuth, OAuthClientCredentials
from .config import ApiSettings
from .endpoints import ArtistEndpoints, AudienceEndpoints, ChartEndpoints, SongEndpoints, UsageEndpoints
from .quota import CallCounters, QuotaTracker
from .retry import RetryPolicy
from .transport import ApiTransport, billing_hook, counting_hook

__all__ = ["SoundchartsClient"]


class SoundchartsClient(ChartEndpoints, SongEndpoints, ArtistEndpoints, AudienceEndpoints, UsageEndpoints):
    """A thread-safe Soundcharts client owning one ``httpx.Client``; use one per process and close it.

    ``sleep``, ``random`` and ``clock`` are injected so tests never sleep and get exact backoffs.
    """

    def __init__(
        self,
        settings: ApiSettings,
        limiter: RateLimiter | None = None,
        transport: httpx.BaseTransport | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = random_module.random,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._counters = CallCounters()
        self._quota = QuotaTracker(settings.quota_floor, clock=clock)
        self._http = httpx.Client(
            base_url=settings.base_url,
            timeout=httpx.Timeout(settings.timeout_seconds, connect=settings.connect_timeout_seconds),
            transport=transport,
            headers={"accept": "application/json", "user-agent": "soundcharts-assets"},
            event_hooks={"request": [counting_hook(self._counters)], "response": [billing_hook(self._counters)]},
        )
        policy = RetryPolicy(
            max_retries=settings.max_retries,
            backoff_base=settings.backoff_base_seconds,
            backoff_max=settings.backoff_max_seconds,
            max_rate_limit_wait=settings.max_rate_limit_wait_seconds,
            random=random,
        )
        self._auth = _authentication(settings, self._http, policy, clock=clock, sleep=sleep)
        self._http.auth = self._auth
        self._api = ApiTransport(
            self._http,
            limiter=limiter or TokenBucketLimiter(settings.rate_limit_per_minute, sleep=sleep),
            policy=policy,
            quota=self._quota,
            max_in_flight=settings.max_in_flight,
            sleep=sleep,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SoundchartsClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SoundchartsClient(base_url={self.settings.base_url!r}, auth={self._auth.kind!r})"

    @property
    def quota_remaining(self) -> int | None:
        """The last ``x-quota-remaining`` seen (the lowest of recent answers), None before any answer."""
        return self._quota.remaining

    @property
    def calls_made(self) -> int:
        """HTTP requests sent to the API by this client: every page, every retry (token requests excluded)."""
        return self._counters.total

    @property
    def calls_made_in_this_thread(self) -> int:
        """``calls_made`` by the calling thread only (to charge one piece of work of a fan-out)."""
        return self._counters.in_this_thread

    @property
    def calls_billed(self) -> int:
        """Of ``calls_made``, those the API answered with a 2xx: what the monthly quota is charged for."""
        return self._counters.billed

    @property
    def calls_billed_in_this_thread(self) -> int:
        return self._counters.billed_in_this_thread

    @property
    def calls_by_endpoint(self) -> dict[str, int]:
        """``calls_made`` per endpoint name, e.g. ``{"song_audience": 12}``."""
        return self._counters.by_endpoint


def _authentication(
    settings: ApiSettings,
    http: httpx.Client,
    policy: RetryPolicy,
    *,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> ApiKeyAuth | OAuthClientCredentials:
    """OAuth when credentials are set (its token requests back off like API retries), else the key pair."""
    if settings.oauth is None:
        return ApiKeyAuth(settings.app_id, settings.api_key)
    return OAuthClientCredentials(
        settings.oauth, http, clock=clock, sleep=sleep, backoff=policy.backoff, max_retries=settings.max_retries
    )

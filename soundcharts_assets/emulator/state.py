"""The emulator's mutable runtime state: quota, tokens, the rate-limit window, counters.

Handlers run on the server's event loop while tests read stats and flip knobs from their own thread, so
every change goes through one lock. The lock is only ever held for a few dictionary operations.
"""

from __future__ import annotations

import random
import secrets
import threading
import time
from collections import Counter, deque
from collections.abc import Iterable
from datetime import date
from typing import Any

from soundcharts_assets.emulator.catalogue import Catalogue
from soundcharts_assets.emulator.config import UNLIMITED_QUOTA, EmulatorConfig, apply_knobs, config_as_json
from soundcharts_assets.emulator.counters import SeriesCounters


class EmulatorState:
    def __init__(self, config: EmulatorConfig, catalogue: Catalogue | None = None) -> None:
        self.config = config
        self.catalogue = catalogue or Catalogue.from_config(config)
        self._lock = threading.Lock()
        self.quota_remaining = self._initial_quota()
        self.usage_month = self._month()
        self.used_this_month = 0
        """Paid answers since the month began by the emulator's clock (or since the quota was refilled)."""
        self._tokens: dict[str, float] = {}
        self._window: deque[float] = deque()
        self._faults = random.Random(f"{config.seed}:faults")
        self._jitter = random.Random(f"{config.seed}:latency")
        self._zero_counters()

    def _initial_quota(self) -> int:
        return UNLIMITED_QUOTA if self.config.quota is None else self.config.quota

    def _month(self) -> str:
        return self.catalogue.today().strftime("%Y-%m")

    def _refill_quota(self) -> None:
        self.quota_remaining = self._initial_quota()
        self.used_this_month = 0

    def _roll_month(self) -> None:
        """A new calendar month (by the emulator's clock) starts a fresh monthly quota. Call under the lock."""
        month = self._month()
        if month != self.usage_month:
            self.usage_month = month
            self._refill_quota()

    def _zero_counters(self) -> None:
        self.requests_total = 0
        self.by_route: Counter[str] = Counter()
        self.by_status: Counter[str] = Counter()
        self.by_route_status: dict[str, Counter[str]] = {}
        self.in_flight = 0
        self.max_concurrent = 0
        self.metadata_served: dict[str, Counter[str]] = {"song": Counter(), "artist": Counter()}
        self.series = SeriesCounters()

    # counters -----------------------------------------------------------------------------------
    def enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_concurrent = max(self.max_concurrent, self.in_flight)

    def served_metadata(self, kind: str, uuids: list[str]) -> None:
        """Count the songs or artists a metadata answer carried, so "fetched twice" is visible per entity."""
        with self._lock:
            self.metadata_served[kind].update(uuids)

    def served_series(self, kind: str, uuid: str, source: str, days: Iterable[date]) -> None:
        """Count a series answer and its points per (uuid, source, day), so refetches show as waste."""
        with self._lock:
            self.series.served_series(kind, uuid, source, days)

    def served_current_stats(self, kind: str, uuid: str) -> None:
        with self._lock:
            self.series.served_current_stats(kind, uuid)

    def leave(self, route: str, status: str) -> None:
        with self._lock:
            self.in_flight -= 1
            self.requests_total += 1
            self.by_route[route] += 1
            self.by_status[status] += 1
            self.by_route_status.setdefault(route, Counter())[status] += 1

    def stats(self) -> dict[str, Any]:
        with self._lock:
            self._roll_month()
            return {
                "requests_total": self.requests_total,
                "by_route": dict(self.by_route),
                "by_status": dict(self.by_status),
                "by_route_status": {route: dict(c) for route, c in self.by_route_status.items()},
                "quota_remaining": self.quota_remaining,
                "max_concurrent": self.max_concurrent,
                "in_flight": self.in_flight,
                "metadata_served": {
                    kind: {"total": sum(counts.values()), "distinct": len(counts)}
                    for kind, counts in self.metadata_served.items()
                },
                **self.series.as_json(),
                "today": self.catalogue.today().isoformat(),
                "usage_month": self.usage_month,
                "used_this_month": self.used_this_month,
            }

    def usage(self) -> dict[str, Any]:
        """The team's usage as ``/api/v2/team/usage`` reports it (names are ours; the real ones are not
        documented)."""
        with self._lock:
            self._roll_month()
            quota = self._initial_quota()
            return {
                "quota": self.config.quota,
                "quotaRemaining": self.quota_remaining,
                "quotaUsed": quota - self.quota_remaining,
                "monthlyQuota": quota,
                "usedThisMonth": self.used_this_month,
                "month": self.usage_month,
                "rateLimitPerMinute": self.config.rate_limit_per_minute,
                "rateLimitWindowSeconds": self.config.rate_limit_window_seconds,
            }

    def reset(self, quota: bool = False) -> dict[str, Any]:
        """Zero the counters (requests in flight stay counted); refill the quota only when asked."""
        with self._lock:
            in_flight = self.in_flight
            self._zero_counters()
            self.in_flight = in_flight
            if quota:
                self._refill_quota()
                self._window.clear()
        return self.stats()

    def configure(self, **knobs: Any) -> dict[str, Any]:
        """Set knobs at runtime. Setting ``quota`` also sets what remains, so a test can start at N."""
        with self._lock:
            applied = apply_knobs(self.config, knobs)
            if "quota" in applied:
                self._refill_quota()
            if "rate_limit_per_minute" in applied or "rate_limit_window_seconds" in applied:
                self._window.clear()
        return config_as_json(self.config)

    # quota, rate limit, tokens ------------------------------------------------------------------
    def charge(self) -> int:
        """One paid 2xx response: take one from the quota and return what remains."""
        with self._lock:
            self._roll_month()
            self.quota_remaining = max(0, self.quota_remaining - 1)
            self.used_this_month += 1
            return self.quota_remaining

    # clock --------------------------------------------------------------------------------------
    def set_today(self, day: date) -> date:
        """Move the emulator's clock forward (ValueError backwards); a new month refills the quota."""
        with self._lock:
            self.catalogue.set_today(day)
            self.config.today = day
            self._roll_month()
            return day

    def rate_limited_for(self) -> int | None:
        """Record a request in the sliding window, or return the whole seconds until a slot frees."""
        limit, window = self.config.rate_limit_per_minute, self.config.rate_limit_window_seconds
        now = time.monotonic()
        with self._lock:
            while self._window and now - self._window[0] >= window:
                self._window.popleft()
            if limit is not None and len(self._window) >= limit:
                wait = window - (now - self._window[-limit])
                return max(1, int(wait + 0.999))
            self._window.append(now)
            return None

    def issue_token(self) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = time.monotonic() + self.config.token_ttl_seconds
        return token

    def token_valid(self, token: str) -> bool:
        with self._lock:
            expiry = self._tokens.get(token)
            return expiry is not None and time.monotonic() < expiry

    # randomness ---------------------------------------------------------------------------------
    def roll(self, rate: float) -> bool:
        """A fault draw from the seeded generator; a zero rate draws nothing, keeping other draws stable."""
        if rate <= 0:
            return False
        with self._lock:
            return self._faults.random() < rate

    def pick(self, options: tuple[int, ...]) -> int:
        with self._lock:
            return self._faults.choice(options)

    def latency_seconds(self) -> float:
        base, jitter = self.config.latency_ms, self.config.latency_jitter_ms
        if base <= 0 and jitter <= 0:
            return 0.0
        with self._lock:
            delta = self._jitter.uniform(-jitter, jitter) if jitter > 0 else 0.0
        return max(0.0, base + delta) / 1000

"""Resources: the Soundcharts client and the warehouse, built from the environment.

Secrets are read from environment variables when a run starts (``settings.py``), never from resource config,
so they cannot appear in run config, the UI's launchpad or the event log.
"""

import functools
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from pydantic import Field

from soundcharts_assets.ratelimit.database import DatabaseRateLimiter
from soundcharts_assets.settings import (
    FreshnessSettings,
    api_settings_from_env,
    freshness_from_env,
    warehouse_url_from_env,
)
from soundcharts_assets.soundcharts import ApiSettings, SoundchartsClient
from soundcharts_assets.warehouse import Warehouse


class SoundchartsResource(dg.ConfigurableResource):
    """The Soundcharts API (or the emulator): credentials and base URL come from SOUNDCHARTS_* variables."""

    max_in_flight: int | None = Field(default=None, description="Overrides SOUNDCHARTS_MAX_IN_FLIGHT.")

    @contextmanager
    def open_client(self) -> Iterator[SoundchartsClient]:
        settings = api_settings_from_env()
        if self.max_in_flight:
            from dataclasses import replace

            settings = replace(settings, max_in_flight=self.max_in_flight)
        limiter = shared_limiter_for(settings)
        client = SoundchartsClient(settings, limiter=limiter)
        try:
            if settings.quota_floor > 0:
                # Free: the quota left is known before the first paid call, so a step starting at the floor
                # spends nothing instead of a whole fan-out of requests.
                client.get_team_usage()
            yield client
        finally:
            client.close()
            limiter.close()


def shared_limiter_for(settings: ApiSettings) -> DatabaseRateLimiter:
    """The rate limit every step of every run shares, kept in the warehouse database.

    Steps are separate processes and several charts run at once; a limiter in memory would let each of them
    spend the whole SOUNDCHARTS_RATE_LIMIT_PER_MINUTE. How many requests are in flight at once is bounded
    by the ``soundcharts_api`` pool (dagster.yaml) times SOUNDCHARTS_MAX_IN_FLIGHT per step.
    """
    url = warehouse_url_from_env()
    _migrated(url)
    return DatabaseRateLimiter(url, rate_per_minute=settings.rate_limit_per_minute)


@functools.cache
def _migrated(url: str) -> None:
    """The bucket's table comes with the migrations; once per process and URL is enough."""
    warehouse = Warehouse(url)
    try:
        warehouse.migrate()
    finally:
        warehouse.dispose()


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse at SOUNDCHARTS_WAREHOUSE_URL (a SQLite file in the data directory by default)."""

    @contextmanager
    def open(self) -> Iterator[Warehouse]:
        warehouse = Warehouse.from_env()
        try:
            warehouse.migrate()
            yield warehouse
        finally:
            warehouse.dispose()


class CascadePolicyResource(dg.ConfigurableResource):
    """Freshness windows: what counts as still fresh and is therefore not fetched again."""

    metadata_freshness_hours: float | None = Field(
        default=None, description="Default 168 (7 days); env SOUNDCHARTS_METADATA_FRESHNESS_HOURS."
    )
    audience_freshness_hours: float | None = Field(
        default=None,
        description=(
            "Default 24; env SOUNDCHARTS_AUDIENCE_FRESHNESS_HOURS. Spotify series' minimum refresh interval; "
            "the other sources' twice it (with current stats on, the same)."
        ),
    )
    audience_lookback_days: int | None = Field(
        default=None, description="Days of history on a first fetch; default 90."
    )

    def freshness(self) -> FreshnessSettings:
        """The environment's settings (refresh intervals, current-stats mode included) with this resource's
        fields laid over them: a field left unset keeps the environment's value."""
        overrides = {
            "metadata_hours": self.metadata_freshness_hours,
            "audience_hours": self.audience_freshness_hours,
            "audience_lookback_days": self.audience_lookback_days,
        }
        return freshness_from_env().model_copy(update={k: v for k, v in overrides.items() if v is not None})

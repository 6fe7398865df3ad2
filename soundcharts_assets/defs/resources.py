"""Resources: the Soundcharts client and the warehouse, built from the environment.

Secrets are read from environment variables when a run starts (``settings.py``), never from resource config,
so they cannot appear in run config, the UI's launchpad or the event log.
"""


from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from pydantic import Field

from soundcharts_assets.settings import FreshnessSettings, api_settings_from_env, freshness_from_env
from soundcharts_assets.soundcharts import SoundchartsClient
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
        client = SoundchartsClient(settings, limiter=shared_limiter_for(settings))
        try:
            yield client
        finally:
            client.close()


def shared_limiter_for(settings):  # replaced by the cross-process limiter (issue 5)
    return None


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
        default=None, description="Default 24; env SOUNDCHARTS_AUDIENCE_FRESHNESS_HOURS."
    )
    audience_lookback_days: int | None = Field(
        default=None, description="Days of history on a first fetch; default 90."
    )

    def freshness(self) -> FreshnessSettings:
        base = freshness_from_env()
        return FreshnessSettings(
            metadata_hours=self.metadata_freshness_hours or base.metadata_hours,
            audience_hours=self.audience_freshness_hours or base.audience_hours,
            audience_lookback_days=self.audience_lookback_days or base.audience_lookback_days,
        )

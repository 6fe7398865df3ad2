"""The chart cascade as assets partitioned by chart.

Each body opens the client and the warehouse, calls one function of ``cascade.py`` and describes what
happened. Downstream assets follow the ranking through declarative automation (``eager``), so whoever
materializes a ranking (the sensor, a schedule, a person in the UI) gets the whole cascade.
"""


from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

import dagster as dg
from pydantic import Field

from soundcharts_assets import cascade, estimate
from soundcharts_assets.charts import InvalidChartSlugError, validate_chart_slug
from soundcharts_assets.defs import checks
from soundcharts_assets.defs.metadata import PREVIEW_ROWS, report_metadata
from soundcharts_assets.defs.partitions import chart_partitions
from soundcharts_assets.defs.resources import CascadePolicyResource, SoundchartsResource, WarehouseResource
from soundcharts_assets.settings import SettingsError
from soundcharts_assets.soundcharts.errors import (
    RateLimitedError,
    ServiceUnavailableError,
    SoundchartsError,
)
from soundcharts_assets.warehouse import WarehouseError, loaders

API_POOL = "soundcharts_api"
OWNERS = ["team:chart-analytics"]
KINDS = {"soundcharts", "python", "sql"}
#: Transient API trouble outlasting the client's own retries gets two more tries a little later.
API_RETRY = dg.RetryPolicy(
    max_retries=2, delay=20, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)
FOLLOW_UPSTREAM = dg.AutomationCondition.eager()


class RankingConfig(dg.Config):
    """Which chart edition to fetch; the latest when empty."""

    ranking_date: str | None = Field(
        default=None, description="An edition date, YYYY-MM-DD (or an ISO datetime); latest when empty."
    )

    def parsed_date(self) -> datetime | None:
        if not self.ranking_date:
            return None
        try:
            value = datetime.fromisoformat(self.ranking_date.replace("Z", "+00:00"))
        except ValueError:
            raise dg.Failure(
                description=f"ranking_date {self.ranking_date!r} is not a date: use YYYY-MM-DD",
                allow_retries=False,
            ) from None
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def chart_slug(context: dg.AssetExecutionContext) -> str:
    try:
        return validate_chart_slug(context.partition_key)
    except InvalidChartSlugError as error:
        raise dg.Failure(description=str(error), allow_retries=False) from None


@contextmanager
def failures_for_users() -> Iterator[None]:
    """Turn our own errors into one-line Dagster failures; only transient API trouble is worth a retry."""
    try:
        yield
    except (SoundchartsError, WarehouseError, SettingsError) as error:
        transient = isinstance(error, (ServiceUnavailableError, RateLimitedError))
        raise dg.Failure(description=str(error), allow_retries=transient) from None


def _api_asset(**kwargs):
    return dg.asset(
        partitions_def=chart_partitions,
        owners=OWNERS,
        kinds=KINDS,
        pool=API_POOL,
        op_tags={"dagster-celery/queue": API_POOL},  # Celery deployments give API calls workers of their own
        retry_policy=API_RETRY,
        **kwargs,
    )


@_api_asset(group_name="charts", check_specs=[checks.POSITIONS])
def chart_rankings(
    context: dg.AssetExecutionContext,
    config: RankingConfig,
    soundcharts: SoundchartsResource,
    warehouse: WarehouseResource,
) -> dg.MaterializeResult:
    """A chart edition: position, previous position, evolution, time on chart, entry date, metric.

    Fetches the latest edition (or ``ranking_date``) and keeps every edition ever fetched as history.
    """
    slug = chart_slug(context)
    with failures_for_users(), soundcharts.open_client() as client, warehouse.open() as wh:
        report = cascade.refresh_ranking(client, wh, slug, config.parsed_date())
        preview = loaders.load_chart(wh, slug)[["position", "name", "credit_name", "position_evolution"]]
        estimated = {"estimated_calls": estimate.estimated_calls(slug, wh)}  # what the cascade costs now
        check = checks.positions_check(wh, slug)
    return dg.MaterializeResult(metadata={**report_metadata(report, preview), **estimated}, check_results=[check])


@_api_asset(group_name="catalogue", deps=[chart_rankings], automation_condition=FOLLOW_UPSTREAM,
            check_specs=[checks.SONG_METADATA])
def tracks(
    context: dg.AssetExecutionContext,
    soundcharts: SoundchartsResource,
    warehouse: WarehouseResource,
    policy: CascadePolicyResource,
) -> dg.MaterializeResult:
    """Metadata of every ranked song (ISRC, release date, duration, genres, labels, credited artists).

    Songs are shared by charts and stored once; only missing or stale ones are fetched, 10 per call.
    """
    slug = chart_slug(context)
    with failures_for_users(), soundcharts.open_client() as client, warehouse.open() as wh:
        report = cascade.refresh_tracks(client, wh, slug, policy.freshness())
        preview = loaders.load_tracks(wh, slug)[["name", "credit_name", "isrc", "release_date"]]
        check = checks.song_metadata_check(wh, slug)
    return dg.MaterializeResult(metadata=report_metadata(report, preview), check_results=[check])


@dg.asset(
    partitions_def=chart_partitions,
    owners=OWNERS,
    kinds={"python", "sql"},
    group_name="catalogue",
    deps=[tracks],
    automation_condition=FOLLOW_UPSTREAM,
)
def artists(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """The artists credited on the chart's tracks, linked to their tracks. No API calls."""
    slug = chart_slug(context)
    with failures_for_users(), warehouse.open() as wh:
        report = cascade.link_artists(wh, slug)
        preview = loaders.load_artists(wh, slug)[["name", "slug"]]
    return dg.MaterializeResult(metadata=report_metadata(report, preview))


@_api_asset(group_name="catalogue", deps=[artists], automation_condition=FOLLOW_UPSTREAM,
            check_specs=[checks.ARTIST_METADATA])
def artist_metadata(
    context: dg.AssetExecutionContext,
    soundcharts: SoundchartsResource,
    warehouse: WarehouseResource,
    policy: CascadePolicyResource,
) -> dg.MaterializeResult:
    """Country, genres, type, gender and career stage of the chart's artists (10 per call, fresh ones reused)."""
    slug = chart_slug(context)
    with failures_for_users(), soundcharts.open_client() as client, warehouse.open() as wh:
        report = cascade.refresh_artist_metadata(client, wh, slug, policy.freshness())
        preview = loaders.load_artists(wh, slug)[["name", "country_code", "type", "career_stage"]]
        check = checks.artist_metadata_check(wh, slug)
    return dg.MaterializeResult(metadata=report_metadata(report, preview), check_results=[check])


@_api_asset(group_name="audience", deps=[tracks], automation_condition=FOLLOW_UPSTREAM,
            check_specs=[checks.TRACK_AUDIENCE])
def track_audience(
    context: dg.AssetExecutionContext,
    soundcharts: SoundchartsResource,
    warehouse: WarehouseResource,
    policy: CascadePolicyResource,
) -> dg.MaterializeResult:
    """Daily Spotify streams, YouTube views and Shazam counts, and weekly Airplay spins per radio."""
    slug = chart_slug(context)
    with failures_for_users(), soundcharts.open_client() as client, warehouse.open() as wh:
        report = cascade.refresh_track_audience(client, wh, slug, policy.freshness())
        preview = loaders.load_track_audience(wh, slug, last=PREVIEW_ROWS)
        check = checks.track_audience_check(wh, slug)
    return dg.MaterializeResult(metadata=report_metadata(report, preview), check_results=[check])


@_api_asset(group_name="audience", deps=[artists, artist_metadata], automation_condition=FOLLOW_UPSTREAM,
            check_specs=[checks.ARTIST_AUDIENCE])
def artist_audience(
    context: dg.AssetExecutionContext,
    soundcharts: SoundchartsResource,
    warehouse: WarehouseResource,
    policy: CascadePolicyResource,
) -> dg.MaterializeResult:
    """Followers on Spotify, YouTube, Instagram and TikTok, and Spotify monthly listeners."""
    slug = chart_slug(context)
    with failures_for_users(), soundcharts.open_client() as client, warehouse.open() as wh:
        report = cascade.refresh_artist_audience(client, wh, slug, policy.freshness())
        preview = loaders.load_artist_audience(wh, slug, last=PREVIEW_ROWS)
        check = checks.artist_audience_check(wh, slug)
    return dg.MaterializeResult(metadata=report_metadata(report, preview), check_results=[check])


CASCADE_ASSETS = [chart_rankings, tracks, artists, artist_metadata, track_audience, artist_audience]

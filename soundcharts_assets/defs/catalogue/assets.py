"""Song and artist metadata: shared by every chart, stored once, fetched only when missing or stale."""

import dagster as dg

from soundcharts_assets import cascade
from soundcharts_assets.defs.catalogue.checks import (
    ARTIST_METADATA,
    SONG_METADATA,
    artist_metadata_check,
    song_metadata_check,
)
from soundcharts_assets.defs.charts.assets import chart_rankings
from soundcharts_assets.defs.conventions import (
    FOLLOW_UPSTREAM,
    OWNERS,
    api_asset,
    chart_slug,
    failures_for_users,
)
from soundcharts_assets.defs.metadata import report_metadata
from soundcharts_assets.defs.partitions import chart_partitions
from soundcharts_assets.defs.resources import CascadePolicyResource, SoundchartsResource, WarehouseResource
from soundcharts_assets.warehouse import loaders


@api_asset(
    group_name="catalogue", deps=[chart_rankings], automation_condition=FOLLOW_UPSTREAM, check_specs=[SONG_METADATA]
)
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
        check = song_metadata_check(wh, slug)
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


@api_asset(group_name="catalogue", deps=[artists], automation_condition=FOLLOW_UPSTREAM, check_specs=[ARTIST_METADATA])
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
        check = artist_metadata_check(wh, slug)
    return dg.MaterializeResult(metadata=report_metadata(report, preview), check_results=[check])

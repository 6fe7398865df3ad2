"""Track and artist audience: one series per (entity, source), refreshed only when stale."""

import dagster as dg

from soundcharts_assets import cascade
from soundcharts_assets.defs.audience.checks import (
    ARTIST_AUDIENCE,
    TRACK_AUDIENCE,
    artist_audience_check,
    track_audience_check,
)
from soundcharts_assets.defs.catalogue.assets import artist_metadata, artists, tracks
from soundcharts_assets.defs.conventions import FOLLOW_UPSTREAM, api_asset, chart_slug, failures_for_users
from soundcharts_assets.defs.metadata import PREVIEW_ROWS, report_metadata
from soundcharts_assets.defs.resources import CascadePolicyResource, SoundchartsResource, WarehouseResource
from soundcharts_assets.warehouse import loaders


@api_asset(group_name="audience", deps=[tracks], automation_condition=FOLLOW_UPSTREAM, check_specs=[TRACK_AUDIENCE])
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
        check = track_audience_check(wh, slug)
    return dg.MaterializeResult(metadata=report_metadata(report, preview), check_results=[check])


@api_asset(
    group_name="audience",
    deps=[artists, artist_metadata],
    automation_condition=FOLLOW_UPSTREAM,
    check_specs=[ARTIST_AUDIENCE],
)
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
        check = artist_audience_check(wh, slug)
    return dg.MaterializeResult(metadata=report_metadata(report, preview), check_results=[check])

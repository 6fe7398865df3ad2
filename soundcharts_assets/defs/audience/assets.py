"""Track and artist audience: one series per (entity, source), refreshed only when stale."""

from collections.abc import Iterator

import dagster as dg

from soundcharts_assets import cascade
from soundcharts_assets.cascade.report import progress_to
from soundcharts_assets.defs.audience.checks import (
    ARTIST_AUDIENCE,
    TRACK_AUDIENCE,
    artist_audience_outcome,
    track_audience_outcome,
)
from soundcharts_assets.defs.catalogue.assets import artist_metadata, artists, tracks
from soundcharts_assets.defs.conventions import FOLLOW_UPSTREAM, api_asset, chart_slugs, failures_for_users, lease_owner
from soundcharts_assets.defs.metadata import PREVIEW_ROWS, report_metadata
from soundcharts_assets.defs.publish import ChartOutcome, Event, publish
from soundcharts_assets.defs.resources import CascadePolicyResource, SoundchartsResource, WarehouseResource
from soundcharts_assets.warehouse import loaders


@api_asset(group_name="audience", deps=[tracks], automation_condition=FOLLOW_UPSTREAM, check_specs=[TRACK_AUDIENCE])
def track_audience(
    context: dg.AssetExecutionContext,
    soundcharts: SoundchartsResource,
    warehouse: WarehouseResource,
    policy: CascadePolicyResource,
) -> Iterator[Event]:
    """Daily Spotify streams, YouTube views and Shazam counts, and weekly Airplay spins per radio."""
    slugs = chart_slugs(context)
    with (
        failures_for_users(),
        progress_to(context.log.info),
        soundcharts.open_client() as client,
        warehouse.open() as wh,
    ):
        reports = cascade.refresh_track_audience(client, wh, slugs, policy.freshness(), owner=lease_owner(context))
        outcomes = {
            slug: ChartOutcome(
                report_metadata(report, loaders.load_track_audience(wh, slug, last=PREVIEW_ROWS)),
                track_audience_outcome(wh, slug),
            )
            for slug, report in reports.items()
        }
    yield from publish(context, outcomes, TRACK_AUDIENCE)


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
) -> Iterator[Event]:
    """Followers on Spotify, YouTube, Instagram and TikTok, and Spotify monthly listeners."""
    slugs = chart_slugs(context)
    with (
        failures_for_users(),
        progress_to(context.log.info),
        soundcharts.open_client() as client,
        warehouse.open() as wh,
    ):
        reports = cascade.refresh_artist_audience(client, wh, slugs, policy.freshness(), owner=lease_owner(context))
        outcomes = {
            slug: ChartOutcome(
                report_metadata(report, loaders.load_artist_audience(wh, slug, last=PREVIEW_ROWS)),
                artist_audience_outcome(wh, slug),
            )
            for slug, report in reports.items()
        }
    yield from publish(context, outcomes, ARTIST_AUDIENCE)

"""Track and artist audience: one series per (entity, source), refreshed only when new data can exist.

They need only the uuids of the chart's songs (from the ranking) and artists (linked by ``artists``), not
their metadata, so they depend on those and nothing more: the two largest steps (one call per entity and
source, 96 % of a cold fleet's calls) start while ``tracks`` and ``artist_metadata`` are still fetching.
"""

from collections.abc import Iterator

import dagster as dg

from soundcharts_assets import cascade
from soundcharts_assets.cascade.step_reports import StepReport
from soundcharts_assets.defs.audience.checks import (
    ARTIST_AUDIENCE,
    TRACK_AUDIENCE,
    artist_audience_outcome,
    track_audience_outcome,
)
from soundcharts_assets.defs.conventions import FOLLOW_UPSTREAM, api_asset, lease_owner
from soundcharts_assets.defs.metadata import PREVIEW_ROWS, report_metadata
from soundcharts_assets.defs.publish import ChartOutcome, Event, refresh_charts
from soundcharts_assets.defs.resources import CascadePolicyResource, SoundchartsResource, WarehouseResource
from soundcharts_assets.warehouse import Warehouse, loaders


@api_asset(
    group_name="audience", deps=["chart_rankings"], automation_condition=FOLLOW_UPSTREAM, check_specs=[TRACK_AUDIENCE]
)
def track_audience(
    context: dg.AssetExecutionContext,
    soundcharts: SoundchartsResource,
    warehouse: WarehouseResource,
    policy: CascadePolicyResource,
) -> Iterator[Event]:
    """Daily Spotify streams, YouTube views and Shazam counts, and weekly Airplay spins per radio."""

    def describe(wh: Warehouse, slug: str, report: StepReport) -> ChartOutcome:
        preview = loaders.load_track_audience(wh, slug, last=PREVIEW_ROWS)
        return ChartOutcome(report_metadata(report, preview), track_audience_outcome(wh, slug))

    yield from refresh_charts(
        context,
        soundcharts,
        warehouse,
        lambda client, wh, slugs: cascade.refresh_track_audience(
            client, wh, slugs, policy.freshness(), owner=lease_owner(context)
        ),
        describe,
        TRACK_AUDIENCE,
    )


@api_asset(
    group_name="audience",
    deps=["artists"],
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

    def describe(wh: Warehouse, slug: str, report: StepReport) -> ChartOutcome:
        preview = loaders.load_artist_audience(wh, slug, last=PREVIEW_ROWS)
        return ChartOutcome(report_metadata(report, preview), artist_audience_outcome(wh, slug))

    yield from refresh_charts(
        context,
        soundcharts,
        warehouse,
        lambda client, wh, slugs: cascade.refresh_artist_audience(
            client, wh, slugs, policy.freshness(), owner=lease_owner(context)
        ),
        describe,
        ARTIST_AUDIENCE,
    )

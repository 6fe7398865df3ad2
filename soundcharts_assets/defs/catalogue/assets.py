"""Song and artist metadata: shared by every chart, stored once, fetched only when missing or due."""

from collections.abc import Iterator

import dagster as dg

from soundcharts_assets import cascade
from soundcharts_assets.cascade.step_reports import StepReport
from soundcharts_assets.defs.catalogue.checks import (
    ARTIST_METADATA,
    SONG_METADATA,
    artist_metadata_outcome,
    song_metadata_outcome,
)
from soundcharts_assets.defs.conventions import (
    FOLLOW_UPSTREAM,
    METADATA_FIRST,
    api_asset,
    chart_asset,
    chart_slugs,
    failures_for_users,
    lease_owner,
)
from soundcharts_assets.defs.metadata import report_metadata
from soundcharts_assets.defs.publish import ChartOutcome, Event, publish, refresh_charts
from soundcharts_assets.defs.resources import CascadePolicyResource, SoundchartsResource, WarehouseResource
from soundcharts_assets.warehouse import Warehouse, loaders


@api_asset(
    group_name="catalogue",
    deps=["chart_rankings"],
    automation_condition=FOLLOW_UPSTREAM,
    check_specs=[SONG_METADATA],
    priority=METADATA_FIRST,
)
def tracks(
    context: dg.AssetExecutionContext,
    soundcharts: SoundchartsResource,
    warehouse: WarehouseResource,
    policy: CascadePolicyResource,
) -> Iterator[Event]:
    """Metadata of every ranked song (ISRC, release date, duration, genres, labels, credited artists).

    Songs are shared by charts and stored once; only missing or due ones are fetched, 10 per call.
    """

    def describe(wh: Warehouse, slug: str, report: StepReport) -> ChartOutcome:
        preview = loaders.load_tracks(wh, slug)[["name", "credit_name", "isrc", "release_date"]]
        return ChartOutcome(report_metadata(report, preview), song_metadata_outcome(wh, slug))

    yield from refresh_charts(
        context,
        soundcharts,
        warehouse,
        lambda client, wh, slugs: cascade.refresh_tracks(
            client, wh, slugs, policy.freshness(), owner=lease_owner(context)
        ),
        describe,
        SONG_METADATA,
    )


@chart_asset(kinds={"python", "sql"}, group_name="catalogue", deps=[tracks], automation_condition=FOLLOW_UPSTREAM)
def artists(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> Iterator[Event]:
    """The artists credited on the chart's tracks, linked to their tracks. No API calls."""
    slugs = chart_slugs(context)
    with failures_for_users(), warehouse.open() as wh:
        reports = cascade.link_artists(wh, slugs)
        outcomes = {
            slug: ChartOutcome(report_metadata(report, loaders.load_artists(wh, slug)[["name", "slug"]]))
            for slug, report in reports.items()
        }
    yield from publish(context, outcomes)


@api_asset(
    group_name="catalogue",
    deps=[artists],
    automation_condition=FOLLOW_UPSTREAM,
    check_specs=[ARTIST_METADATA],
    priority=METADATA_FIRST,
)
def artist_metadata(
    context: dg.AssetExecutionContext,
    soundcharts: SoundchartsResource,
    warehouse: WarehouseResource,
    policy: CascadePolicyResource,
) -> Iterator[Event]:
    """Country, genres, type, gender and career stage of the chart's artists (10 per call, fresh ones reused)."""

    def describe(wh: Warehouse, slug: str, report: StepReport) -> ChartOutcome:
        preview = loaders.load_artists(wh, slug)[["name", "country_code", "type", "career_stage"]]
        return ChartOutcome(report_metadata(report, preview), artist_metadata_outcome(wh, slug))

    yield from refresh_charts(
        context,
        soundcharts,
        warehouse,
        lambda client, wh, slugs: cascade.refresh_artist_metadata(
            client, wh, slugs, policy.freshness(), owner=lease_owner(context)
        ),
        describe,
        ARTIST_METADATA,
    )

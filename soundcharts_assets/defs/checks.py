"""Partitioned asset checks: each reads the warehouse and applies a rule from ``quality.py``."""


import warnings

import dagster as dg

from soundcharts_assets.cascade import ARTIST_AUDIENCE_SOURCES, TRACK_AUDIENCE_SOURCES
from soundcharts_assets.defs.assets import (
    artist_audience,
    artist_metadata,
    chart_rankings,
    chart_slug,
    track_audience,
    tracks,
)
from soundcharts_assets.defs.partitions import chart_partitions
from soundcharts_assets.defs.resources import WarehouseResource
from soundcharts_assets.quality import (
    QualityOutcome,
    audience_coverage_outcome,
    metadata_coverage_outcome,
    ranking_positions_outcome,
)

# Partitioned asset checks are "preview" in Dagster 1.13; we use them knowingly (one check per chart partition).
warnings.filterwarnings("ignore", message="Specifying a partitions_def on an AssetCheckSpec")

#: Checks run right after their asset, whether a person, a schedule or automation materialized it.
AFTER_ASSET = dg.AutomationCondition.eager()


def to_check_result(outcome: QualityOutcome) -> dg.AssetCheckResult:
    severity = dg.AssetCheckSeverity.WARN if outcome.severity == "warn" else dg.AssetCheckSeverity.ERROR
    return dg.AssetCheckResult(
        passed=outcome.passed,
        severity=severity,
        description=outcome.summary,
        metadata={key: value for key, value in outcome.details.items()},
    )


def _check(asset, name: str, description: str):
    return dg.asset_check(
        asset=asset,
        name=name,
        description=description,
        partitions_def=chart_partitions,
        automation_condition=AFTER_ASSET,
    )


@_check(chart_rankings, "positions_unique_and_contiguous", "Positions of the latest edition are 1..n, once each.")
def positions_unique_and_contiguous(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    slug = chart_slug(context)
    with warehouse.open() as wh:
        return to_check_result(ranking_positions_outcome(wh.ranking_positions(slug)))


@_check(tracks, "every_ranked_song_has_metadata", "Every song of the latest edition has track metadata.")
def every_ranked_song_has_metadata(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    slug = chart_slug(context)
    with warehouse.open() as wh:
        total = len(wh.ranking_song_uuids(slug))
        outcome = metadata_coverage_outcome(
            "ranked songs", total, wh.songs_without_metadata(slug), wh.songs_not_found(slug)
        )
    return to_check_result(outcome)


@_check(artist_metadata, "every_linked_artist_has_metadata", "Every artist credited on the chart has metadata.")
def every_linked_artist_has_metadata(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    slug = chart_slug(context)
    with warehouse.open() as wh:
        total = len(wh.chart_artist_uuids(slug))
        outcome = metadata_coverage_outcome(
            "linked artists", total, wh.artists_without_metadata(slug), wh.artists_not_found(slug)
        )
    return to_check_result(outcome)


@_check(track_audience, "track_audience_coverage", "Every track has an answer per platform (warns on no account).")
def track_audience_coverage(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    slug = chart_slug(context)
    with warehouse.open() as wh:
        coverage = wh.audience_coverage("song", wh.ranking_song_uuids(slug), TRACK_AUDIENCE_SOURCES)
    return to_check_result(audience_coverage_outcome(coverage))


@_check(artist_audience, "artist_audience_coverage", "Every artist has an answer per platform (warns on no account).")
def artist_audience_coverage(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    slug = chart_slug(context)
    with warehouse.open() as wh:
        coverage = wh.audience_coverage("artist", wh.chart_artist_uuids(slug), ARTIST_AUDIENCE_SOURCES)
    return to_check_result(audience_coverage_outcome(coverage))


CASCADE_CHECKS = [
    positions_unique_and_contiguous,
    every_ranked_song_has_metadata,
    every_linked_artist_has_metadata,
    track_audience_coverage,
    artist_audience_coverage,
]

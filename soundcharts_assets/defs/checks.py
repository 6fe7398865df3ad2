"""The cascade's data-quality checks, evaluated inside their asset's step: a spec and a function per check.

Each rule lives in ``quality.py``; here a check reads what it needs from the warehouse and turns the
outcome into an ``AssetCheckResult``. The asset declares the specs (``check_specs``) and returns the
results with its materialization, so a check costs a few queries in a process that is already running,
not a step of its own: five fewer processes per cascade, and no check step left waiting at the end of the
run after ``artist_audience`` (docs/benchmarks.md). A checks-only run is not possible this way; the checks
are cheap and always run with the data they judge.
"""


import warnings

import dagster as dg

from soundcharts_assets.vocabulary import ARTIST_AUDIENCE_SOURCES, TRACK_AUDIENCE_SOURCES
from soundcharts_assets.defs.partitions import chart_partitions
from soundcharts_assets.quality import (
    QualityOutcome,
    audience_coverage_outcome,
    metadata_coverage_outcome,
    ranking_positions_outcome,
)
from soundcharts_assets.warehouse import Warehouse

# Partitioned asset checks are "preview" in Dagster 1.13; we use them knowingly (one result per chart).
warnings.filterwarnings("ignore", message="Specifying a partitions_def on an AssetCheckSpec")


def _spec(asset: str, name: str, description: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(name, asset=asset, description=description, partitions_def=chart_partitions)


POSITIONS = _spec("chart_rankings", "positions_unique_and_contiguous",
                  "Positions of the latest edition are 1..n, once each.")
SONG_METADATA = _spec("tracks", "every_ranked_song_has_metadata",
                      "Every song of the latest edition has track metadata.")
ARTIST_METADATA = _spec("artist_metadata", "every_linked_artist_has_metadata",
                        "Every artist credited on the chart has metadata.")
TRACK_AUDIENCE = _spec("track_audience", "track_audience_coverage",
                       "Every track has an answer per platform (warns on no account).")
ARTIST_AUDIENCE = _spec("artist_audience", "artist_audience_coverage",
                        "Every artist has an answer per platform (warns on no account).")


def _result(spec: dg.AssetCheckSpec, outcome: QualityOutcome) -> dg.AssetCheckResult:
    severity = dg.AssetCheckSeverity.WARN if outcome.severity == "warn" else dg.AssetCheckSeverity.ERROR
    return dg.AssetCheckResult(
        asset_key=spec.asset_key,
        check_name=spec.name,
        passed=outcome.passed,
        severity=severity,
        description=outcome.summary,
        metadata=dict(outcome.details),
    )


def positions_check(wh: Warehouse, slug: str) -> dg.AssetCheckResult:
    return _result(POSITIONS, ranking_positions_outcome(wh.ranking_positions(slug)))


def song_metadata_check(wh: Warehouse, slug: str) -> dg.AssetCheckResult:
    total = len(wh.ranking_song_uuids(slug))
    outcome = metadata_coverage_outcome("ranked songs", total, wh.songs_without_metadata(slug),
                                        wh.songs_not_found(slug))
    return _result(SONG_METADATA, outcome)


def artist_metadata_check(wh: Warehouse, slug: str) -> dg.AssetCheckResult:
    total = len(wh.chart_artist_uuids(slug))
    outcome = metadata_coverage_outcome("linked artists", total, wh.artists_without_metadata(slug),
                                        wh.artists_not_found(slug))
    return _result(ARTIST_METADATA, outcome)


def track_audience_check(wh: Warehouse, slug: str) -> dg.AssetCheckResult:
    coverage = wh.audience_coverage("song", wh.ranking_song_uuids(slug), TRACK_AUDIENCE_SOURCES)
    return _result(TRACK_AUDIENCE, audience_coverage_outcome(coverage))


def artist_audience_check(wh: Warehouse, slug: str) -> dg.AssetCheckResult:
    coverage = wh.audience_coverage("artist", wh.chart_artist_uuids(slug), ARTIST_AUDIENCE_SOURCES)
    return _result(ARTIST_AUDIENCE, audience_coverage_outcome(coverage))

"""Checks on audience coverage: every track and artist has an answer per source (no account only warns)."""

from soundcharts_assets.defs.checks import check_spec
from soundcharts_assets.defs.quality import QualityOutcome, audience_coverage_outcome
from soundcharts_assets.sources import source_names
from soundcharts_assets.vocabulary import EntityKind
from soundcharts_assets.warehouse import Warehouse

TRACK_AUDIENCE = check_spec(
    "track_audience", "track_audience_coverage", "Every track has an answer per platform (warns on no account)."
)
ARTIST_AUDIENCE = check_spec(
    "artist_audience", "artist_audience_coverage", "Every artist has an answer per platform (warns on no account)."
)


def track_audience_outcome(wh: Warehouse, slug: str) -> QualityOutcome:
    coverage = wh.audience_coverage(EntityKind.SONG, wh.ranking_song_uuids(slug), source_names(EntityKind.SONG))
    return audience_coverage_outcome(coverage)


def artist_audience_outcome(wh: Warehouse, slug: str) -> QualityOutcome:
    coverage = wh.audience_coverage(EntityKind.ARTIST, wh.chart_artist_uuids(slug), source_names(EntityKind.ARTIST))
    return audience_coverage_outcome(coverage)

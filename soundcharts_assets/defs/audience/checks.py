"""Checks on audience coverage: every track and artist has an answer per source (no account only warns)."""

from __future__ import annotations

from collections.abc import Mapping

from soundcharts_assets.defs.checks import QualityOutcome, check_spec
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


def audience_coverage_outcome(coverage: Mapping[str, Mapping[str, int]]) -> QualityOutcome:
    """Every entity has an answer per platform; 'no account' and 'not in plan' answers only warn."""
    never_fetched = sum(counts.get("missing", 0) for counts in coverage.values())
    explained = sum(counts.get("not_found", 0) + counts.get("not_in_plan", 0) for counts in coverage.values())
    details: dict[str, int | str] = {
        f"{platform}_{status}": count
        for platform, counts in sorted(coverage.items())
        for status, count in sorted(counts.items())
    }
    if never_fetched:
        return QualityOutcome(False, "error", f"{never_fetched} entity/platform pairs were never fetched", details)
    if explained:
        return QualityOutcome(
            False, "warn", f"{explained} entity/platform pairs have no data (no account or not in plan)", details
        )
    return QualityOutcome(True, "error", "every entity has audience data on every platform", details)

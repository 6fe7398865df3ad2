"""Checks on song and artist metadata: every ranked song and credited artist has it (404s only warn)."""

from __future__ import annotations

from collections.abc import Sequence

from soundcharts_assets.defs.checks import QualityOutcome, check_spec
from soundcharts_assets.warehouse import Warehouse

SONG_METADATA = check_spec(
    "tracks", "every_ranked_song_has_metadata", "Every song of the latest edition has track metadata."
)
ARTIST_METADATA = check_spec(
    "artist_metadata", "every_linked_artist_has_metadata", "Every artist credited on the chart has metadata."
)


def song_metadata_outcome(wh: Warehouse, slug: str) -> QualityOutcome:
    total = len(wh.ranking_song_uuids(slug))
    return metadata_coverage_outcome("ranked songs", total, wh.songs_without_metadata(slug), wh.songs_not_found(slug))


def artist_metadata_outcome(wh: Warehouse, slug: str) -> QualityOutcome:
    total = len(wh.chart_artist_uuids(slug))
    return metadata_coverage_outcome(
        "linked artists", total, wh.artists_without_metadata(slug), wh.artists_not_found(slug)
    )


def metadata_coverage_outcome(
    what: str, total: int, without: Sequence[str], not_found: Sequence[str]
) -> QualityOutcome:
    """Every ranked song (linked artist) has metadata; those the API says do not exist are a warning only."""
    unexplained = [uuid for uuid in without if uuid not in set(not_found)]
    if unexplained:
        return QualityOutcome(
            False,
            "error",
            f"{len(unexplained)} of {total} {what} have no metadata",
            {
                "total": total,
                "missing": len(unexplained),
                "not_found": len(not_found),
                "first_missing": ", ".join(unexplained[:5]),
            },
        )
    if not_found:
        return QualityOutcome(
            False,
            "warn",
            f"{len(not_found)} of {total} {what} are unknown to the API (404)",
            {"total": total, "missing": 0, "not_found": len(not_found)},
        )
    return QualityOutcome(True, "error", f"all {total} {what} have metadata", {"total": total, "missing": 0})

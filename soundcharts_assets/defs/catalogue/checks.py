"""Checks on song and artist metadata: every ranked song and credited artist has it (404s only warn)."""

from soundcharts_assets.defs.checks import check_spec
from soundcharts_assets.defs.quality import QualityOutcome, metadata_coverage_outcome
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

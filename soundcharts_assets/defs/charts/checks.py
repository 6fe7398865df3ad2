"""Checks on chart rankings."""

from soundcharts_assets.defs.checks import check_spec
from soundcharts_assets.defs.quality import QualityOutcome, ranking_positions_outcome
from soundcharts_assets.warehouse import Warehouse

POSITIONS = check_spec(
    "chart_rankings", "positions_unique_and_contiguous", "Positions of the latest edition are 1..n, once each."
)


def positions_outcome(wh: Warehouse, slug: str) -> QualityOutcome:
    return ranking_positions_outcome(wh.ranking_positions(slug))

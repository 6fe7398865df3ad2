"""Checks on chart rankings."""

import dagster as dg

from soundcharts_assets.defs.checks import check_result, check_spec
from soundcharts_assets.defs.quality import ranking_positions_outcome
from soundcharts_assets.warehouse import Warehouse

POSITIONS = check_spec(
    "chart_rankings", "positions_unique_and_contiguous", "Positions of the latest edition are 1..n, once each."
)


def positions_check(wh: Warehouse, slug: str) -> dg.AssetCheckResult:
    return check_result(POSITIONS, ranking_positions_outcome(wh.ranking_positions(slug)))

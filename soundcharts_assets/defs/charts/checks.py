"""Checks on chart rankings: the positions of an edition are 1..n, once each."""

from __future__ import annotations

from collections.abc import Sequence

from soundcharts_assets.defs.checks import QualityOutcome, check_spec
from soundcharts_assets.warehouse import Warehouse

POSITIONS = check_spec(
    "chart_rankings", "positions_unique_and_contiguous", "Positions of the latest edition are 1..n, once each."
)


def positions_outcome(wh: Warehouse, slug: str) -> QualityOutcome:
    return ranking_positions_outcome(wh.ranking_positions(slug))


def ranking_positions_outcome(positions: Sequence[int]) -> QualityOutcome:
    """Positions of one edition must be unique and run 1..n without holes."""
    if not positions:
        return QualityOutcome(False, "error", "no ranking stored for this chart")
    duplicates = len(positions) - len(set(positions))
    expected = set(range(1, len(set(positions)) + 1))
    holes = sorted(expected - set(positions))
    passed = duplicates == 0 and not holes
    summary = (
        f"{len(positions)} positions, 1..{len(positions)} without gaps"
        if passed
        else f"{duplicates} duplicate positions, missing positions {holes[:10]}"
    )
    return QualityOutcome(
        passed, "error", summary, {"positions": len(positions), "duplicates": duplicates, "holes": len(holes)}
    )

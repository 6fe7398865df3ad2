"""Data-quality rules for a chart partition, as pure functions over what the warehouse returns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class QualityOutcome:
    passed: bool
    #: "error" fails the check hard; "warn" flags gaps the API explains (no account, not in plan, 404).
    severity: str
    summary: str
    details: Mapping[str, int | str] = field(default_factory=dict)


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

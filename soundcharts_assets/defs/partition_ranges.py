"""Many charts, few runs: a set of chart partitions as contiguous ranges of the `charts` partitions.

A Dagster run covers one contiguous range of partition keys (run tags ``dagster/asset_partition_range_start``
and ``..._end``), and dynamic partitions are ordered by when they were added. Charts registered together are
therefore one range, and any set of charts is as few ranges as its gaps require. The sensor, the schedules
and the CLI all launch their fleets through :func:`range_blocks` and :func:`run_tags`. Import-light: the CLI
uses it without loading the code location.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
PARTITION_TAG = "dagster/partition"
MAX_CHARTS_PER_RUN = 100
"""A run refreshes at most this many charts: one step's memory and a failure's blast radius stay bounded."""


def range_blocks(ordered: Sequence[str], wanted: Iterable[str], max_size: int = MAX_CHARTS_PER_RUN) -> list[list[str]]:
    """``wanted`` as runs of consecutive keys of ``ordered`` (the partitions in their Dagster order).

    Keys not in ``ordered`` are left out (a chart no longer registered has no partition to run).
    """
    chosen = set(wanted)
    blocks: list[list[str]] = []
    current: list[str] = []
    for key in ordered:
        if key in chosen and len(current) < max_size:
            current.append(key)
            continue
        if current:
            blocks.append(current)
        current = [key] if key in chosen else []
    if current:
        blocks.append(current)
    return blocks


def run_tags(block: Sequence[str]) -> dict[str, str]:
    """The tags that make a run cover ``block``: one partition, or a range."""
    if len(block) == 1:
        return {PARTITION_TAG: block[0]}
    return {RANGE_START_TAG: block[0], RANGE_END_TAG: block[-1]}

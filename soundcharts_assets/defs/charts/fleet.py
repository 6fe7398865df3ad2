"""Run requests for a fleet: the sensor and the schedules refresh many charts in a few runs, not one each."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import dagster as dg

from soundcharts_assets.defs.partition_ranges import range_blocks, run_tags


def fleet_run_requests(
    ordered: Sequence[str],
    wanted: Sequence[str],
    run_key: Callable[[list[str]], str],
    tags: dict[str, str],
    run_config: Callable[[list[str]], dict[str, Any]] | None = None,
) -> list[dg.RunRequest]:
    """One run request per contiguous block of ``wanted`` in the partitions' order ``ordered``."""
    requests = []
    for block in range_blocks(ordered, wanted):
        config = run_config(block) if run_config else {}
        if len(block) == 1:
            requests.append(dg.RunRequest(run_key=run_key(block), partition_key=block[0], run_config=config, tags=tags))
        else:
            requests.append(dg.RunRequest(run_key=run_key(block), run_config=config, tags={**tags, **run_tags(block)}))
    return requests


def block_key(block: list[str], suffix: str) -> str:
    """A run key naming a block: ``slug:suffix`` for one chart, ``first..last(n):suffix`` for several."""
    name = block[0] if len(block) == 1 else f"{block[0]}..{block[-1]}({len(block)})"
    return f"{name}:{suffix}"

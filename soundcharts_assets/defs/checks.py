"""How the cascade's data-quality checks are declared and reported; each group's ``checks.py`` has its rules.

A group's check reads what it needs from the warehouse and returns its rule's :class:`QualityOutcome` for one
chart. The asset declares the specs (``check_specs``) and reports one outcome per chart partition with its
materialization (``publish.py``), so a check costs a few queries in a process that is already running, not a
step of its own: five fewer processes per cascade, and no check step left waiting at the end of the run after
``artist_audience`` (docs/benchmarks.md). A checks-only run is not possible this way; the checks are cheap and
always run with the data they judge.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import dagster as dg

from soundcharts_assets.defs.partitions import chart_partitions

# Partitioned asset checks are "preview" in Dagster 1.13; we use them knowingly (one result per chart).
warnings.filterwarnings("ignore", message="Specifying a partitions_def on an AssetCheckSpec")


@dataclass(frozen=True)
class QualityOutcome:
    passed: bool
    #: "error" fails the check hard; "warn" flags gaps the API explains (no account, not in plan, 404).
    severity: str
    summary: str
    details: Mapping[str, int | str] = field(default_factory=dict)


def check_spec(asset: str, name: str, description: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(name, asset=asset, description=description, partitions_def=chart_partitions)

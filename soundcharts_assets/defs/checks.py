"""How the cascade's data-quality checks are declared and reported; each group's ``checks.py`` has its own.

Each rule lives in ``quality.py``; a group's check reads what it needs from the warehouse and turns the
outcome into an ``AssetCheckResult``. The asset declares the specs (``check_specs``) and returns the
results with its materialization, so a check costs a few queries in a process that is already running,
not a step of its own: five fewer processes per cascade, and no check step left waiting at the end of the
run after ``artist_audience`` (docs/benchmarks.md). A checks-only run is not possible this way; the checks
are cheap and always run with the data they judge.
"""

import warnings

import dagster as dg

from soundcharts_assets.defs.partitions import chart_partitions
from soundcharts_assets.defs.quality import QualityOutcome

# Partitioned asset checks are "preview" in Dagster 1.13; we use them knowingly (one result per chart).
warnings.filterwarnings("ignore", message="Specifying a partitions_def on an AssetCheckSpec")


def check_spec(asset: str, name: str, description: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(name, asset=asset, description=description, partitions_def=chart_partitions)


def check_result(spec: dg.AssetCheckSpec, outcome: QualityOutcome) -> dg.AssetCheckResult:
    severity = dg.AssetCheckSeverity.WARN if outcome.severity == "warn" else dg.AssetCheckSeverity.ERROR
    return dg.AssetCheckResult(
        asset_key=spec.asset_key,
        check_name=spec.name,
        passed=outcome.passed,
        severity=severity,
        description=outcome.summary,
        metadata=dict(outcome.details),
    )

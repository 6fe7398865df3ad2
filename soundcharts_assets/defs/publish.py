"""One step, many chart partitions: each partition gets its own materialization, metadata and check result.

A fleet refresh runs each asset once over a range of chart partitions (``BackfillPolicy.single_run``): the
step fetches the union of its charts' entities once, and this module tells every partition what happened to
its own chart. Dagster 1.13 attaches metadata per partition with ``add_asset_metadata(partition_key=...)``,
but an ``AssetCheckResult`` in a range run loses its partition, so checks are reported as one
``AssetCheckEvaluation`` per partition (internal API, pinned by the tests in
``tests/integration/defs/charts/test_fleet.py``), each pointing at that partition's materialization.

A chart that failed on its own (an unknown slug, a chart outside the plan) does not hide the others: they
are materialized one by one, then the step fails naming the failed charts, so nothing stored is lost and the
failure is visible.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

import dagster as dg
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluation,
    AssetCheckEvaluationTargetMaterializationData,
)

from soundcharts_assets.cascade.pool import run_concurrently
from soundcharts_assets.cascade.step_reports import StepReport, progress_to
from soundcharts_assets.defs.checks import QualityOutcome
from soundcharts_assets.defs.conventions import chart_slugs, failures_for_users
from soundcharts_assets.defs.names import FAILED_CHARTS_METADATA
from soundcharts_assets.defs.resources import SoundchartsResource, WarehouseResource
from soundcharts_assets.soundcharts.client import SoundchartsClient
from soundcharts_assets.warehouse import Warehouse

T = TypeVar("T")

SERVER_DESCRIBE_WORKERS = 4
"""Charts an API step describes at once when its warehouse is a server (:func:`describe_workers`)."""


@dataclass(frozen=True)
class ChartOutcome:
    """What one chart partition shows: its metadata, its check outcome, or why it failed."""

    metadata: Mapping[str, Any]
    check: QualityOutcome | None = None
    error: str | None = None


Event = dg.MaterializeResult | dg.AssetMaterialization | AssetCheckEvaluation | dg.Output[None]
Refresh = Callable[[SoundchartsClient, Warehouse, list[str]], Mapping[str, StepReport]]
Describe = Callable[[Warehouse, str, StepReport], ChartOutcome]


def refresh_charts(
    context: dg.AssetExecutionContext,
    soundcharts: SoundchartsResource,
    warehouse: WarehouseResource,
    refresh: Refresh,
    describe: Describe,
    spec: dg.AssetCheckSpec | None = None,
) -> Iterator[Event]:
    """The body every API-calling chart asset shares: run the cascade ``refresh`` over the step's chart
    partitions, ``describe`` each chart (metadata, preview, check outcome), and publish them per partition."""
    slugs = chart_slugs(context)
    with (
        failures_for_users(),
        progress_to(context.log.info),
        soundcharts.open_client() as client,
        warehouse.open() as wh,
    ):
        reports = refresh(client, wh, slugs)
        outcomes = describe_charts(
            list(reports), lambda slug: describe(wh, slug, reports[slug]), workers=describe_workers(wh)
        )
    yield from publish(context, outcomes, spec)


def describe_workers(wh: Warehouse) -> int:
    """Threads for an API step's describes (a preview, a check, the cost estimate: warehouse reads).

    On PostgreSQL a read waits on the server, and four threads described 100 charts in 7.6 s instead of 11.0 s.
    SQLite runs in this process: each read is this process's CPU, and threads only fight over the GIL (and the
    cores, with sqlite3 dropping it at every row): one chart after another took 6.2 s, four threads 14.3 s
    (issue 22, docs/benchmarks.md).
    """
    return 1 if wh.dialect == "sqlite" else SERVER_DESCRIBE_WORKERS


def made_once(make: Callable[[Warehouse], T]) -> Callable[[Warehouse], T]:
    """``make(wh)``, made by the first describe that asks for it and shared by the step's other describes: what
    a fleet's charts share is read once. On PostgreSQL's describe threads the others wait for that read (a
    lock) instead of each making their own. Its error too is made once and raised in every describe that asks,
    from where it was raised: a warehouse that is gone (or a bug) fails the charts once instead of being read
    again for each.

    The first describe makes it, not the step: an insight step's fleet read then runs on the describe pool's
    nicer thread (``describe_charts``' ``niceness``), not at the step's priority while the audience steps may
    still be calling the API.
    """
    lock = threading.Lock()
    made: dict[int, T] = {}
    failed: dict[int, tuple[Exception, TracebackType | None]] = {}

    def get(wh: Warehouse) -> T:
        key = id(wh)
        with lock:
            if key not in made and key not in failed:
                try:
                    made[key] = make(wh)
                except Exception as error:  # re-raised below, in every describe that asks
                    failed[key] = (error, error.__traceback__)
        if key in failed:
            first, origin = failed[key]
            raise first.with_traceback(origin)
        return made[key]

    return get


def describe_charts(
    slugs: Sequence[str], describe: Callable[[str], ChartOutcome], niceness: int = 0, workers: int = 1
) -> dict[str, ChartOutcome]:
    """``describe`` each chart on ``workers`` threads, the outcomes in ``slugs``' order.

    A describe only reads the warehouse (thread-safe), never the Dagster context. More than one thread pays only
    where a describe waits on a database server (:func:`describe_workers`): insight's describes are pandas and
    matplotlib, which four threads made slower on SQLite and PostgreSQL alike (100 charts' movers: 15 s on
    one thread, 20 s on four). ``niceness`` > 0 runs the describes that much nicer than the caller
    (:func:`set_thread_priority`), on a thread of their own even when ``workers`` is 1.
    """
    found: dict[str, ChartOutcome] = {}
    priority = thread_priority() + niceness if niceness else None

    def one(slug: str) -> None:
        if priority is not None:
            set_thread_priority(priority)
        found[slug] = describe(slug)

    run_concurrently(slugs, one, workers)
    return {slug: found[slug] for slug in slugs}


def thread_priority() -> int:
    """The calling thread's nice value (0 where threads have none of their own)."""
    if sys.platform != "linux":
        return 0
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def set_thread_priority(nice: int) -> None:
    """Set the calling thread's nice value (Linux: nice is per thread), for work nobody waits on.

    The insight steps are pandas and matplotlib, CPU-bound, and in a fleet run they start while the audience
    steps still spend the rate limit on the same machine. At equal priority they took the CPU those steps
    needed to keep the paid rate busy (100 -> ~80 calls/s for ~40 s of a 50-chart run on 2 cores). Only the
    pool's threads are lowered, never the process: a Celery worker process runs other steps after this one,
    and an unprivileged process cannot raise its priority back. Elsewhere than Linux this does nothing.
    """
    if sys.platform != "linux":
        return
    with suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), min(19, nice))


def publish(
    context: dg.AssetExecutionContext,
    outcomes: Mapping[str, ChartOutcome],
    spec: dg.AssetCheckSpec | None = None,
) -> Iterator[Event]:
    """The events of a step over ``outcomes``' charts, in the order Dagster needs them."""
    failed = {slug: outcome.error for slug, outcome in outcomes.items() if outcome.error}
    if failed:
        yield from _materialize_one_by_one(context, {k: v for k, v in outcomes.items() if k not in failed})
        shown = "; ".join(f"{slug}: {error}" for slug, error in sorted(failed.items()))
        raise dg.Failure(
            description=f"{len(failed)} chart(s) failed: {shown}",
            metadata={FAILED_CHARTS_METADATA: dg.MetadataValue.json(dict(sorted(failed.items())))},
            allow_retries=False,
        )
    for slug, outcome in outcomes.items():
        context.add_asset_metadata(dict(outcome.metadata), partition_key=slug)
    yield dg.MaterializeResult()
    if spec is not None:
        checks = {slug: outcome.check for slug, outcome in outcomes.items() if outcome.check is not None}
        yield from _check_evaluations(context, spec, checks)


def _materialize_one_by_one(
    context: dg.AssetExecutionContext, outcomes: Mapping[str, ChartOutcome]
) -> Iterator[dg.AssetMaterialization]:
    for slug, outcome in outcomes.items():
        yield dg.AssetMaterialization(asset_key=context.asset_key, partition=slug, metadata=dict(outcome.metadata))


def _check_evaluations(
    context: dg.AssetExecutionContext, spec: dg.AssetCheckSpec, checks: Mapping[str, QualityOutcome]
) -> Iterator[AssetCheckEvaluation | dg.Output[None]]:
    """One evaluation per partition, each targeting that partition's materialization (so it shows as current)."""
    targets = _latest_materializations(context, spec.asset_key, list(checks))
    for slug, outcome in checks.items():
        yield AssetCheckEvaluation(
            asset_key=spec.asset_key,
            check_name=spec.name,
            passed=outcome.passed,
            severity=dg.AssetCheckSeverity.WARN if outcome.severity == "warn" else dg.AssetCheckSeverity.ERROR,
            description=outcome.summary,
            metadata=dict(outcome.details),
            partition=slug,
            blocking=spec.blocking,
            target_materialization_data=targets.get(slug),
        )
    # The check's declared output; the evaluations above are what the UI shows.
    yield dg.Output(None, output_name=context.assets_def.get_output_name_for_asset_check_key(spec.key))


def _latest_materializations(
    context: dg.AssetExecutionContext, asset_key: dg.AssetKey, partitions: list[str]
) -> dict[str, AssetCheckEvaluationTargetMaterializationData]:
    """The newest materialization of each partition: the step has just written one per partition, so the
    newest ``len(partitions)`` records are usually all of them (one instance query for a fleet, not one per
    chart); a partition another run materialized twice since is looked up on its own."""
    found: dict[str, AssetCheckEvaluationTargetMaterializationData] = {}
    for wanted in (partitions, *([p] for p in partitions)):
        missing = [partition for partition in wanted if partition not in found]
        if not missing:
            continue
        records = context.instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=asset_key, asset_partitions=missing), limit=len(missing)
        ).records
        for record in records:
            if record.partition_key is not None and record.partition_key not in found:
                found[record.partition_key] = AssetCheckEvaluationTargetMaterializationData(
                    storage_id=record.storage_id, run_id=record.run_id, timestamp=record.timestamp
                )
    return found

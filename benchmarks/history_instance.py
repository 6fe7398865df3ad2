"""A Dagster instance holding N days of a 100-chart fleet: what `status` and the UI read after a year.

Per day: one fleet run over every chart (a partition range, as the daily schedule launches it) that
materializes each chart asset for every chart partition, and one alerts run after it. Events are written
through the instance's own ``report_dagster_event``, stamped with the day's time, so the event log, its asset
index and the run storage look as a year of daily runs leaves them; a run's materializations of one asset go
in one ``store_event_batch``. PostgreSQL storage (``deploy/postgres/dagster.yaml``, database
``<cache name>_instance_<days>d``), home ``<cache>/dagster_home-<days>d``; or the project's SQLite instance
(``dagster.yaml``), home ``<cache>/dagster_home-sqlite-<days>d``; a ``.built`` marker makes each once. The
SQLite instance stores about 33 events/s on this machine (a file per run, an fsync per event): a year of a
100-chart fleet (330,000 events) would take hours to write, so only a few days of it are built.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from benchmarks.history_build import NOW, PG_SERVER

REPO = Path(__file__).resolve().parent.parent
CHART_ASSETS = (
    "chart_rankings",
    "tracks",
    "artists",
    "artist_metadata",
    "track_audience",
    "artist_audience",
    "chart_movers",
    "artist_growth",
    "track_momentum",
)


def instance_home(days: int, cache: Path, store: str = "postgres") -> Path:
    return cache / (f"dagster_home-{days}d" if store == "postgres" else f"dagster_home-{store}-{days}d")


def instance_env(days: int, cache: Path, store: str = "postgres") -> dict[str, str]:
    env = {"DAGSTER_HOME": str(instance_home(days, cache, store))}
    if store == "postgres":
        env["DAGSTER_POSTGRES_URL"] = f"{PG_SERVER}/{_database(days, cache)}"
    return env


def _database(days: int, cache: Path) -> str:
    """``history_instance_<days>d`` for the history benchmark's cache; another cache gets its own database."""
    return f"{cache.name}_instance_{days}d"


def _fresh_database(name: str) -> None:
    import sqlalchemy as sa

    admin = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()


def _run(instance: Any, job: str, tags: dict[str, str], assets: tuple[str, ...], started: float) -> str:
    import dagster as dg
    from dagster._core.storage.dagster_run import DagsterRun, DagsterRunStatus

    run_id = str(uuid.uuid4())
    run = DagsterRun(
        job_name=job,
        run_id=run_id,
        status=DagsterRunStatus.SUCCESS,
        tags=tags,
        asset_selection=frozenset(dg.AssetKey(name) for name in assets),
    )
    instance.add_run(run)
    _event(instance, run_id, job, "PIPELINE_START", None, started)
    return run_id


def _entry(run_id: str, job: str, kind: str, data: Any, at: float, step: str | None = None) -> Any:
    from dagster._core.events import DagsterEvent
    from dagster._core.events.log import EventLogEntry

    event = DagsterEvent(event_type_value=kind, job_name=job, step_key=step, event_specific_data=data)
    return EventLogEntry(
        user_message="", level=20, job_name=job, run_id=run_id, error_info=None, timestamp=at, step_key=step,
        dagster_event=event,
    )  # fmt: skip


def _event(instance: Any, run_id: str, job: str, kind: str, data: Any, at: float) -> None:
    instance.event_log_storage.store_event(_entry(run_id, job, kind, data, at))


def _materialize(instance: Any, run_id: str, job: str, asset: str, slugs: list[str], at: float) -> None:
    """One asset's materializations of every chart partition, in one batch."""
    import dagster as dg
    from dagster._core.events import StepMaterializationData

    entries = [
        _entry(
            run_id,
            job,
            "ASSET_MATERIALIZATION",
            StepMaterializationData(
                dg.AssetMaterialization(dg.AssetKey(asset), partition=slug, metadata={"rows": 100})
            ),
            at + i * 0.01,
            asset,
        )
        for i, slug in enumerate(slugs)
    ]
    instance.event_log_storage.store_event_batch(entries)


def build_instance(
    days: int, cache: Path, slugs: list[str], log: Any = print, store: str = "postgres"
) -> dict[str, Any]:
    """Write ``days`` days of fleet runs into a fresh instance of ``store`` (or find it); returns its counts."""
    from soundcharts_assets.defs.names import ALERTS_ASSET, ALERTS_JOB_NAME, CHARTS_PARTITIONS_NAME
    from soundcharts_assets.defs.partition_ranges import RANGE_END_TAG, RANGE_START_TAG

    home = instance_home(days, cache, store)
    marker = home.with_suffix(".built")
    if marker.exists():
        return dict(json.loads(marker.read_text()))
    shutil.rmtree(home, ignore_errors=True)  # a SQLite instance's half-written run shards
    home.mkdir(parents=True, exist_ok=True)
    config = REPO / "deploy" / "postgres" / "dagster.yaml" if store == "postgres" else REPO / "dagster.yaml"
    (home / "dagster.yaml").write_text(config.read_text())
    os.environ.update(instance_env(days, cache, store))
    if store == "postgres":
        _fresh_database(_database(days, cache))
    import dagster as dg

    started = time.perf_counter()
    runs = events = 0
    with dg.DagsterInstance.get() as instance:
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, slugs)
        for back in range(days - 1, -1, -1):
            day = NOW - timedelta(days=back)
            at = day.timestamp()
            tags = {RANGE_START_TAG: slugs[0], RANGE_END_TAG: slugs[-1]}
            run_id = _run(instance, "__ASSET_JOB", tags, CHART_ASSETS, at)
            for asset in CHART_ASSETS:
                at += 1
                _materialize(instance, run_id, "__ASSET_JOB", asset, slugs, at)
            _event(instance, run_id, "__ASSET_JOB", "PIPELINE_SUCCESS", None, at + 1)
            alerts = _run(instance, ALERTS_JOB_NAME, {}, (ALERTS_ASSET,), at + 2)
            _event(instance, alerts, ALERTS_JOB_NAME, "PIPELINE_SUCCESS", None, at + 3)
            runs, events = runs + 2, events + len(CHART_ASSETS) * len(slugs) + 4
            if back % 30 == 0:
                log(f"{store} instance {days}d: {runs} runs, {events} events ({time.perf_counter() - started:.0f} s)")
    result = {"store": store, "days": days, "home": str(home), "runs": runs, "events": events,
              "build_seconds": round(time.perf_counter() - started, 1),
              "built_at": datetime.now(timezone.utc).isoformat()}  # fmt: skip
    marker.write_text(json.dumps(result, indent=2) + "\n")
    return result

"""Shared pieces of the fault matrix (fixtures are re-exported by conftest.py): a cascade pointed at the emulator, warehouse snapshots, call counters.

Every scenario runs the real thing (the emulator on a loopback socket, a real SQLite file or Postgres
database, Dagster materializations) on the 50-song charts, with client retries and timeouts small enough that
the whole matrix stays within a few minutes on two cores. Audience history is cut to 14 days: the number of
API calls is the same as with 90 (one call per entity and platform), only the rows to write shrink.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import sqlalchemy as sa

from soundcharts_assets.definitions import CASCADE_ASSETS
from soundcharts_assets.defs.partitions import CHARTS_PARTITIONS_NAME
from soundcharts_assets.defs.resources import CascadePolicyResource, SoundchartsResource, WarehouseResource
from soundcharts_assets.warehouse import Warehouse
from soundcharts_assets.warehouse.schema import DATA_TABLES

CHART = "shazam-top-50-fr"
OTHER_CHART = "airplay-fr"
RESOURCES = {
    "soundcharts": SoundchartsResource(),
    "warehouse": WarehouseResource(),
    "policy": CascadePolicyResource(),
}
#: Small retries and timeouts: faults are resolved in milliseconds instead of the production defaults.
FAST_CLIENT_ENV = {
    "SOUNDCHARTS_MAX_RETRIES": "8",
    "SOUNDCHARTS_TIMEOUT_SECONDS": "1",
    "SOUNDCHARTS_RATE_LIMIT_PER_MINUTE": "1000000",
    "SOUNDCHARTS_AUDIENCE_LOOKBACK_DAYS": "14",
}
CREDENTIAL_VARIABLES = (
    "SOUNDCHARTS_APP_ID",
    "SOUNDCHARTS_API_KEY",
    "SOUNDCHARTS_CLIENT_ID",
    "SOUNDCHARTS_CLIENT_SECRET",
    "SOUNDCHARTS_TEAM_ID",
    "SOUNDCHARTS_AUTH_URL",
)
#: Columns that record *when* a row was written: they differ between two runs by design.
VOLATILE_COLUMNS = frozenset({"fetched_at", "updated_at", "registered_at"})

SONG_BATCH = "/api/v2.25/song/{uuids}"
ARTIST_BATCH = "/api/v2.9/artist/{uuids}"
SONG_AUDIENCE = "/api/v2/song/{uuid}/audience/{platform}"
SONG_AIRPLAY = "/api/v2/song/{uuid}/broadcast-groups"
ARTIST_AUDIENCE = "/api/v2/artist/{uuid}/audience/{platform}"
ARTIST_LISTENING = "/api/v2/artist/{uuid}/streaming/{platform}/listening"

Snapshot = dict[str, list[dict[str, Any]]]


def point_at(env: pytest.MonkeyPatch, emulator_url: str, warehouse_url: str, data_dir: Path) -> None:
    """Point this process (and any child) at the emulator and the warehouse, sandbox credentials."""
    for name in CREDENTIAL_VARIABLES:
        env.delenv(name, raising=False)
    env.setenv("SOUNDCHARTS_BASE_URL", emulator_url)
    env.setenv("SOUNDCHARTS_WAREHOUSE_URL", warehouse_url)
    env.setenv("SOUNDCHARTS_DATA_DIR", str(data_dir))
    env.setenv("DAGSTER_HOME", str(data_dir / "dagster_home"))
    for name, value in FAST_CLIENT_ENV.items():
        env.setenv(name, value)


@dataclass
class Setup:
    emulator: Any
    url: str
    data_dir: Path


@pytest.fixture
def setup(monkeypatch: pytest.MonkeyPatch, emulator, sqlite_url: str, tmp_path: Path) -> Setup:
    """The emulator and a SQLite warehouse, this process pointed at both."""
    point_at(monkeypatch, emulator.url, sqlite_url, tmp_path / "data")
    return Setup(emulator, sqlite_url, tmp_path / "data")


def materialize(
    instance: dg.DagsterInstance, slug: str = CHART, run_config: Mapping[str, Any] | None = None
) -> dg.ExecuteInProcessResult:
    """The whole cascade and its checks for one chart, as `dg.materialize` runs it (never raises)."""
    if not instance.has_dynamic_partition(CHARTS_PARTITIONS_NAME, slug):
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, [slug])
    return dg.materialize(
        CASCADE_ASSETS,
        partition_key=slug,
        instance=instance,
        resources=RESOURCES,
        run_config=dict(run_config or {}),
        raise_on_error=False,
    )


def snapshot(url: str) -> Snapshot:
    """Every row of every data table, without the write-time columns, in a stable order."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            out: Snapshot = {}
            for table in DATA_TABLES:
                columns = [c for c in table.columns if c.name not in VOLATILE_COLUMNS]
                rows = [dict(r._mapping) for r in conn.execute(sa.select(*columns))]
                out[table.name] = sorted(rows, key=lambda row: repr(sorted(row.items())))
            return out
    finally:
        engine.dispose()


def table_counts(url: str) -> dict[str, int]:
    warehouse = Warehouse(url)
    try:
        return warehouse.table_counts()
    finally:
        warehouse.dispose()


def calls(emulator, *routes: str) -> int:
    """Requests the emulator answered on these route templates since its last reset."""
    by_route = emulator.stats()["by_route"]
    return sum(by_route.get(route, 0) for route in routes)


def materializations(result: dg.ExecuteInProcessResult) -> dict[str, dict[str, Any]]:
    """Asset key -> metadata values of its materialization in this run."""
    return {
        event.asset_key.to_user_string(): {
            key: getattr(value, "value", value)
            for key, value in event.step_materialization_data.materialization.metadata.items()
        }
        for event in result.get_asset_materialization_events()
    }


def step_failures(result: dg.ExecuteInProcessResult) -> list[str]:
    return [
        event.step_failure_data.error.message.strip()
        for event in result.all_events
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error
    ]


@pytest.fixture(scope="session")
def clean_reference(tmp_path_factory: pytest.TempPathFactory, shared_emulator) -> dict[str, Snapshot]:
    """What a fault-free cascade stores, per chart, computed once (on the session's emulator) and cached."""

    class Reference(dict):
        def __missing__(self, slug: str) -> Snapshot:
            base = tmp_path_factory.mktemp(f"clean-{slug}")
            url = f"sqlite:///{base / 'warehouse.sqlite'}"
            with pytest.MonkeyPatch.context() as env:
                point_at(env, shared_emulator.url, url, base / "data")
                with dg.instance_for_test() as instance:
                    result = materialize(instance, slug)
                assert result.success, step_failures(result)
            self[slug] = snapshot(url)
            return self[slug]

    return Reference()

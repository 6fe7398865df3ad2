"""What the step forkserver imports once, so each forked step process starts with it already in memory.

The code location's executor forks every step from a server process (``definitions.STEP_EXECUTOR``). Preloading
``soundcharts_assets.definitions`` there covers our code, Dagster's definition layer, pandas and SQLAlchemy,
but each step still opened its own ``DagsterInstance``, which imports the instance's storage, daemon and
workspace modules (about 230 modules, 0.4 s of a 0.7 s step start on a 2-core machine). A cascade is a chain
of five steps, so those imports sat five times on its critical path. Importing them here makes them
copy-on-write pages of the server instead.

The Dagster modules are private, so each import is attempted and skipped if a Dagster release moved it: a
miss costs start-up time, never correctness.
"""

import importlib
from contextlib import suppress

import soundcharts_assets.definitions  # noqa: F401  (the code location itself)

INSTANCE_MODULES = (
    "dagster._core.instance.factory",
    "dagster._core.storage.sqlite_storage",
    "dagster._core.storage.runs",
    "dagster._core.storage.event_log",
    "dagster._core.storage.schedules",
    "dagster._core.storage.local_compute_log_manager",
    "dagster._core.workspace.context",
    "dagster._daemon",
    "dagster._scheduler",
    "dagster._core.secrets.env_file",
    "dagster_postgres",
)
"""Imported by ``DagsterInstance.from_ref`` in every step (``dagster_postgres`` for the Postgres instance)."""

for _module in INSTANCE_MODULES:
    with suppress(ImportError):
        importlib.import_module(_module)

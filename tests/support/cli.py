"""The CLI as users type it, for the tests that run it in a subprocess: one environment, one runner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from soundcharts_assets.warehouse import Warehouse
from tests.support.paths import REPO_ROOT

CLI = [sys.executable, "-m", "soundcharts_assets.cli"]


def cli_environment(api_url: str, tmp_path: Path) -> dict[str, str]:
    """This process's environment without our settings, pointed at ``api_url`` and a fresh data folder and
    instance under ``tmp_path``; no rate limit of ours in the way."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOUNDCHARTS_", "DAGSTER_"))}
    env.update(
        SOUNDCHARTS_BASE_URL=api_url,
        SOUNDCHARTS_DATA_DIR=str(tmp_path / "data"),
        SOUNDCHARTS_RATE_LIMIT_PER_MINUTE="1000000",
        DAGSTER_HOME=str(tmp_path / "dagster_home"),
    )
    return env


def run_cli(env: dict, *args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT)


def warehouse_of(env: dict) -> Warehouse:
    """The SQLite warehouse the CLI of ``env`` writes."""
    return Warehouse(f"sqlite:///{Path(env['SOUNDCHARTS_DATA_DIR']) / 'warehouse.sqlite'}")

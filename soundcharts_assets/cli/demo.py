"""`demo` and `dev`: the project on the embedded defaults, against the emulator, with nothing to set up.

These (and the tests) are the only places that start the emulator; production code never imports it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from soundcharts_assets.settings import data_dir_from_env, project_root
from soundcharts_assets.soundcharts.config import SANDBOX_API_KEY, SANDBOX_APP_ID

if TYPE_CHECKING:
    from soundcharts_assets.emulator import EmulatorServer

REAL_CREDENTIAL_VARIABLES = ("SOUNDCHARTS_API_KEY", "SOUNDCHARTS_CLIENT_ID")
Echo = Callable[[str], None]


@contextmanager
def emulator_environment(port: int = 0, **knobs: Any) -> Iterator[EmulatorServer]:
    """Start the emulator on a free loopback port and point this process (and its children) at it."""
    from soundcharts_assets.emulator import EmulatorConfig, EmulatorServer

    with EmulatorServer(EmulatorConfig(seed=7, **knobs), host="127.0.0.1", port=port) as server:
        saved = {
            k: os.environ.get(k)
            for k in (
                "SOUNDCHARTS_BASE_URL",
                "SOUNDCHARTS_APP_ID",
                "SOUNDCHARTS_API_KEY",
                "SOUNDCHARTS_CLIENT_ID",
                "SOUNDCHARTS_CLIENT_SECRET",
                "SOUNDCHARTS_TEAM_ID",
            )
        }
        for key in saved:
            os.environ.pop(key, None)
        os.environ.update(
            SOUNDCHARTS_BASE_URL=server.url, SOUNDCHARTS_APP_ID=SANDBOX_APP_ID, SOUNDCHARTS_API_KEY=SANDBOX_API_KEY
        )
        try:
            yield server
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def run_demo(slug: str, echo: Echo = print) -> bool:
    from soundcharts_assets.cli.alerts import demo_alerts, demo_events
    from soundcharts_assets.cli.launch import run_cascade
    from soundcharts_assets.cli.registry import register_chart
    from soundcharts_assets.warehouse import Warehouse

    started = time.monotonic()
    with emulator_environment(**demo_events()) as server:
        echo(f"emulator: {server.url}")
        register_chart(slug, "none")
        server.reset_stats()
        success, run_id, failure = run_cascade([slug])
        calls = server.stats()["requests_total"]
    warehouse = Warehouse.from_env()
    try:
        summary = warehouse.chart_summary(slug)
        url = warehouse.url_for_display()
    finally:
        warehouse.dispose()
    echo(f"run {run_id}: {'succeeded' if success else 'FAILED: ' + failure}")
    echo(f"warehouse: {url}")
    for name, value in summary.items():
        echo(f"  {name:<24} {value}")
    pictures = sorted(path.name for path in (data_dir_from_env() / "reports" / slug).glob("*.png"))
    echo(f"  {'insight_pictures':<24} {', '.join(pictures) or '-'} (chart_movers, artist_growth, track_momentum)")
    echo(f"  {'api_calls':<24} {calls}")
    echo(f"  {'seconds':<24} {time.monotonic() - started:.1f}")
    return success and demo_alerts(slug, echo)


def dev_command(port: int) -> list[str]:
    """`dagster dev` on loopback only: the UI has no login and can launch paid runs, so it never listens
    on a network interface unless someone runs `dagster dev -h` themselves."""
    root = project_root()
    target = ["-w", str(root / "workspace.yaml")] if root else ["-m", "soundcharts_assets.definitions"]
    return [sys.executable, "-m", "dagster", "dev", *target, "-h", "127.0.0.1", "-p", str(port)]


def run_dev(port: int, echo: Echo = print) -> int:
    from soundcharts_assets.cli.launch import ensure_dagster_home

    ensure_dagster_home()
    command = dev_command(port)
    if any(os.environ.get(name) for name in REAL_CREDENTIAL_VARIABLES):
        echo("real Soundcharts credentials found: the UI talks to the real API")
        return subprocess.call(command)
    with emulator_environment() as server:
        echo(f"emulator: {server.url}; Dagster UI: http://127.0.0.1:{port}")
        return subprocess.call(command)

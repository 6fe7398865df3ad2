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
def emulator_environment(port: int = 0) -> Iterator[EmulatorServer]:
    """Start the emulator on a free loopback port and point this process (and its children) at it."""
    from soundcharts_assets.emulator import EmulatorConfig, EmulatorServer

    with EmulatorServer(EmulatorConfig(seed=7), host="127.0.0.1", port=port) as server:
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
    from soundcharts_assets.cli.launch import run_cascade
    from soundcharts_assets.cli.registry import register_chart

    started = time.monotonic()
    with emulator_environment() as server:
        echo(f"emulator: {server.url}")
        register_chart(slug, "none")
        before = server.reset_stats()
        success, run_id, failure = run_cascade([slug])
        after = server.stats()
    outcome = f"run {run_id}: {'succeeded' if success else 'FAILED: ' + failure}"
    for line in demo_summary(slug, outcome, run_calls(before, after), time.monotonic() - started):
        echo(line)
    return success


def run_calls(before: dict[str, Any], after: dict[str, Any]) -> dict[str, int]:
    """What the run cost by the emulator's counters (zeroed before it): calls sent (``requests_total``),
    calls billed (the paid 2xx answers the month's usage gained) and the quota left after it."""
    return {
        "calls_sent": after["requests_total"] - before["requests_total"],
        "calls_billed": after["used_this_month"] - before["used_this_month"],
        "quota_left": after["quota_remaining"],
    }


def demo_summary(slug: str, outcome: str, calls: dict[str, int], seconds: float) -> list[str]:
    """The lines `demo` prints: the run's outcome, what the warehouse holds for ``slug``, what the run cost
    (in the words of ``figures.py``) and how long it took."""
    from soundcharts_assets.warehouse import Warehouse

    warehouse = Warehouse.from_env()
    try:
        summary = warehouse.chart_summary(slug)
        url = warehouse.url_for_display()
    finally:
        warehouse.dispose()
    lines = [outcome, f"warehouse: {url}"]
    lines += [f"  {name:<24} {value}" for name, value in summary.items()]
    pictures = sorted(path.name for path in (data_dir_from_env() / "reports" / slug).glob("*.png"))
    lines.append(
        f"  {'insight_pictures':<24} {', '.join(pictures) or '-'} (chart_movers, artist_growth, track_momentum)"
    )
    lines += [f"  {name:<24} {value}" for name, value in calls.items()]
    lines.append(f"  {'seconds':<24} {seconds:.1f}")
    return lines


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

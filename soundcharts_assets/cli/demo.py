"""`demo` and `dev`: the project on the embedded defaults, against the emulator, with nothing to set up.

These (and the tests) are the only places that start the emulator; production code never imports it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from soundcharts_assets.cli.wording import day
from soundcharts_assets.local_setup import write_local_setup
from soundcharts_assets.settings import data_dir_from_env, has_real_credentials, project_root
from soundcharts_assets.soundcharts.config import SANDBOX_API_KEY, SANDBOX_APP_ID

if TYPE_CHECKING:
    from soundcharts_assets.emulator import EmulatorServer

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

    started = time.monotonic()
    with emulator_environment(**demo_events()) as server:
        record_setup("make demo", server.url)
        echo(f"emulator: {server.url}")
        register_chart(slug)
        before = server.reset_stats()
        success, run_id, failure = run_cascade([slug])
        after = server.stats()
    outcome = f"run {run_id}: {'succeeded' if success else 'FAILED: ' + failure}"
    for line in demo_summary(slug, outcome, run_calls(before, after), time.monotonic() - started):
        echo(line)
    return success and demo_alerts(slug, echo)


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
    lines += [f"  {name:<24} {day(value) if isinstance(value, datetime) else value}" for name, value in summary.items()]
    pictures = sorted(path.name for path in (data_dir_from_env() / "reports" / slug).glob("*.png"))
    lines.append(
        f"  {'insight_pictures':<24} {', '.join(pictures) or '-'} (chart_movers, artist_growth, track_momentum)"
    )
    lines += [f"  {name:<24} {value}" for name, value in calls.items()]
    lines.append(f"  {'seconds':<24} {seconds:.1f}")
    return lines


def record_setup(command: str, emulator_url: str | None) -> Path:
    """Tell every other shell where this process's emulator and instance are (``local_setup.py``), and name the
    instance in the project's ``.env`` for ``dg`` and ``dagster`` commands; returns the instance folder."""
    from soundcharts_assets.cli.registry import ensure_dagster_home

    home = ensure_dagster_home()
    write_local_setup(data_dir_from_env(), command, emulator_url, home)
    point_dg_at_instance(home)
    return home


DG_ENV_LINE = "DAGSTER_HOME=${{DAGSTER_HOME:-{home}}}"
DG_ENV_COMMENT = "# soundcharts-assets dev/demo: `dg` and `dagster` commands run here use this instance"


def point_dg_at_instance(home: Path) -> Path | None:
    """Name the instance in ``<project>/.env``, which ``dg`` and ``dagster`` commands read from the folder they run
    in (they have no other way to find it without an exported DAGSTER_HOME); returns the file, or None.

    Only the project's own data directory is written down, and never over a DAGSTER_HOME line someone else
    wrote. The line is ``DAGSTER_HOME=${DAGSTER_HOME:-...}``, so an exported DAGSTER_HOME still wins.
    """
    root = project_root()
    if root is None or data_dir_from_env() != (root / "data").resolve():
        return None
    path = root / ".env"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    ours = DG_ENV_LINE.format(home="").split("}")[0]  # "DAGSTER_HOME=${DAGSTER_HOME:-"
    if any(_defines_dagster_home(line) and not line.startswith(ours) for line in lines):
        return None
    kept = [line for line in lines if not line.startswith(ours) and line != DG_ENV_COMMENT]
    wanted = [*kept, DG_ENV_COMMENT, DG_ENV_LINE.format(home=home)]
    if wanted != lines:
        path.write_text("\n".join(wanted) + "\n", encoding="utf-8")
    return path


def _defines_dagster_home(line: str) -> bool:
    text = line.strip().removeprefix("export ").lstrip()
    return text.startswith("DAGSTER_HOME=")


def dev_command(port: int) -> list[str]:
    """``dg dev`` (``cli/dagster_dev.py``) on loopback only: the UI has no login and can launch paid runs, so it
    never listens on a network interface unless someone runs ``dg dev -h`` themselves."""
    root = project_root()
    target = ["-w", str(root / "workspace.yaml")] if root else ["-m", "soundcharts_assets.definitions"]
    return [sys.executable, "-m", "soundcharts_assets.cli.dagster_dev", *target, "-h", "127.0.0.1", "-p", str(port)]


def run_dev(port: int, echo: Echo = print) -> int:
    command = dev_command(port)
    if has_real_credentials():
        record_setup("make dev", None)
        echo(f"real Soundcharts credentials found: the UI talks to the real API; Dagster UI: http://127.0.0.1:{port}")
        return run_until_interrupted(command)
    with emulator_environment() as server:
        record_setup("make dev", server.url)
        echo(f"emulator: {server.url}; Dagster UI: http://127.0.0.1:{port} (Ctrl-C stops both)")
        return run_until_interrupted(command)


def run_until_interrupted(command: list[str]) -> int:
    """Run ``command`` until it ends; Ctrl-C stops it, and that is a clean end (exit 0).

    Ctrl-C reaches the whole foreground process group: Dagster shuts its webserver and daemon down on it, and this
    process only waits for that (the emulator it serves must outlive them). A handler, not SIG_IGN, which the
    child would inherit."""
    interrupted = []
    previous = signal.signal(signal.SIGINT, lambda *_: interrupted.append(True))
    try:
        code = subprocess.call(command)
    finally:
        signal.signal(signal.SIGINT, previous)
    return 0 if interrupted and code in (0, -signal.SIGINT, 128 + signal.SIGINT) else code

"""`status` and the UI on a Dagster instance holding N days of fleet runs (``history_instance.py``), against the
warehouse of the same N days.

``status --json`` runs as the user types it, in its own process; its wall time and peak RSS (``os.wait4``) are
recorded, with the API pointed at a closed port (the account line says "unavailable" at once: what is timed is
the instance and the warehouse). The UI: ``dagster-webserver`` started on the instance, then the GraphQL queries
of ``artist_audience``'s asset page and partitions view (``ui_queries.py``), timed as ``fleet_benchmark`` does,
with the webserver's peak RSS.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.history_instance import REPO, instance_env
from tests.support.ports import free_port

VENV_BIN = Path(sys.executable).parent
FOREIGN_PREFIXES = ("DAGSTER_", "SOUNDCHARTS_")


def make_env(days: int, cache: Path, warehouse_url: str, store: str = "postgres") -> dict[str, str]:
    """The CLI's environment: the instance of ``days`` days in ``store``, the warehouse at ``warehouse_url``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN_PREFIXES)}
    env.update(instance_env(days, cache, store))
    data = cache / f"data-{days}d"
    data.mkdir(parents=True, exist_ok=True)
    env.update(
        SOUNDCHARTS_WAREHOUSE_URL=warehouse_url,
        SOUNDCHARTS_DATA_DIR=str(data),
        SOUNDCHARTS_BASE_URL=f"http://127.0.0.1:{free_port()}",  # nothing listens: no API call is timed
        SOUNDCHARTS_APP_ID="soundcharts",
        SOUNDCHARTS_API_KEY="soundcharts",
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        PYTHONUNBUFFERED="1",
    )
    return env


def time_status(env: dict[str, str], repeats: int = 3) -> dict[str, Any]:
    """``soundcharts-assets status --json``: best and worst wall time of ``repeats``, the same of its CPU time
    (user + system: what a loaded machine inflates least), and the peak RSS."""
    from benchmarks.measure import ChildMemorySampler

    times, cpu = [], []
    with ChildMemorySampler(interval=0.05) as sampler:  # VmHWM of the child: ru_maxrss would keep ours
        for _ in range(repeats):
            used = _children_cpu()
            started = time.perf_counter()
            done = subprocess.run(
                [str(VENV_BIN / "soundcharts-assets"), "status", "--json"],
                env=env,
                cwd=REPO,
                capture_output=True,
                check=False,
            )
            times.append(time.perf_counter() - started)
            cpu.append(_children_cpu() - used)
            if done.returncode != 0:
                raise RuntimeError(f"status failed: {done.stderr.decode()[-500:]}")
    return {"best_s": round(min(times), 2), "worst_s": round(max(times), 2), "cpu_best_s": round(min(cpu), 2),
            "cpu_worst_s": round(max(cpu), 2), "peak_mb": sampler.peak_mb}  # fmt: skip


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def time_ui_pages(env: dict[str, str], logdir: Path) -> dict[str, Any]:
    """The asset page and partitions view of ``artist_audience`` (partition global-28), with the webserver's peak."""
    from benchmarks.fleet_benchmark import ProcessSampler, time_ui

    logdir.mkdir(parents=True, exist_ok=True)
    with ProcessSampler() as sampler:
        pages = time_ui(env, logdir, sampler)
    pages["webserver_peak_mb"] = sampler.report()["peak_rss_mb"]
    return pages

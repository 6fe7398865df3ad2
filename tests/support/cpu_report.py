"""Where the suite's time goes: each test's wall and CPU seconds, and the heaviest listed at the end.

``make test`` loads it (``-p tests.support.cpu_report``). The suite is CPU-bound on a 2-core machine (Dagster
processes, the emulator, browsers), so CPU seconds, not wall seconds, say which test to make cheaper. CPU counts
the test's process and the children it waited for (subprocesses, deployments it stopped), under xdist each
worker its own; a server left running across tests is charged to the test that stops it. Each process appends
to ``test-artifacts/cpu_report.<worker>.jsonl``; the controlling process prints the summary.
"""

from __future__ import annotations

import json
import os
import resource
import time

import pytest

from tests.support.paths import REPO_ROOT

REPORTS = REPO_ROOT / "test-artifacts"
LISTED = 15


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    if not _is_worker(session.config):  # before xdist starts its workers
        for old in REPORTS.glob("cpu_report.*.jsonl"):
            old.unlink()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    wall, cpu = time.monotonic(), _cpu_seconds()
    yield
    row = {"test": item.nodeid, "wall": round(time.monotonic() - wall, 2), "cpu": round(_cpu_seconds() - cpu, 2)}
    REPORTS.mkdir(exist_ok=True)
    with (REPORTS / f"cpu_report.{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.jsonl").open("a") as out:
        out.write(json.dumps(row) + "\n")


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    if _is_worker(config):
        return
    rows = [json.loads(line) for path in REPORTS.glob("cpu_report.*.jsonl") for line in path.read_text().splitlines()]
    if not rows:
        return
    total_cpu, total_wall = sum(r["cpu"] for r in rows), sum(r["wall"] for r in rows)
    terminalreporter.write_sep("=", f"CPU: {total_cpu:,.0f} s over {len(rows)} tests ({total_wall:,.0f} s of wall)")
    for row in sorted(rows, key=lambda r: -r["cpu"])[:LISTED]:
        terminalreporter.write_line(f"{row['cpu']:8.1f} s CPU {row['wall']:8.1f} s wall  {row['test']}")

"""Live progress of a `cascade --wait` run: per asset, entities done of total, calls spent and quota left.

The steps log a ``progress STEP: done/total entities, N calls, quota left Q`` line at most every 2 s
(``cascade/report.py``). While the run executes, a thread reads the run's event log from the instance and shows
the newest line per asset: a rich live table on a terminal, plain lines otherwise (logs, CI, pipes). It writes
to stderr, so the JSON answers on stdout stay machine-readable.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from soundcharts_assets.cascade.report import PROGRESS_PREFIX

POLL_SECONDS = 1.0


class ProgressMonitor(threading.Thread):
    """Follows the run tagged ``soundcharts/launch=token`` until :meth:`stop`."""

    def __init__(self, instance: Any, token: str, live: bool | None = None) -> None:
        super().__init__(name="cascade-progress", daemon=True)
        self._instance, self._token = instance, token
        self._done = threading.Event()
        self._seen = 0
        self.latest: dict[str, str] = {}
        self._live = sys.stderr.isatty() if live is None else live

    def stop(self) -> None:
        self._done.set()
        self.join(timeout=5)

    def run(self) -> None:
        if self._live:
            self._run_live()
        else:
            self._poll_until_stopped(lambda step, line: print(f"{time.strftime('%H:%M:%S')} {line}", file=sys.stderr))

    def _run_live(self) -> None:
        from rich.console import Console
        from rich.live import Live
        from rich.table import Table

        def table() -> Table:
            view = Table("asset", "progress", title="cascade")
            for step, line in self.latest.items():
                view.add_row(step, line.split(": ", 1)[-1])
            return view

        with Live(table(), console=Console(stderr=True), refresh_per_second=2) as live:
            self._poll_until_stopped(lambda _step, _line: live.update(table()))

    def _poll_until_stopped(self, show: Callable[[str, str], None]) -> None:
        run_id = None
        while True:
            stopping = self._done.wait(POLL_SECONDS)
            run_id = run_id or self._find_run()
            if run_id:
                for step, line in self._new_progress(run_id):
                    self.latest[step] = line
                    show(step, line)
            if stopping:
                return

    def _find_run(self) -> str | None:
        import dagster as dg

        records = self._instance.get_run_records(dg.RunsFilter(tags={"soundcharts/launch": self._token}), limit=1)
        return records[0].dagster_run.run_id if records else None

    def _new_progress(self, run_id: str) -> list[tuple[str, str]]:
        entries = self._instance.all_logs(run_id)
        fresh, self._seen = entries[self._seen :], len(entries)
        lines = []
        for entry in fresh:
            message = entry.user_message or ""
            if entry.dagster_event is None and message.startswith(f"{PROGRESS_PREFIX} "):
                step = message[len(PROGRESS_PREFIX) + 1 :].split(":", 1)[0]
                lines.append((step, message[len(PROGRESS_PREFIX) + 1 :]))
        return lines

"""Live progress of a `cascade --wait` run, on a console that nothing else writes to while it runs.

Every step of the run has a row: its state, entities done of total, calls sent (every request, retries
included), quota left (the lowest ``x-quota-remaining`` seen) and the time it took. The figures come from the
run's event log: the steps log a progress line at most every 2 s (``cascade/step_reports.py``), and Dagster records
when each step starts and ends. It is a rich live table on a terminal and plain lines otherwise (logs, CI,
pipes), on stderr, so the JSON answers on stdout stay machine-readable.

Nothing else writes to the console meanwhile (``launch.console_for_display``): Dagster's own lines and
tracebacks stay in the run's event log, which the Dagster UI shows.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from soundcharts_assets.cascade.step_reports import Progress

POLL_SECONDS = 0.5
WAITING, RUNNING, RETRYING, DONE, FAILED, NOT_RUN = "waiting", "running", "retrying", "done", "failed", "not run"


@dataclass
class StepRow:
    """One step of the run as the display shows it."""

    step: str
    state: str = WAITING
    started: float | None = None
    ended: float | None = None
    progress: Progress | None = None
    calls_before: int = 0
    """Calls of the step's earlier attempts: a step retried by Dagster counts again from zero."""
    quota_left: int | None = None

    @property
    def calls_sent(self) -> int:
        return self.calls_before + (self.progress.calls_sent if self.progress else 0)

    def elapsed(self, now: float) -> float | None:
        if self.started is None:
            return None
        return (self.ended or now) - self.started

    def figures(self, now: float) -> list[str]:
        """entities, calls sent, quota left, elapsed: "-" where the step has none."""
        entities = f"{self.progress.done:,}/{self.progress.total:,}" if self.progress else "-"
        calls = f"{self.calls_sent:,}" if self.progress or self.calls_before else "-"
        return [entities, calls, _quota(self.quota_left), _seconds(self.elapsed(now))]


class RunProgress:
    """The run so far, fed the run's event log entries one by one."""

    def __init__(self, steps: Sequence[str]) -> None:
        self.rows = {step: StepRow(step) for step in steps}
        self.started: float | None = None
        self.ended: float | None = None
        self.state = WAITING

    @property
    def calls_sent(self) -> int:
        return sum(row.calls_sent for row in self.rows.values())

    @property
    def quota_left(self) -> int | None:
        return min((row.quota_left for row in self.rows.values() if row.quota_left is not None), default=None)

    def elapsed(self, now: float) -> float | None:
        return None if self.started is None else (self.ended or now) - self.started

    def feed(self, entry: Any) -> StepRow | None:
        """Take one event log entry; returns the row it changed (None when it changed no row)."""
        event = entry.dagster_event
        if event is None:
            progress = Progress.parse(entry.user_message or "")
            if progress is None:
                return None
            row = self._row(entry.step_key or progress.step)
            row.progress = progress
            if progress.quota_left is not None and (row.quota_left is None or progress.quota_left < row.quota_left):
                row.quota_left = progress.quota_left
            return row
        kind = event.event_type_value
        if kind in _RUN_STATES:
            self.started = self.started or entry.timestamp
            if _RUN_STATES[kind] != RUNNING:
                self.ended = entry.timestamp
            self.state = _RUN_STATES[kind]
            return None
        if kind not in _STEP_STATES or not entry.step_key:
            return None
        row = self._row(entry.step_key)
        row.state = _STEP_STATES[kind]
        if kind == "STEP_START" and row.started is None:
            row.started = entry.timestamp
        if kind == "STEP_UP_FOR_RETRY":
            row.calls_before, row.progress = row.calls_sent, None
        if row.state in (DONE, FAILED):
            row.ended = entry.timestamp
        return row

    def finish(self, now: float) -> list[StepRow]:
        """The run has ended: steps that never started will not; returns them."""
        self.ended = self.ended or now
        never = [row for row in self.rows.values() if row.state in (WAITING, RUNNING, RETRYING)]
        for row in never:
            row.state = NOT_RUN if row.started is None else FAILED
            row.ended = row.ended or (now if row.started is not None else None)
        return never

    def _row(self, step: str) -> StepRow:
        return self.rows.setdefault(step, StepRow(step))


_STEP_STATES = {
    "STEP_START": RUNNING,
    "STEP_RESTARTED": RUNNING,
    "STEP_UP_FOR_RETRY": RETRYING,
    "STEP_SUCCESS": DONE,
    "STEP_FAILURE": FAILED,
}
_RUN_STATES = {
    "PIPELINE_START": RUNNING,
    "PIPELINE_SUCCESS": DONE,
    "PIPELINE_FAILURE": FAILED,
    "PIPELINE_CANCELED": FAILED,
}


def _quota(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f} s" if value < 60 else f"{int(value // 60)} min {int(value % 60):02d} s"


def plain_line(row: StepRow, now: float) -> str:
    """``HH:MM:SS step state entities, calls sent, quota left, elapsed`` (as of ``now``) for a log or a pipe."""
    entities, calls, quota, elapsed = row.figures(now)
    parts = [f"{entities} entities" if row.progress else "", _calls(row.calls_sent) if calls != "-" else ""]
    parts += [f"quota left {quota}" if quota != "-" else "", elapsed if elapsed != "-" else ""]
    figures = ", ".join(part for part in parts if part)
    return f"{_clock(now)} {row.step:<16} {row.state:<8} {figures}".rstrip()


def run_line(run: RunProgress, now: float) -> str:
    quota = f", quota left {_quota(run.quota_left)}" if run.quota_left is not None else ""
    elapsed = _seconds(run.elapsed(now))
    return f"{_clock(now)} {'run':<16} {run.state:<8} {_calls(run.calls_sent)}{quota}, {elapsed}"


def _calls(count: int) -> str:
    return f"{count:,} call sent" if count == 1 else f"{count:,} calls sent"


def _clock(at: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(at))


class ProgressMonitor(threading.Thread):
    """Follows the run tagged ``soundcharts/launch=token`` until :meth:`stop`, showing ``steps`` on ``stream``."""

    def __init__(
        self, instance: Any, token: str, steps: Sequence[str], stream: TextIO, live: bool | None = None
    ) -> None:
        super().__init__(name="cascade-progress", daemon=True)
        self._instance, self._token, self._stream = instance, token, stream
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._cursor: str | None = None
        self.run_id: str | None = None
        self.progress = RunProgress(steps)
        self._live = _is_terminal(stream) if live is None else live

    def stop(self) -> None:
        self._done.set()
        self.join(timeout=10)

    def run(self) -> None:
        if self._live:
            self._run_live()
        else:
            self._run_plain()

    def _run_plain(self) -> None:
        said: dict[str, tuple[str, Progress | None]] = {}

        def show(row: StepRow, at: float) -> None:
            if said.get(row.step) != (row.state, row.progress):  # a step's final progress repeats its last
                said[row.step] = (row.state, row.progress)
                print(plain_line(row, at), file=self._stream, flush=True)

        self._poll_until_stopped(show)
        now = time.time()
        for row in self.progress.finish(now):
            show(row, now)
        print(run_line(self.progress, now), file=self._stream, flush=True)

    def _run_live(self) -> None:
        from rich.console import Console
        from rich.live import Live

        console = Console(file=self._stream, force_terminal=True)
        with Live(
            get_renderable=self._table,
            console=console,
            refresh_per_second=4,
            redirect_stdout=False,
            redirect_stderr=False,
        ) as live:
            self._poll_until_stopped(lambda _row, _at: None)
            with self._lock:
                self.progress.finish(time.time())
            live.refresh()

    def _table(self) -> Any:
        from rich.table import Table

        now = time.time()
        title = f"cascade run {self.run_id[:8]}" if self.run_id else "cascade run starting"
        table = Table("step", "state", "entities", "calls sent", "quota left", "elapsed", title=title)
        for column in table.columns[2:]:
            column.justify = "right"
        with self._lock:
            for row in self.progress.rows.values():
                table.add_row(row.step, row.state, *row.figures(now))
            run = self.progress
            table.add_section()
            table.add_row(
                "run", run.state, "", f"{run.calls_sent:,}", _quota(run.quota_left), _seconds(run.elapsed(now))
            )
        return table

    def _poll_until_stopped(self, show: Callable[[StepRow, float], None]) -> None:
        """Feed the run's new event log entries every :data:`POLL_SECONDS`; ``show`` each changed row as of
        its entry's time."""
        while True:
            stopping = self._done.wait(POLL_SECONDS)
            self.run_id = self.run_id or self._find_run()
            if self.run_id:
                for entry in self._new_entries(self.run_id):
                    with self._lock:
                        row = self.progress.feed(entry)
                    if row is not None:
                        show(row, entry.timestamp)
            if stopping:
                return

    def _find_run(self) -> str | None:
        import dagster as dg

        records = self._instance.get_run_records(dg.RunsFilter(tags={"soundcharts/launch": self._token}), limit=1)
        return records[0].dagster_run.run_id if records else None

    def _new_entries(self, run_id: str) -> list[Any]:
        entries = []
        while True:
            connection = self._instance.get_records_for_run(run_id, cursor=self._cursor, limit=1000)
            entries += [record.event_log_entry for record in connection.records]
            self._cursor = connection.cursor
            if not connection.has_more:
                return entries


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False

"""What the benchmark measures besides the emulator's counters: memory of the step processes, step timings.

Dagster's multiprocess executor runs every step in a child process, so peak memory is the highest VmHWM
(the kernel's record of a process's peak resident set) among this process's descendants, sampled from
/proc while a run executes. ``getrusage(RUSAGE_CHILDREN)`` gives the same peak for reaped children and is
reported as a cross-check.
"""

from __future__ import annotations

import os
import resource
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from typing_extensions import Self


def _children_of(root: int) -> set[int]:
    parents: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(fields[1])].append(int(entry.name))
    found, todo = set(), [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _peak_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Sampler:
    """Calls :meth:`sample` every ``interval`` seconds on a daemon thread, from ``with`` entry to exit."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        self.begin()
        while not self._stop.wait(self.interval):
            self.sample()

    def begin(self) -> None:
        """What to read once before the first interval (a counter's starting value)."""

    def sample(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


class ChildMemorySampler(Sampler):
    """``with ChildMemorySampler() as sampler:``; then ``sampler.peak_mb`` is the largest child's peak RSS."""

    def __init__(self, interval: float = 0.2, exclude: int | None = None) -> None:
        super().__init__(interval)
        self.exclude = exclude
        """A child (and its descendants) not to count: the emulator, which stands for a remote API."""
        self.peaks_kb: dict[int, int] = {}

    def sample(self) -> None:
        excluded = {self.exclude, *_children_of(self.exclude)} if self.exclude else set()
        for pid in _children_of(os.getpid()) - excluded:
            self.peaks_kb[pid] = max(self.peaks_kb.get(pid, 0), _peak_kb(pid))

    @property
    def peak_mb(self) -> float:
        return round(max(self.peaks_kb.values(), default=0) / 1024, 1)


def children_maxrss_mb() -> float:
    """Peak RSS of the largest child reaped so far (Linux reports kB)."""
    return round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)


def step_timings(run_id: str, launched_at: float | None = None) -> dict[str, dict[str, float]]:
    """Per step: seconds from the worker being launched to the step starting (process start-up and imports),
    and from the step starting to its end (the work), from the run's event log.

    With ``launched_at`` (the ``time.time()`` at which the run was asked for), each step also gets its
    offsets on the run's timeline (``at_worker``, ``at_start``, ``at_end``), and a ``run`` entry says when
    the run process started and ended: where the wall time beyond the API work goes.
    """
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        records = instance.all_logs(run_id)
    marks: dict[str, dict[str, float]] = defaultdict(dict)
    run_marks: dict[str, float] = {}
    for record in records:
        event = record.dagster_event
        if event is None:
            continue
        kind = event.event_type_value
        if not record.step_key:
            if event.event_type == dg.DagsterEventType.RUN_START:  # its value is still "PIPELINE_START"
                run_marks["start"] = record.timestamp
            if event.event_type in (dg.DagsterEventType.RUN_SUCCESS, dg.DagsterEventType.RUN_FAILURE):
                run_marks["end"] = record.timestamp
            continue
        if kind == "STEP_WORKER_STARTING":  # the executor launches the step's process
            marks[record.step_key]["first"] = record.timestamp
        if kind == "STEP_START":
            marks[record.step_key]["start"] = record.timestamp
        if kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            marks[record.step_key]["end"] = record.timestamp
    timings: dict[str, dict[str, float]] = {}
    for step, m in sorted(marks.items(), key=lambda kv: kv[1].get("start", 0)):
        start = m.get("start", 0.0)
        first, end = m.get("first", start), m.get("end", start)
        timings[step] = {"startup_s": round(start - first, 2), "work_s": round(end - start, 2)}
        if launched_at is not None:
            timings[step].update(
                at_worker=round(first - launched_at, 2),
                at_start=round(start - launched_at, 2),
                at_end=round(end - launched_at, 2),
            )
    if launched_at is not None and run_marks:
        timings["run"] = {
            "startup_s": 0.0,
            "work_s": 0.0,
            **{f"at_{k}": round(v - launched_at, 2) for k, v in run_marks.items()},
        }
    return timings


def summarise_steps(timings: dict[str, dict[str, Any]]) -> dict[str, float]:
    timings = {k: v for k, v in timings.items() if k != "run"}
    return {
        "step_startup_s_total": round(sum(t["startup_s"] for t in timings.values()), 2),
        "step_work_s_total": round(sum(t["work_s"] for t in timings.values()), 2),
    }


def _cpu_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine since boot, from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


class PaceSampler(Sampler):
    """``with PaceSampler(count_calls) as pace:``; then ``pace.samples``: every ``interval`` seconds, the calls
    the API answered in it (``count_calls()`` is the emulator's running total) and the machine's busy CPU share.

    It tells a run that waits on the API (calls at the limit) from one that waits on the machine (CPU near
    100 %, calls below the limit) or on Dagster (both low): the head and tail of a wall time, made visible.
    """

    def __init__(self, count_calls: Callable[[], int], interval: float = 5.0) -> None:
        super().__init__(interval)
        self.count_calls = count_calls
        self.samples: list[dict[str, float]] = []

    def begin(self) -> None:
        self._started, self._calls, self._cpu = time.monotonic(), self.count_calls(), _cpu_jiffies()

    def sample(self) -> None:
        calls, (busy, total) = self.count_calls(), _cpu_jiffies()
        self.samples.append(
            {
                "t_s": round(time.monotonic() - self._started, 1),
                "calls_per_s": round((calls - self._calls) / self.interval, 1),
                "cpu_busy_pct": round(100 * (busy - self._cpu[0]) / max(1, total - self._cpu[1]), 1),
            }
        )
        self._calls, self._cpu = calls, (busy, total)

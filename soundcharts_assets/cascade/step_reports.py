"""What a cascade step did, per chart, and which chart each API call was spent for.

A step refreshes one chart or a whole fleet at once: a song shared by 30 charts is fetched once, yet each
chart still gets its own report (its rows, what was fetched or reused, its gaps) for its own materialization.
Every call is charged to exactly one chart, the first of the run that has the entity, so the charts' calls add
up to what the step spent.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import TypeVar

from soundcharts_assets.soundcharts.client import SoundchartsClient
from soundcharts_assets.warehouse import Warehouse

T = TypeVar("T")


@dataclass
class StepReport:
    """What one cascade step did for one chart: the figures a user sees as asset metadata."""

    rows_written: int = 0
    fetched: int = 0
    reused: int = 0
    not_found: int = 0
    not_in_plan: int = 0
    api_calls: int = 0
    """Requests sent (pages, retries and failures included): what the rate limit sees."""
    billed_calls: int = 0
    """Of those, the 2xx answers: what the monthly quota is charged for, and what the spend ledger records."""
    quota_remaining: int | None = None
    ranking_date: datetime | None = None
    gaps: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Things the step wants a user to know once (e.g. a plan-gated endpoint it fell back from)."""
    error: str | None = None
    """Why this chart failed while the others of the run went on (an unknown chart, a chart not in the plan)."""


@dataclass(frozen=True)
class Fleet:
    """The charts of one step and their entities (songs or artists), in run order: who shares what."""

    uuids_by_chart: Mapping[str, Sequence[str]]
    leavers_by_chart: Mapping[str, Mapping[str, date]] = field(default_factory=dict)
    """Entities a chart's recent editions dropped, with the last day an edition ranked them (audience steps:
    their series get one last fetch up to that day, :meth:`leavers_by_day`)."""

    @cached_property
    def charts_by_uuid(self) -> dict[str, list[str]]:
        charts: dict[str, list[str]] = {}
        for slug, uuids in self.uuids_by_chart.items():
            for uuid in dict.fromkeys(uuids):
                charts.setdefault(uuid, []).append(slug)
        followed = set(charts)
        for slug, left in self.leavers_by_chart.items():
            for uuid in left:  # only the leavers no chart follows: a followed one is its charts' business
                if uuid not in followed and slug not in charts.setdefault(uuid, []):
                    charts[uuid].append(slug)
        return charts

    @property
    def charts(self) -> list[str]:
        return list(self.uuids_by_chart)

    @property
    def uuids(self) -> list[str]:
        """Every followed entity once, in the order the charts list them (leavers are not followed)."""
        return list(dict.fromkeys(uuid for uuids in self.uuids_by_chart.values() for uuid in uuids))

    def leavers_by_day(self) -> dict[date, list[str]]:
        """Leavers that no chart of the step follows any more, grouped by the day their series must reach (the
        latest among the charts that dropped them)."""
        followed = set(self.uuids)
        last: dict[str, date] = {}
        for left in self.leavers_by_chart.values():
            for uuid, day in left.items():
                if uuid not in followed:
                    last[uuid] = max(day, last.get(uuid, day))
        by_day: dict[date, list[str]] = {}
        for uuid, day in last.items():
            by_day.setdefault(day, []).append(uuid)
        return by_day

    def owner(self, uuid: str) -> str:
        """The chart a shared entity's calls are charged to: the first of the run that has it."""
        return self.charts_by_uuid[uuid][0]


@dataclass
class _ProgressSink:
    say: Callable[[str], None]
    reports: list[ChartReports] = field(default_factory=list)
    """The step's reports, so that a step stopped by an error still says how far it got."""


_progress_sink: ContextVar[_ProgressSink | None] = ContextVar("progress_sink", default=None)
"""Per thread of execution, not per process: `cascade --wait` runs several steps at once on threads of one
process (defs/thread_executor.py), and each step's lines must go to its own log."""


@contextmanager
def progress_to(sink: Callable[[str], None]) -> Iterator[None]:
    """Steps started inside the block say how far they are through ``sink`` (an asset's ``context.log.info``),
    and once more when an error stops them (the calls sent until then included)."""
    current = _ProgressSink(sink)
    token = _progress_sink.set(current)
    try:
        yield
    except BaseException:
        for reports in current.reports:
            reports.say()
        raise
    finally:
        _progress_sink.reset(token)


PROGRESS_EVERY_SECONDS = 2.0
"""How often a step says how far it is (a log line each; `cascade --wait` shows them live)."""
PROGRESS_PREFIX = "progress"
_PROGRESS_LINE = re.compile(
    r"^progress (?P<step>\w+): (?P<done>\d+)/(?P<total>\d+) entities, (?P<calls>\d+) calls? sent, "
    r"quota left (?P<quota>\d+|unknown)$"
)


@dataclass(frozen=True)
class Progress:
    """How far a step is: one log line in the run's event log, read back by `cascade --wait`'s display.

    ``calls_sent`` counts every request the step sent (pages, retries and failures included); ``quota_left``
    is the lowest ``x-quota-remaining`` the step has seen (None before its first answer).
    """

    step: str
    done: int
    total: int
    calls_sent: int
    quota_left: int | None

    def line(self) -> str:
        calls = "call" if self.calls_sent == 1 else "calls"
        quota = "unknown" if self.quota_left is None else str(self.quota_left)
        return (
            f"{PROGRESS_PREFIX} {self.step}: {self.done}/{self.total} entities, {self.calls_sent} {calls} sent, "
            f"quota left {quota}"
        )

    @classmethod
    def parse(cls, message: str) -> Progress | None:
        """The progress a log line says, or None for any other line."""
        found = _PROGRESS_LINE.match(message)
        if found is None:
            return None
        quota = found["quota"]
        return cls(
            found["step"],
            int(found["done"]),
            int(found["total"]),
            int(found["calls"]),
            None if quota == "unknown" else int(quota),
        )


class ChartReports:
    """One :class:`StepReport` per chart of a step, filled from the step's worker threads.

    It also says how far the step is (a :class:`Progress` line) through ``on_progress`` (the asset's log), at
    most every :data:`PROGRESS_EVERY_SECONDS` and once at the end.
    """

    def __init__(self, client: SoundchartsClient | None, charts: Iterable[str], step: str = "") -> None:
        self._client = client
        self._lock = threading.Lock()
        self.by_chart: dict[str, StepReport] = {slug: StepReport() for slug in charts}
        sink = _progress_sink.get()
        self.step, self._on_progress = step, sink.say if sink else None
        if sink is not None:
            sink.reports.append(self)
        self._total = self._done = 0
        self._calls_at_start = client.calls_made if client else 0
        self._said_at = time.monotonic()

    def expect(self, total: int) -> None:
        """How many entities (or series) the step will fetch."""
        self._total = total
        self.say()

    def advance(self, done: int = 1) -> None:
        with self._lock:
            self._done += done
            due = time.monotonic() - self._said_at >= PROGRESS_EVERY_SECONDS
        if due:
            self.say()

    def say(self) -> None:
        """Log how far the step is now (a :class:`Progress` line)."""
        if self._on_progress is None:
            return
        self._said_at = time.monotonic()
        calls = (self._client.calls_made - self._calls_at_start) if self._client else 0
        quota = self._client.quota_remaining if self._client else None
        self._on_progress(Progress(self.step, self._done, self._total, calls, quota).line())

    def charge(self, slug: str, work: Callable[[], T], entities: int = 1) -> T:
        """Run ``work`` (fetching ``entities``) in this thread and charge ``slug`` with exactly its calls."""
        assert self._client is not None, "a step without a client spends no calls"
        client = self._client
        sent, billed = client.calls_made_in_this_thread, client.calls_billed_in_this_thread
        try:
            return work()
        finally:
            with self._lock:
                self.by_chart[slug].api_calls += client.calls_made_in_this_thread - sent
                self.by_chart[slug].billed_calls += client.calls_billed_in_this_thread - billed
            self.advance(entities)

    def update(self, slugs: Iterable[str], change: Callable[[StepReport], None]) -> None:
        """Apply ``change`` to the reports of ``slugs`` (the charts that have an entity), atomically."""
        with self._lock:
            for slug in slugs:
                change(self.by_chart[slug])

    def finish(self, warehouse: Warehouse, step: str, now: datetime) -> dict[str, StepReport]:
        """The reports, with the quota left; each chart's calls billed and sent are added to the spend ledger."""
        if self._client is not None:
            for report in self.by_chart.values():
                report.quota_remaining = self._client.quota_remaining
        billed = {slug: r.billed_calls for slug, r in self.by_chart.items()}
        warehouse.record_spend(step, billed, now, {slug: r.api_calls for slug, r in self.by_chart.items()})
        self.say()
        return self.by_chart


def total(reports: Mapping[str, StepReport]) -> StepReport:
    """The step as a whole: calls add up; entity counts don't (a shared song counts in each chart)."""
    return StepReport(
        rows_written=sum(r.rows_written for r in reports.values()),
        fetched=sum(r.fetched for r in reports.values()),
        api_calls=sum(r.api_calls for r in reports.values()),
        billed_calls=sum(r.billed_calls for r in reports.values()),
        quota_remaining=min(
            (r.quota_remaining for r in reports.values() if r.quota_remaining is not None), default=None
        ),
    )

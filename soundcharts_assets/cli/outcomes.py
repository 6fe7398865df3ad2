"""What a cascade run did for each of its charts, read from the run's event log once it has ended.

Each chart gets its JSON answer (``success``, ``message``, ``run_id``, ``tracks_count``) and, when it failed,
one line for stderr naming the cause in the user's words and the run to open in the Dagster UI. The cause is
the failure the steps wrote (``defs/conventions.py``, ``defs/publish.py``): the chart's own (an unknown chart,
no edition on that date), else the failure that stopped a step for every chart (credentials, quota, an
unreachable API or warehouse). A failure that is none of ours is a bug: its traceback comes with the line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from soundcharts_assets.defs.names import FAILED_CHARTS_METADATA

INTERRUPTED = "interrupted before the end; what it stored is kept, and the same command fetches only the rest"
_INTERRUPTIONS = {"DagsterExecutionInterruptedError", "KeyboardInterrupt"}
RANKING_STEP = "chart_rankings"
"""The cascade's first step: the ranking rows it wrote are the chart's tracks that the run stored."""
_FAILURE_PREFIX = "dagster._core.definitions.events.Failure: "


@dataclass(frozen=True)
class ChartAnswer:
    """One chart's outcome: the JSON answer on stdout, and for a failure the line (and a bug's traceback)."""

    slug: str
    run_id: str
    success: bool
    tracks_count: int
    cause: str = ""
    traceback: str = ""
    queued: bool = False
    """Submitted for the daemon (no --wait): nothing is known yet, nothing is stored yet."""

    @property
    def message(self) -> str:
        if self.queued:
            return f"cascade for {self.slug} submitted; the dagster-daemon runs queued runs (make dev starts one)"
        if self.success:
            return f"cascade for {self.slug} succeeded"
        return f"cascade for {self.slug} failed: {self.cause}"

    def as_json(self) -> str:
        return json.dumps(
            {"success": self.success, "message": self.message, "run_id": self.run_id, "tracks_count": self.tracks_count}
        )

    def error_line(self) -> str:
        above = "; the traceback is above" if self.traceback else ""
        return f"error: {self.slug}: {self.cause}{above}; run {self.run_id[:8]} in the Dagster UI"


@dataclass(frozen=True)
class StepFailure:
    step: str
    cause: str
    traceback: str = ""


@dataclass(frozen=True)
class RunReport:
    """A run of adjacent charts: whether it succeeded, and each chart's answer in the order asked."""

    run_id: str
    success: bool
    answers: list[ChartAnswer]

    @property
    def failure(self) -> str:
        """The first failed chart's cause ("" when none failed)."""
        return next((answer.cause for answer in self.answers if not answer.success), "")


class _RunEvents:
    """The facts of a run's event log that decide its charts' answers."""

    def __init__(self, entries: Iterable[Any]) -> None:
        self.planned: set[str] = set()
        self.materialized: dict[str, set[str]] = {}
        self.tracks: dict[str, int] = {}
        self.own: dict[str, StepFailure] = {}
        self.steps: list[StepFailure] = []
        self.run_failure = ""
        for entry in entries:
            if entry.dagster_event is not None:
                self._take(entry.step_key or "", entry.dagster_event)

    def _take(self, step: str, event: Any) -> None:
        kind = event.event_type_value
        if kind == "ASSET_MATERIALIZATION_PLANNED":
            self.planned.add(event.asset_key.to_user_string())
        elif event.is_step_materialization:
            self._materialized(event.step_materialization_data.materialization)
        elif event.is_step_failure and event.step_failure_data is not None:
            self._failed(step, event.step_failure_data)
        elif kind == "PIPELINE_FAILURE":
            error = getattr(event.event_specific_data, "error", None)
            interrupted = error is not None and error.cls_name in _INTERRUPTIONS
            self.run_failure = INTERRUPTED if interrupted else (event.message or "").strip()

    def _materialized(self, materialization: Any) -> None:
        slug, asset = materialization.partition, materialization.asset_key.to_user_string()
        if slug is None:
            return
        self.materialized.setdefault(slug, set()).add(asset)
        if asset == RANKING_STEP:
            rows = materialization.metadata.get("rows_written")
            self.tracks[slug] = int(rows.value) if rows is not None else 0

    def _failed(self, step: str, data: Any) -> None:
        user = data.user_failure_data
        failed = user.metadata.get(FAILED_CHARTS_METADATA) if user is not None else None
        if failed is not None:
            for slug, cause in dict(failed.value).items():
                self.own.setdefault(slug, StepFailure(step, str(cause)))
            return
        self.steps.append(step_failure(step, data))


def step_failure(step: str, data: Any) -> StepFailure:
    """Our own failures are one worded line; anything else is a bug and brings its traceback."""
    user = data.user_failure_data
    if user is not None and user.description:
        return StepFailure(step, user.description.strip())
    error = data.error
    chain = [error]
    while chain[-1] is not None and len(chain) < 20:  # a Failure wrapped by a retry that gave up
        chain.append(chain[-1].cause or chain[-1].context)
    if any(link is not None and link.cls_name in _INTERRUPTIONS for link in chain):
        return StepFailure(step, INTERRUPTED)
    for link in chain:
        if link is not None and link.cls_name == "Failure":
            return StepFailure(step, link.message.strip().removeprefix(_FAILURE_PREFIX).splitlines()[0])
    if error is None:
        return StepFailure(step, f"{step} failed; its logs are in the Dagster UI")
    innermost = [link for link in chain if link is not None][-1]
    summary = (innermost.message.strip().splitlines() or [innermost.cls_name or "an error"])[0]
    return StepFailure(step, f"{step} failed on a bug ({summary})", error.to_string())


def chart_answers(run_id: str, success: bool, entries: Iterable[Any], charts: Sequence[str]) -> RunReport:
    """Each chart's answer from the run's event log ``entries``."""
    events = _RunEvents(entries)
    answers = []
    for slug in charts:
        done = success or (bool(events.planned) and events.planned <= events.materialized.get(slug, set()))
        failure = None if done else _why(slug, events)
        answers.append(
            ChartAnswer(
                slug,
                run_id,
                failure is None,
                events.tracks.get(slug, 0),
                failure.cause if failure else "",
                failure.traceback if failure else "",
            )
        )
    return RunReport(run_id, success, answers)


def _why(slug: str, events: _RunEvents) -> StepFailure:
    if slug in events.own:
        return events.own[slug]
    if events.steps:
        return events.steps[0]
    if events.own:
        step = next(iter(events.own.values())).step
        others = ", ".join(sorted(events.own))
        return StepFailure(
            step,
            f"not refreshed: {step} failed for {others} in the same run; "
            f"refresh this chart alone with `soundcharts-assets cascade {slug} --wait`",
        )
    return StepFailure("", events.run_failure.splitlines()[0] if events.run_failure else "the run failed")

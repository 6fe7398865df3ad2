"""What a cascade step did, and how many calls it spent: the figures a user sees as asset metadata."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from soundcharts_assets.soundcharts.client import SoundchartsClient


@dataclass
class StepReport:
    """What one cascade step did for one chart (or for a fleet, summed)."""

    rows_written: int = 0
    fetched: int = 0
    reused: int = 0
    not_found: int = 0
    not_in_plan: int = 0
    api_calls: int = 0
    quota_remaining: int | None = None
    ranking_date: datetime | None = None
    gaps: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Things the step wants a user to know once (e.g. a plan-gated endpoint it fell back from)."""


class CallMeter:
    """Counts the calls a step spends, from the client's own counter (every page and retry included)."""

    def __init__(self, client: SoundchartsClient) -> None:
        self._client = client
        self._start = client.calls_made

    @property
    def spent(self) -> int:
        return self._client.calls_made - self._start

    def finish(self, report: StepReport) -> StepReport:
        report.api_calls = self.spent
        report.quota_remaining = self._client.quota_remaining
        return report

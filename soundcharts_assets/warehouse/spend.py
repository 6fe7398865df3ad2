"""The API spend ledger (``api_spend``): what the project spent of its quota, per UTC hour, chart and step.

Each row holds the calls billed (2xx answers, what the quota is charged) and the calls sent (every request,
what the rate limit sees), so `status` shows both figures and they agree with the runs' metadata.

Soundcharts bills every call against a monthly quota. The account's own figure (``/team/usage``) counts every
client of the account; this ledger counts ours, so `status` can show what each chart costs and the monthly
budget can stop the project before it overspends, each with one query.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from soundcharts_assets.warehouse.schema import api_spend
from soundcharts_assets.warehouse.store import Store

UNOWNED = "*"
"""The chart of calls no single chart owns (the editions sensor's poll of every chart)."""


@dataclass(frozen=True)
class Calls:
    """Calls sent (every request, retries and failures included) and, of those, calls billed (2xx answers)."""

    sent: int = 0
    billed: int = 0


class SpendStore(Store):
    """Add calls to the ledger and sum them."""

    def record_spend(
        self,
        step: str,
        calls_by_chart: Mapping[str, int],
        at: datetime,
        sent_by_chart: Mapping[str, int] | None = None,
    ) -> None:
        """Add each chart's calls billed of ``step`` (and its calls sent: ``sent_by_chart``, the billed ones when
        not given) to the hour of ``at`` (UTC); charts that sent nothing are skipped."""
        hour = _start_of_hour(at)
        sent = sent_by_chart if sent_by_chart is not None else calls_by_chart
        rows = [
            {
                "hour": hour,
                "chart_slug": slug,
                "step": step,
                "calls": calls_by_chart.get(slug, 0),
                "calls_sent": max(sent.get(slug, 0), calls_by_chart.get(slug, 0)),
                "updated_at": at,
            }
            for slug in sorted(set(calls_by_chart) | set(sent))
            if calls_by_chart.get(slug, 0) > 0 or sent.get(slug, 0) > 0
        ]
        if not rows:
            return

        def work(conn: sa.Connection) -> None:
            insert = (sqlite.insert if conn.dialect.name == "sqlite" else postgresql.insert)(api_spend)
            stmt = insert.on_conflict_do_update(
                index_elements=["hour", "chart_slug", "step"],
                set_={
                    "calls": api_spend.c.calls + insert.excluded.calls,
                    "calls_sent": api_spend.c.calls_sent + insert.excluded.calls_sent,
                    "updated_at": insert.excluded.updated_at,
                },
            )
            conn.execute(stmt, rows)

        self._write(work)

    def spend_by_chart(self, since: date | datetime, until: date | datetime | None = None) -> dict[str, int]:
        """Calls billed per chart from ``since`` to ``until``: hours that start in that span (a date is a whole
        UTC day, both ends included; no ``until`` means up to now)."""
        return {slug: calls.billed for slug, calls in self.calls_by_chart(since, until).items()}

    def calls_by_chart(self, since: date | datetime, until: date | datetime | None = None) -> dict[str, Calls]:
        """Calls sent and billed per chart over the span of :meth:`spend_by_chart`."""
        c = api_spend.c
        stmt = (
            sa.select(c.chart_slug, sa.func.sum(c.calls_sent), sa.func.sum(c.calls))
            .where(c.hour >= _start(since))
            .group_by(c.chart_slug)
        )
        if until is not None:
            end = _start(until) + timedelta(days=1) if not isinstance(until, datetime) else until
            stmt = stmt.where(c.hour < end)
        with self._read() as conn:
            return {slug: Calls(int(sent), int(billed)) for slug, sent, billed in conn.execute(stmt)}

    def spend_total(self, since: date | datetime, until: date | datetime | None = None) -> int:
        """Every call billed from ``since`` to ``until`` (both included)."""
        return sum(self.spend_by_chart(since, until).values())


def _start_of_hour(at: datetime) -> datetime:
    return at.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)


def _start(when: date | datetime) -> datetime:
    """A date is its UTC midnight; a datetime counts from the hour it falls in."""
    if isinstance(when, datetime):
        return _start_of_hour(when)
    return datetime.combine(when, time(0), tzinfo=timezone.utc)

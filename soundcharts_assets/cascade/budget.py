"""The monthly budget (``SOUNDCHARTS_MONTHLY_BUDGET``): what the project may spend in a calendar month.

The ledger (``api_spend``) says what was spent since the first of the month (by :func:`utc_now`, so a
simulated month follows ``SOUNDCHARTS_TODAY``); the cost model says what the next refresh needs. A refresh
that would pass the budget does not start: schedules and sensors skip with a reason naming the figures, and a
manual cascade refuses in one line. A budget smaller than one refresh of the followed charts is bad input.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from soundcharts_assets.cascade.cost import estimate_calls, stored_states
from soundcharts_assets.settings import FreshnessSettings
from soundcharts_assets.warehouse import Warehouse


class BudgetExceededError(Exception):
    """A refresh would pass the monthly budget, or the budget cannot pay for one refresh; one line."""


def month_start(now: datetime) -> date:
    return now.date().replace(day=1)


def next_month(now: datetime) -> date:
    first = month_start(now)
    return first.replace(year=first.year + 1, month=1) if first.month == 12 else first.replace(month=first.month + 1)


@dataclass(frozen=True)
class BudgetCheck:
    budget: int
    spent: int
    needed: int
    since: date
    until: date

    @property
    def too_small(self) -> bool:
        return self.budget < self.needed

    @property
    def allowed(self) -> bool:
        return self.spent + self.needed <= self.budget

    def message(self, what: str) -> str:
        if self.too_small:
            return (
                f"SOUNDCHARTS_MONTHLY_BUDGET={self.budget} is smaller than one refresh of {what} needs "
                f"(about {self.needed:,} calls); raise it to at least {self.needed} or follow fewer charts"
            )
        return (
            f"monthly budget reached: {self.spent:,} of SOUNDCHARTS_MONTHLY_BUDGET={self.budget:,} calls spent "
            f"since {self.since.isoformat()}, and {what} needs about {self.needed:,} more; raise the budget or "
            f"wait until {self.until.isoformat()}"
        )


def refresh_needs(warehouse: Warehouse, slugs: Iterable[str], freshness: FreshnessSettings, now: datetime) -> int:
    """What refreshing ``slugs`` together now would cost by the cost model: a song or artist the charts share
    is counted once, as a fleet run fetches it once."""
    states = stored_states(warehouse, list(slugs), freshness, now)
    return sum(sum(estimate_calls(state).values()) for state in states.values())


def check_budget(warehouse: Warehouse, budget: int, needed: int, now: datetime) -> BudgetCheck:
    since = month_start(now)
    return BudgetCheck(budget, warehouse.spend_total(since), needed, since, next_month(now))


def require_budget(
    warehouse: Warehouse,
    budget: int | None,
    slugs: list[str],
    freshness: FreshnessSettings,
    now: datetime,
    extra_calls: int = 0,
) -> BudgetCheck | None:
    """Raise :class:`BudgetExceededError` when refreshing ``slugs`` (plus ``extra_calls``, e.g. the editions
    sensor's polls) would pass ``budget`` (None: no cap)."""
    if budget is None:
        return None
    what = f"{len(slugs)} charts" if len(slugs) != 1 else slugs[0]
    needed = refresh_needs(warehouse, slugs, freshness, now) + extra_calls
    check = check_budget(warehouse, budget, needed, now)
    if check.too_small or not check.allowed:
        raise BudgetExceededError(check.message(what))
    return check

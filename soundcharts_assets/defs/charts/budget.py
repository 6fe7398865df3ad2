"""The monthly budget at the automation's door: a schedule or sensor tick that would pass it skips."""

from __future__ import annotations

import dagster as dg

from soundcharts_assets.cascade.budget import BudgetExceededError, require_budget
from soundcharts_assets.clock import utc_now
from soundcharts_assets.settings import budget_from_env, freshness_from_env
from soundcharts_assets.warehouse import Warehouse


def over_budget(warehouse: Warehouse, slugs: list[str], extra_calls: int = 0) -> dg.SkipReason | None:
    """A ``SkipReason`` naming the month's spend, the budget and what the refresh needs; None within budget.

    ``extra_calls`` are spent before any refresh (the editions sensor's polls)."""
    budget = budget_from_env().monthly_budget
    if budget is None:
        return None
    try:
        require_budget(warehouse, budget, slugs, freshness_from_env(), utc_now(), extra_calls)
    except BudgetExceededError as error:
        return dg.SkipReason(str(error))
    return None

"""`soundcharts-assets budget`: what the followed charts will cost per day and per month, beside the quota.

The forecast (``cascade/forecast.py``) counts each song and artist once however many charts share it, follows
each chart's sync schedule and each series' crawl cadence, and leaves out what costs nothing (404s, 403s).
Beside it: the account's quota and month-to-date use from ``/team/usage`` (a free call), the project's own
spend this month from the ledger, and ``SOUNDCHARTS_MONTHLY_BUDGET``.
"""

from __future__ import annotations

import calendar
import json
from typing import Any

import click

from soundcharts_assets.cli.errors import UserError, one_line_errors
from soundcharts_assets.cli.figures import CALLS_BILLED, account_line, account_usage, plural, shown


# Long on purpose: one printed report, line after line, in the order a user reads it.
def budget_report() -> dict[str, Any]:
    """The forecast and the figures beside it, as printed by ``budget --json``."""
    from soundcharts_assets.cascade.budget import check_budget, month_start, refresh_needs
    from soundcharts_assets.cascade.forecast import fleet_state, forecast_daily
    from soundcharts_assets.cli.registry import open_warehouse, registered_slugs
    from soundcharts_assets.clock import utc_now
    from soundcharts_assets.settings import automation_settings_from_env, budget_from_env, freshness_from_env

    freshness, budget = freshness_from_env(), budget_from_env().monthly_budget
    interval = automation_settings_from_env().editions_sensor_interval_seconds
    slugs = registered_slugs()
    if not slugs:
        raise UserError("no chart is followed; add some with `soundcharts-assets charts add SLUG`")
    now = utc_now()
    days = calendar.monthrange(now.year, now.month)[1]
    with open_warehouse() as wh:
        schedules = {row.slug: str(row.sync_schedule) for row in wh.list_charts() if row.slug in set(slugs)}
        daily = forecast_daily(fleet_state(wh, schedules), freshness, interval)
        spent = wh.spend_total(month_start(now))
        next_refresh = refresh_needs(wh, slugs, freshness, now)  # what is fresh or not due now costs nothing
        check = check_budget(wh, budget, next_refresh, now) if budget else None
        unfetched = [slug for slug in slugs if wh.latest_ranking_date(slug) is None]
    if check is not None and check.too_small:
        raise UserError(check.message(f"the {len(slugs)} followed charts"))
    account = account_usage()
    per_day = round(sum(daily.values()))
    return {
        "charts": len(slugs),
        "schedules": {s: sum(1 for v in schedules.values() if v == s) for s in sorted(set(schedules.values()))},
        "current_stats": freshness.current_stats,
        "calls_per_day": daily,
        "total_per_day": per_day,
        "days_in_month": days,
        "total_per_month": per_day * days,
        "next_refresh_calls": next_refresh,
        "charts_not_fetched_yet": unfetched,
        "project_spent_this_month": spent,
        "monthly_budget": budget,
        "account": account,
    }


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the forecast as JSON.")
@one_line_errors
def budget(as_json: bool) -> None:
    """Forecast calls per day and per month for the followed charts, beside the account's quota."""
    report = budget_report()
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    schedules = ", ".join(f"{count} {schedule}" for schedule, count in report["schedules"].items())
    click.echo(
        f"{plural(report['charts'], 'followed chart')} (schedule: {schedules}); "
        f"current stats: {'on' if report['current_stats'] else 'off'}"
    )
    click.echo(f"{CALLS_BILLED + ' forecast':<28}{'per day':>12}{'per month':>14}")
    for line, calls in sorted(report["calls_per_day"].items()):
        click.echo(f"{line:<28}{shown(calls, 1):>12}{shown(calls * report['days_in_month']):>14}")
    click.echo(f"{'total':<28}{shown(report['total_per_day']):>12}{shown(report['total_per_month']):>14}")
    click.echo(f"a refresh of every followed chart now: about {shown(report['next_refresh_calls'])} {CALLS_BILLED}")
    if unfetched := report["charts_not_fetched_yet"]:
        click.echo(
            f"not in the forecast yet: {plural(len(unfetched), 'chart')} never fetched ({', '.join(unfetched[:5])}"
            f"{', ...' if len(unfetched) > 5 else ''}): their songs and artists are known after a first refresh "
            "(its cost is in the line above and in `cascade --all --dry-run`)"
        )
    click.echo(f"account: {account_line(report['account'])}")
    budget_line = shown(report["monthly_budget"]) if report["monthly_budget"] else "not set"
    click.echo(
        f"this project, this month: {shown(report['project_spent_this_month'])} {CALLS_BILLED} "
        f"(the api_spend ledger); monthly budget: {budget_line}"
    )

"""`soundcharts-assets cascade SLUG... | --all`: refresh charts now, or queue them for the daemon.

Each chart gets the JSON answer of the old "Trigger Cascade" button (``success``, ``message``, ``run_id``,
``tracks_count``), one line per chart; several charts add a summary line.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

import click

from soundcharts_assets.cli.errors import UserError, one_line_errors
from soundcharts_assets.cli.options import parse_date, slugs_argument


@click.command()
@click.argument("slugs", nargs=-1, callback=slugs_argument)
@click.option("--all", "all_charts", is_flag=True, help="Every registered chart.")
@click.option("--wait", is_flag=True, help="Run now in this process and report the outcome.")
@click.option("--date", "ranking_date", default=None, help="Chart edition (YYYY-MM-DD); latest when omitted.")
@click.option("--dry-run", is_flag=True, help="Only estimate the API calls the cascade would spend now.")
@click.option("--json", "as_json", is_flag=True, help="With --dry-run: a JSON line per chart instead of the table.")
@one_line_errors
def cascade(
    slugs: tuple[str, ...], all_charts: bool, wait: bool, ranking_date: str | None, dry_run: bool, as_json: bool
) -> None:
    """Run the whole cascade for charts, like the old "Trigger Cascade Data Fetch" button."""
    from soundcharts_assets.cli.registry import registered_slugs, require_registered

    wanted = _wanted_charts(slugs, all_charts, registered_slugs)
    require_registered(wanted)
    if dry_run:
        from soundcharts_assets.cli.estimate import print_estimates

        print_estimates(wanted, as_json)
        return
    _within_monthly_budget(wanted)
    outcomes = _refresh(wanted, parse_date(ranking_date), wait)
    for outcome in outcomes:
        click.echo(outcome.as_json())
    if len(outcomes) > 1:
        succeeded = sum(outcome.success for outcome in outcomes)
        click.echo(
            json.dumps(
                {
                    "charts": len(outcomes),
                    "succeeded": succeeded,
                    "failed": len(outcomes) - succeeded,
                    "run_ids": sorted({outcome.run_id for outcome in outcomes}),
                }
            )
        )
    if not all(outcome.success for outcome in outcomes):
        sys.exit(1)


def _within_monthly_budget(slugs: list[str]) -> None:
    """Refuse in one line when the refresh would pass ``SOUNDCHARTS_MONTHLY_BUDGET`` (no cap when unset)."""
    from soundcharts_assets.cascade.budget import BudgetExceededError, require_budget
    from soundcharts_assets.cli.registry import open_warehouse
    from soundcharts_assets.clock import utc_now
    from soundcharts_assets.settings import budget_from_env, freshness_from_env

    budget = budget_from_env().monthly_budget
    if budget is None:
        return
    with open_warehouse() as warehouse:
        try:
            require_budget(warehouse, budget, slugs, freshness_from_env(), utc_now())
        except BudgetExceededError as error:
            raise UserError(str(error)) from None


def _wanted_charts(slugs: tuple[str, ...], all_charts: bool, registered: Callable[[], list[str]]) -> list[str]:
    if all_charts and slugs:
        raise UserError("name charts or use --all, not both")
    if all_charts:
        wanted = registered()
        if not wanted:
            raise UserError("--all: no chart is registered; add some with `soundcharts-assets charts add SLUG`")
        return wanted
    if not slugs:
        raise UserError("name at least one chart slug, or use --all")
    return list(dict.fromkeys(slugs))


def _refresh(slugs: list[str], at, wait: bool):  # type: ignore[no-untyped-def]
    """One run per block of adjacent charts; every chart answers with its block's run."""
    from soundcharts_assets.cli.launch import LaunchOutcome, launch_cascade, run_cascade
    from soundcharts_assets.cli.registry import registered_slugs, stored_tracks_count
    from soundcharts_assets.defs.partition_ranges import range_blocks

    outcomes = {}
    for block in range_blocks(registered_slugs(), slugs):
        if wait:
            success, run_id, failure = run_cascade(block, at)
        else:
            run_id, success, failure = launch_cascade(block, at), True, ""
        for slug in block:
            if not wait:
                message = f"cascade for {slug} submitted; the dagster-daemon runs queued runs (make dev starts one)"
            elif success:
                message = f"cascade for {slug} succeeded"
            else:
                message = f"cascade for {slug} failed: {failure}"
            outcomes[slug] = LaunchOutcome(success, message, run_id, stored_tracks_count(slug))
    return [outcomes[slug] for slug in slugs]

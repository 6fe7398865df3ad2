"""`soundcharts-assets cascade SLUG... | --all`: refresh charts now, or queue them for the daemon.

Each chart gets one JSON answer on stdout (``success``, ``message``, ``run_id``, ``tracks_count``); several
charts add a summary line. A chart that failed also gets one line on stderr naming the cause and the run to
open in the Dagster UI. Exit codes: 0 every chart succeeded, 1 one failed (or the refresh could not start),
2 bad usage (``cli/errors.py``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import click

from soundcharts_assets.cli.errors import EXIT_FAILED, UsageError, UserError, one_line_errors
from soundcharts_assets.cli.options import edition_date_option, slugs_argument

if TYPE_CHECKING:
    from soundcharts_assets.cli.outcomes import ChartAnswer

HELP = """Fetch charts and everything they lead to: the ranking, its tracks and artists, their metadata,
their audiences, and the insight (movers, artist growth, track momentum).

Name followed charts (see `soundcharts-assets charts list`) or use --all. Without --wait the runs are queued
for the Dagster daemon (`make dev` starts one); with --wait they run here, with live progress on stderr.

Each chart gets one JSON line on stdout: {"success", "message", "run_id", "tracks_count"}, where
tracks_count is the chart's tracks that this run stored. A chart that failed also gets one line on stderr
saying why and which run to open in the Dagster UI.

Exit codes: 0 all charts succeeded, 1 a chart failed, 2 bad usage (a bad slug or date, a chart not followed).
"""


@click.command(help=HELP, short_help="Refresh charts: ranking, tracks, artists, audiences and insight.")
@click.argument("slugs", nargs=-1, callback=slugs_argument)
@click.option("--all", "all_charts", is_flag=True, help="Every followed chart, instead of naming them.")
@click.option(
    "--wait", is_flag=True, help="Run now in this process, show live progress, and report how each chart did."
)
@click.option(
    "--date",
    "ranking_date",
    default=None,
    callback=edition_date_option,
    metavar="YYYY-MM-DD",
    help="Fetch the chart's edition of that day instead of its latest.",
)
@click.option("--dry-run", is_flag=True, help="Spend nothing: only estimate the API calls the cascade would send now.")
@click.option("--json", "as_json", is_flag=True, help="With --dry-run: a JSON line per chart instead of the table.")
@one_line_errors
def cascade(
    slugs: tuple[str, ...], all_charts: bool, wait: bool, ranking_date: datetime | None, dry_run: bool, as_json: bool
) -> None:
    from soundcharts_assets.cli.registry import registered_slugs, require_registered

    wanted = _wanted_charts(slugs, all_charts, registered_slugs)
    require_registered(wanted)
    if dry_run:
        from soundcharts_assets.cli.estimate import print_estimates

        print_estimates(wanted, as_json)
        return
    _within_monthly_budget(wanted)
    if wait:
        _api_reachable_in_settings()
    answers = _refresh(wanted, ranking_date, wait)
    for answer in answers:
        click.echo(answer.as_json())
    if len(answers) > 1:
        succeeded = sum(answer.success for answer in answers)
        click.echo(
            json.dumps(
                {
                    "charts": len(answers),
                    "succeeded": succeeded,
                    "failed": len(answers) - succeeded,
                    "run_ids": sorted({answer.run_id for answer in answers}),
                }
            )
        )
    failed = [answer for answer in answers if not answer.success]
    for traceback in dict.fromkeys(answer.traceback for answer in failed if answer.traceback):
        click.echo(traceback.rstrip(), err=True)  # a bug: its traceback, as Python would show it
    for answer in failed:
        click.echo(answer.error_line(), err=True)
    if failed:
        sys.exit(EXIT_FAILED)


def _api_reachable_in_settings() -> None:
    """Read the API settings before starting a run: a bad value, or the recorded emulator of a `make demo` that
    has ended, is one line now rather than a run whose every step fails on it."""
    from soundcharts_assets.settings import api_settings_from_env

    api_settings_from_env()


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
        raise UsageError("name charts or use --all, not both")
    if all_charts:
        wanted = registered()
        if not wanted:
            raise UserError("--all: no chart is registered; add some with `soundcharts-assets charts add SLUG`")
        return wanted
    if not slugs:
        raise UsageError("name at least one chart slug, or use --all")
    return list(dict.fromkeys(slugs))


def _refresh(slugs: list[str], at: datetime | None, wait: bool) -> list[ChartAnswer]:
    """One run per block of adjacent charts; every chart answers with its block's run."""
    from soundcharts_assets.cli.launch import execute_cascade, launch_cascade
    from soundcharts_assets.cli.outcomes import ChartAnswer
    from soundcharts_assets.cli.registry import registered_slugs
    from soundcharts_assets.defs.partition_ranges import range_blocks

    answers: dict[str, ChartAnswer] = {}
    for block in range_blocks(registered_slugs(), slugs):
        if wait:
            answers.update({answer.slug: answer for answer in execute_cascade(block, at).answers})
        else:
            run_id = launch_cascade(block, at)
            answers.update({slug: ChartAnswer(slug, run_id, True, 0, queued=True) for slug in block})
    return [answers[slug] for slug in slugs]

"""`soundcharts-assets charts ...`: find, follow, list and stop following charts (the `charts` partitions)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from soundcharts_assets.cli.errors import UsageError, one_line_errors
from soundcharts_assets.cli.options import slug_argument, slugs_argument
from soundcharts_assets.cli.wording import day, plural
from soundcharts_assets.vocabulary import SYNC_SCHEDULES

if TYPE_CHECKING:
    from soundcharts_assets.cli.registry import Registration
    from soundcharts_assets.warehouse import ChartRow


@click.group()
def charts() -> None:
    """Choose the charts to follow: each one is a partition of every asset.

    \b
    soundcharts-assets charts discover --platform spotify --country FR   what the API offers
    soundcharts-assets charts add global-28 --schedule daily            follow a chart (1 call to check it)
    soundcharts-assets charts list                                      what is followed
    soundcharts-assets charts remove global-28                          stop (stored data stays)
    """


@charts.command("add")
@click.argument("slugs", nargs=-1, callback=slugs_argument)
@click.option(
    "--from-file",
    "from_file",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="A file of slugs, one per line; blank lines and # comments (whole or end of line) are skipped.",
)
@click.option(
    "--schedule",
    type=click.Choice(SYNC_SCHEDULES),
    default=None,
    help="How often the schedules refresh the chart (07:00 UTC). A new chart gets 'none' (the hourly editions "
    "sensor still fetches its new editions); a chart already followed keeps its own unless this is given.",
)
@one_line_errors
def charts_add(slugs: tuple[str, ...], from_file: str | None, schedule: str | None) -> None:
    """Follow charts by slug (e.g. global-28, top-200-fr; see `charts discover`).

    Each new slug is checked with the API first (1 call each, which also tells its name and platform); if one is
    unknown, none is added. A chart already followed costs no call and keeps its sync schedule unless --schedule
    is given.
    """
    from soundcharts_assets.cli.registry import read_slug_file, register_charts

    wanted = [*slugs, *(read_slug_file(from_file) if from_file else [])]
    if not wanted:
        raise UsageError("name at least one chart slug, or --from-file FILE (see `charts discover`)")
    for done in register_charts(wanted, schedule):
        click.echo(_registered_line(done))


def _registered_line(done: Registration) -> str:
    latest = day(done.latest, "none yet")
    if not done.already_followed:
        return f"registered {done.slug} (sync schedule: {done.schedule}; latest edition: {latest}){_about(done.chart)}"
    changed = done.previous_schedule != done.schedule
    change = f"{done.previous_schedule} -> {done.schedule}" if changed else f"{done.schedule}, kept"
    return f"already followed: {done.slug} (sync schedule: {change}; latest stored edition: {latest})"


def _about(chart: ChartRow | None) -> str:
    """`` - Top 200 France, spotify, daily, 200 entries``: what the check call said about a new chart."""
    if chart is None or not chart.name:
        return ""
    facts = [chart.platform, chart.frequency, chart.country_code]
    size = plural(chart.max_results, "entry", "entries") if chart.max_results else None
    return " - " + ", ".join(str(fact) for fact in [chart.name, *facts, size] if fact)


@charts.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@one_line_errors
def charts_list(as_json: bool) -> None:
    """The followed charts: sync schedule, platform, latest stored edition."""
    from soundcharts_assets.cli.registry import list_registered_charts

    followed = list_registered_charts()
    if as_json:
        click.echo(json.dumps([chart.as_json() for chart in followed]))
        return
    if not followed:
        click.echo("no chart followed yet: soundcharts-assets charts add SLUG (see `charts discover`)")
        return
    click.echo(f"{'SLUG':<32} {'SCHEDULE':<8} {'PLATFORM':<12} {'FREQ':<7} {'CC':<3} {'LATEST':<10} NAME")
    for chart in followed:
        row = chart.chart
        if row is None:
            click.echo(
                f"{chart.slug:<32} {'-':<8} {'-':<12} {'-':<7} {'-':<3} {'-':<10} (added in the UI, not checked yet)"
            )
            continue
        click.echo(
            f"{chart.slug:<32} {row.sync_schedule:<8} {row.platform or '-':<12} {row.frequency or '-':<7} "
            f"{row.country_code or '-':<3} {day(chart.latest_ranking_date):<10} {row.name or '-'}"
        )
    click.echo(plural(len(followed), "chart"))


@charts.command("remove")
@click.argument("slug", callback=slug_argument)
@one_line_errors
def charts_remove(slug: str) -> None:
    """Stop following a chart: no more runs, schedules or polls for it. Its stored rankings, songs and audiences
    stay in the warehouse."""
    from soundcharts_assets.cli.registry import unregister_chart

    if not unregister_chart(slug):
        raise UsageError(f"chart {slug!r} is not registered (see `soundcharts-assets charts list`)")
    click.echo(f"removed {slug} (stored rankings kept)")


@charts.command("discover")
@click.option("--platform", default=None, help="e.g. spotify, apple-music, shazam, airplay; every platform if omitted.")
@click.option("--country", "country", default=None, help="ISO country code, e.g. FR.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@one_line_errors
def charts_discover(platform: str | None, country: str | None, as_json: bool) -> None:
    """The song charts the API offers, with the slug to follow each by (1 call per 100 charts, plus 1 for the
    list of platforms when --platform is omitted)."""
    from soundcharts_assets.cli.registry import discover_charts

    found = discover_charts(platform, country.upper() if country else None)
    rows = [
        {
            "slug": c.slug,
            "name": c.name,
            "platform": c.platform,
            "frequency": c.frequency,
            "country": c.country_code or "-",
        }
        for c in found.charts
    ]
    if as_json:
        click.echo(json.dumps({"charts": rows, "api_calls": found.api_calls, "calls_sent": found.api_calls}))
        return
    click.echo(f"{'SLUG':<36} {'PLATFORM':<12} {'FREQ':<7} {'CC':<3} NAME")
    for row in rows:
        click.echo(
            f"{row['slug']:<36} {row['platform']:<12} {row['frequency'] or '-':<7} {row['country']:<3} {row['name']}"
        )
    click.echo(f"{plural(len(rows), 'chart')}; this listing: {plural(found.api_calls, 'call')} sent (1 per 100 charts)")

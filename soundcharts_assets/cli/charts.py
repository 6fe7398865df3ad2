"""`soundcharts-assets charts ...`: find, follow, list and stop following charts (the `charts` partitions)."""

from __future__ import annotations

import json

import click

from soundcharts_assets.cli.errors import UsageError, one_line_errors
from soundcharts_assets.cli.options import slug_argument, slugs_argument
from soundcharts_assets.vocabulary import SYNC_SCHEDULES


@click.group()
def charts() -> None:
    """Find, register, list and remove the charts (partitions) the cascade follows."""


@charts.command("add")
@click.argument("slugs", nargs=-1, callback=slugs_argument)
@click.option(
    "--from-file",
    "from_file",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="A file of slugs, one per line (blank lines and # comments are skipped).",
)
@click.option("--schedule", type=click.Choice(SYNC_SCHEDULES), default="none", show_default=True)
@one_line_errors
def charts_add(slugs: tuple[str, ...], from_file: str | None, schedule: str) -> None:
    """Register charts after checking with the API that each exists (1 call per chart); all or none."""
    from soundcharts_assets.cli.registry import read_slug_file, register_charts

    wanted = [*slugs, *(read_slug_file(from_file) if from_file else [])]
    if not wanted:
        raise UsageError("name at least one chart slug, or --from-file FILE (see `charts discover`)")
    for slug, latest in register_charts(wanted, schedule).items():
        shown = latest.date().isoformat() if latest else "none yet"
        click.echo(f"registered {slug} (sync schedule: {schedule}; latest edition: {shown})")


@charts.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@one_line_errors
def charts_list(as_json: bool) -> None:
    """The registered charts with their sync schedule and latest stored edition."""
    from soundcharts_assets.cli.registry import list_registered_charts

    rows = list_registered_charts()
    if as_json:
        click.echo(json.dumps(rows, default=str))
        return
    if not rows:
        click.echo("no chart registered: soundcharts-assets charts add SLUG")
    for row in rows:
        click.echo(
            f"{row['slug']:<32} {row['sync_schedule']:<7} {row['platform'] or '-':<12} "
            f"latest stored: {row['latest_ranking_date'] or '-'}"
        )


@charts.command("remove")
@click.argument("slug", callback=slug_argument)
@one_line_errors
def charts_remove(slug: str) -> None:
    """Stop following a chart; its stored history stays in the warehouse."""
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
    """List the song charts the API offers (1 call per 100 charts, plus 1 for the platforms)."""
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
        click.echo(json.dumps({"charts": rows, "api_calls": found.api_calls}))
        return
    click.echo(f"{'SLUG':<36} {'PLATFORM':<12} {'FREQ':<7} {'CC':<3} NAME")
    for row in rows:
        click.echo(
            f"{row['slug']:<36} {row['platform']:<12} {row['frequency'] or '-':<7} {row['country']:<3} {row['name']}"
        )
    click.echo(f"{len(rows)} charts; this listing cost {found.api_calls} API calls (1 per 100 charts)")

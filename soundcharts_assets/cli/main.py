"""`soundcharts-assets`: the command line users type.

Every error a user can cause is printed as one line (``error: ...``) with a non-zero exit, never a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any

import click

from soundcharts_assets.emulator.cli import main as emulator_command
from soundcharts_assets.vocabulary import (
    SYNC_SCHEDULES,
    InvalidChartSlugError,
    parse_edition_date,
    validate_chart_slug,
)
from soundcharts_assets.settings import SettingsError


def _user_errors() -> tuple[type[BaseException], ...]:
    from soundcharts_assets.soundcharts.errors import SoundchartsError
    from soundcharts_assets.warehouse import WarehouseError

    return (SoundchartsError, WarehouseError, SettingsError, InvalidChartSlugError, RuntimeError)


def one_line_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Print our own errors as one actionable line and exit 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except _user_errors() as error:
            click.echo(f"error: {str(error).splitlines()[0] if str(error) else type(error).__name__}", err=True)
            sys.exit(1)

    return wrapper


def _slug_argument(value: str) -> str:
    try:
        return validate_chart_slug(value)
    except InvalidChartSlugError as error:
        raise click.BadParameter(str(error)) from None


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parse_edition_date(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@click.group()
def main() -> None:
    """Soundcharts charts as a partitioned Dagster asset graph."""


# ---------------------------------------------------------------- emulator
# `soundcharts-assets emulator --host --port --latency-ms --rate-limit-per-minute --fault-rate --quota --seed`
main.add_command(emulator_command, name="emulator")


# ---------------------------------------------------------------- charts
@main.group()
def charts() -> None:
    """Register, list and remove the charts (partitions) the cascade follows."""


@charts.command("add")
@click.argument("slug", callback=lambda _c, _p, v: _slug_argument(v))
@click.option("--schedule", type=click.Choice(SYNC_SCHEDULES), default="none", show_default=True)
@one_line_errors
def charts_add(slug: str, schedule: str) -> None:
    """Register a chart after checking with the API that it exists (1 call)."""
    from soundcharts_assets.cli.registry import register_chart

    latest = register_chart(slug, schedule)
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
        click.echo(f"{row['slug']:<32} {row['sync_schedule']:<7} {row['platform'] or '-':<12} "
                   f"latest stored: {row['latest_ranking_date'] or '-'}")


@charts.command("remove")
@click.argument("slug", callback=lambda _c, _p, v: _slug_argument(v))
@one_line_errors
def charts_remove(slug: str) -> None:
    """Stop following a chart; its stored history stays in the warehouse."""
    from soundcharts_assets.cli.registry import unregister_chart

    if not unregister_chart(slug):
        raise RuntimeError(f"chart {slug!r} is not registered (see `soundcharts-assets charts list`)")
    click.echo(f"removed {slug} (stored rankings kept)")


# ---------------------------------------------------------------- cascade
@main.command()
@click.argument("slug", callback=lambda _c, _p, v: _slug_argument(v))
@click.option("--wait", is_flag=True, help="Run now in this process and report the outcome.")
@click.option("--date", "ranking_date", default=None, help="Chart edition (YYYY-MM-DD); latest when omitted.")
@click.option("--dry-run", is_flag=True, help="Only estimate the API calls the cascade would spend now.")
@one_line_errors
def cascade(slug: str, wait: bool, ranking_date: str | None, dry_run: bool) -> None:
    """Run the whole cascade for one chart, like the old "Trigger Cascade Data Fetch" button."""
    from soundcharts_assets.cli.registry import require_registered, stored_tracks_count

    require_registered(slug)
    if dry_run:
        from soundcharts_assets.cascade.cost import estimate_for_cli

        click.echo(json.dumps(estimate_for_cli(slug), indent=2))
        return
    from soundcharts_assets.cli.launch import LaunchOutcome, launch_cascade, run_cascade

    at = _parse_date(ranking_date)
    if wait:
        success, run_id, failure = run_cascade(slug, at)
        message = f"cascade for {slug} succeeded" if success else f"cascade for {slug} failed: {failure}"
    else:
        run_id, success = launch_cascade(slug, at), True
        message = f"cascade for {slug} submitted; the dagster-daemon runs queued runs (make dev starts one)"
    outcome = LaunchOutcome(success, message, run_id, stored_tracks_count(slug))
    click.echo(outcome.as_json())
    if not success:
        sys.exit(1)


# ---------------------------------------------------------------- demo and dev
@main.command()
@click.option("--chart", "slug", default="global-28", show_default=True)
@one_line_errors
def demo(slug: str) -> None:
    """Start the emulator, register a chart, run its full cascade on SQLite and print what was stored."""
    from soundcharts_assets.cli.demo import run_demo

    sys.exit(0 if run_demo(validate_chart_slug(slug), echo=click.echo) else 1)


@main.command()
@click.option("--port", default=3000, show_default=True, type=int, help="Port of the Dagster UI.")
@one_line_errors
def dev(port: int) -> None:
    """The Dagster UI and daemon on 127.0.0.1, against the emulator unless real credentials are set."""
    from soundcharts_assets.cli.demo import run_dev

    sys.exit(run_dev(port, echo=click.echo))



# ---------------------------------------------------------------- insight and exports
def _open_warehouse():
    from soundcharts_assets.warehouse import Warehouse

    warehouse = Warehouse.from_env()
    warehouse.migrate()  # a fresh data directory answers "unknown chart", not "no such table"
    return warehouse


@main.command()
@click.argument("slug", callback=lambda _c, _p, v: _slug_argument(v))
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Folder for report.html and its PNGs; default SOUNDCHARTS_DATA_DIR/reports/SLUG.")
@one_line_errors
def report(slug: str, out_dir: str | None) -> None:
    """Write a self-contained HTML report of a chart (movers, artist growth, momentum) from the warehouse."""
    from pathlib import Path

    from soundcharts_assets.insight.report import write_report
    from soundcharts_assets.settings import data_dir_from_env

    folder = Path(out_dir) if out_dir else data_dir_from_env() / "reports" / slug
    warehouse = _open_warehouse()
    try:
        click.echo(f"wrote {write_report(warehouse, slug, folder)}")
    finally:
        warehouse.dispose()


@main.command()
@click.argument("slug", callback=lambda _c, _p, v: _slug_argument(v))
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True)
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Folder for the files; default SOUNDCHARTS_DATA_DIR/exports/SLUG.")
@one_line_errors
def export(slug: str, fmt: str, out_dir: str | None) -> None:
    """Export a chart's ranking (with tracks and artists), tracks, artists and audiences as files."""
    from pathlib import Path

    from soundcharts_assets.cli.export import export_chart
    from soundcharts_assets.settings import data_dir_from_env

    folder = Path(out_dir) if out_dir else data_dir_from_env() / "exports" / slug
    warehouse = _open_warehouse()
    try:
        for path in export_chart(warehouse, slug, fmt, folder):
            click.echo(f"wrote {path}")
    finally:
        warehouse.dispose()

if __name__ == "__main__":
    main()

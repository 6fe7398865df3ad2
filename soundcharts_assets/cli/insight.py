"""`report` and `export`: a chart's insight as HTML, and its tables as files, straight from the warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from soundcharts_assets.cli.errors import UsageError, one_line_errors
from soundcharts_assets.cli.options import slug_argument


def _folder(out_dir: str | None, kind: str, slug: str) -> Path:
    from soundcharts_assets.settings import data_dir_from_env

    return Path(out_dir) if out_dir else data_dir_from_env() / kind / slug


@contextmanager
def followed_chart() -> Iterator[None]:
    """A slug with nothing stored at all was never followed: bad usage (exit 2), not a failure."""
    from soundcharts_assets.insight.errors import ChartNotFollowedError

    try:
        yield
    except ChartNotFollowedError as error:
        raise UsageError(str(error)) from None


@click.command()
@click.argument("slug", callback=slug_argument)
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder for report.html and its PNGs; default SOUNDCHARTS_DATA_DIR/reports/SLUG.",
)
@one_line_errors
def report(slug: str, out_dir: str | None) -> None:
    """Write a self-contained HTML report of a chart (movers, artist growth, momentum) from the warehouse."""
    from soundcharts_assets.cli.registry import open_warehouse
    from soundcharts_assets.insight.report import write_report

    with open_warehouse() as warehouse, followed_chart():
        click.echo(f"wrote {write_report(warehouse, slug, _folder(out_dir, 'reports', slug))}")


@click.command()
@click.argument("slug", callback=slug_argument)
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True)
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder for the files; default SOUNDCHARTS_DATA_DIR/exports/SLUG.",
)
@one_line_errors
def export(slug: str, fmt: str, out_dir: str | None) -> None:
    """Export a chart's ranking (with tracks and artists), tracks, artists and audiences as files."""
    from soundcharts_assets.cli.export import export_chart
    from soundcharts_assets.cli.registry import open_warehouse

    with open_warehouse() as warehouse, followed_chart():
        for path in export_chart(warehouse, slug, fmt, _folder(out_dir, "exports", slug)):
            click.echo(f"wrote {path}")

"""`soundcharts-assets`: the command line users type; each command group lives in a module of its own.

Every error a user can cause is printed as one line (``error: ...``) with a non-zero exit, never a traceback
(``cli/errors.py``); a bug keeps its traceback.
"""

from __future__ import annotations

import sys

import click

from soundcharts_assets.cli.alerts import alerts
from soundcharts_assets.cli.budget import budget
from soundcharts_assets.cli.cascade import cascade
from soundcharts_assets.cli.charts import charts
from soundcharts_assets.cli.errors import one_line_errors
from soundcharts_assets.cli.insight import export, report
from soundcharts_assets.cli.options import slug_argument
from soundcharts_assets.cli.status import status
from soundcharts_assets.cli.watch import watch
from soundcharts_assets.emulator.cli import main as emulator_command


@click.group()
def main() -> None:
    """Soundcharts charts as a partitioned Dagster asset graph."""


@click.command()
@click.option("--chart", "slug", default="global-28", show_default=True, callback=slug_argument)
@one_line_errors
def demo(slug: str) -> None:
    """Start the emulator, register a chart, run its full cascade on SQLite and print what was stored."""
    from soundcharts_assets.cli.demo import run_demo

    sys.exit(0 if run_demo(slug, echo=click.echo) else 1)


@click.command()
@click.option("--port", default=3000, show_default=True, type=int, help="Port of the Dagster UI.")
@one_line_errors
def dev(port: int) -> None:
    """The Dagster UI and daemon on 127.0.0.1, against the emulator unless real credentials are set."""
    from soundcharts_assets.cli.demo import run_dev

    sys.exit(run_dev(port, echo=click.echo))


# `emulator --host --port --latency-ms --rate-limit-per-minute --fault-rate --quota --seed ...`
main.add_command(emulator_command, name="emulator")
main.add_command(charts)
main.add_command(cascade)
main.add_command(budget)
main.add_command(status)
main.add_command(demo)
main.add_command(dev)
main.add_command(report)
main.add_command(export)
main.add_command(watch)
main.add_command(alerts)


if __name__ == "__main__":
    main()

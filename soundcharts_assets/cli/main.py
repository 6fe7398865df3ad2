"""`soundcharts-assets`: the command line users type; each command group lives in a module of its own, imported
when that command is typed (``_COMMANDS``): a command pays for its own imports only, not for the emulator's web
server or the cascade's client (``status`` spent ~0.7 s importing the modules of the other commands).

Every error a user can cause is printed as one line (``error: ...``) with a non-zero exit, never a traceback
(``cli/errors.py``); a bug keeps its traceback.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any, NoReturn

import click

from soundcharts_assets.cli.errors import one_line_errors
from soundcharts_assets.cli.options import slug_argument

_COMMANDS = {
    "alerts": "soundcharts_assets.cli.alerts:alerts",
    "budget": "soundcharts_assets.cli.budget:budget",
    "cascade": "soundcharts_assets.cli.cascade:cascade",
    "charts": "soundcharts_assets.cli.charts:charts",
    # `emulator --host --port --latency-ms --rate-limit-per-minute --fault-rate --quota --seed ...`: the command
    # itself lives with the emulator.
    "emulator": "soundcharts_assets.emulator.cli:main",
    "export": "soundcharts_assets.cli.insight:export",
    "report": "soundcharts_assets.cli.insight:report",
    "status": "soundcharts_assets.cli.status:status",
    "watch": "soundcharts_assets.cli.watch:watch",
}
"""The commands of their own modules, by name: ``module:attribute`` of each click command."""


def _show_version(ctx: click.Context, _param: click.Parameter, wanted: bool) -> None:
    if not wanted or ctx.resilient_parsing:
        return
    from importlib.metadata import PackageNotFoundError, version

    try:
        click.echo(f"soundcharts-assets {version('soundcharts-assets')} (dagster {version('dagster')})")
    except PackageNotFoundError:  # a source tree that was never installed
        click.echo("soundcharts-assets (not installed: run `make install`)")
    ctx.exit()


class _Program(click.Group):
    """The program as its console script calls it: once its output is flushed, the process ends at once.

    A command that ran a cascade has imported Dagster, pandas and SQLAlchemy and holds their objects; the
    interpreter's teardown (collecting them, joining threads, closing pools) took 1-2 s after the last line was
    printed. Everything the command writes is committed before it returns, so nothing is lost by skipping it.
    Click's test runner calls ``main`` directly and keeps the ordinary exit.

    The commands of ``_COMMANDS`` are imported when typed (or listed by ``--help``): click's own pattern for
    lazily loaded subcommands (``list_commands`` and ``get_command``).
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in _COMMANDS and cmd_name not in self.commands:
            module, attribute = _COMMANDS[cmd_name].split(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)

    def __call__(self, *args: Any, **kwargs: Any) -> NoReturn:
        try:
            self.main(*args, **kwargs)
            code: object = 0
        except SystemExit as done:
            code = done.code
        if code is not None and not isinstance(code, int):
            print(code, file=sys.stderr)
            code = 1
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe: nothing more can be said
                pass
        os._exit(code or 0)


@click.group(cls=_Program)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="Show the version (and Dagster's) and exit.",
)
def main() -> None:
    """Music charts from the Soundcharts API as a partitioned Dagster asset graph.

    \b
    New here? `make demo` (or `soundcharts-assets demo`) runs a whole chart against the built-in emulator,
    `make dev` opens the Dagster UI. Then:
      soundcharts-assets charts add global-28    follow a chart (see `charts discover`)
      soundcharts-assets cascade global-28 --wait fetch it now: ranking, songs, artists, audiences
      soundcharts-assets status                  what is followed, how fresh, the calls spent
    Without SOUNDCHARTS_* credentials, commands use the emulator that `make dev` or `make demo` started.
    """


@click.command()
@click.option(
    "--chart", "slug", default="global-28", show_default=True, callback=slug_argument, help="The chart to fetch."
)
@one_line_errors
def demo(slug: str) -> None:
    """Try the whole project in about a minute, with nothing to set up.

    Starts the Soundcharts emulator (a stand-in for the real API, on a free local port), follows one chart, runs
    its whole cascade into data/warehouse.sqlite and prints what was stored. Run it again: the second run spends
    2 calls, everything else is still fresh.
    """
    from soundcharts_assets.cli.demo import run_demo

    sys.exit(0 if run_demo(slug, echo=click.echo) else 1)


@click.command()
@click.option("--port", default=3000, show_default=True, type=int, help="Port of the Dagster UI.")
@one_line_errors
def dev(port: int) -> None:
    """Open the Dagster UI (and its daemon) on http://127.0.0.1:PORT; Ctrl-C stops everything.

    Without real credentials (SOUNDCHARTS_API_KEY or SOUNDCHARTS_CLIENT_ID) it also starts the emulator and
    records where it is (data/local_setup.json), so `soundcharts-assets ...` and `dg ...` in another shell of
    the project use the same emulator and instance.
    """
    from soundcharts_assets.cli.demo import run_dev

    sys.exit(run_dev(port, echo=click.echo))


main.add_command(demo)
main.add_command(dev)


if __name__ == "__main__":
    main()

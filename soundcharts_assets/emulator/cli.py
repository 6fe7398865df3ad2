"""Click options shared by ``python -m soundcharts_assets.emulator`` and ``soundcharts-assets emulator``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import click

from soundcharts_assets.emulator.charts import MAX_FLEET_CHARTS
from soundcharts_assets.emulator.config import EmulatorConfig
from soundcharts_assets.emulator.script import chart_entry_from_text, spike_from_text, spike_sources

F = TypeVar("F", bound=Callable[..., Any])

_KNOB_OPTIONS = [
    click.option("--seed", type=int, default=7, show_default=True, help="Seed of the synthetic catalogue."),
    click.option("--latency-ms", type=float, default=0.0, show_default=True, help="Added to every API request."),
    click.option(
        "--latency-jitter-ms",
        type=float,
        default=0.0,
        show_default=True,
        help="Uniform +/- jitter around --latency-ms.",
    ),
    click.option(
        "--rate-limit-per-minute",
        type=int,
        default=None,
        help="429 'maximum request count' beyond this many requests per sliding minute.",
    ),
    click.option(
        "--fault-rate",
        type=float,
        default=0.0,
        show_default=True,
        help="Share of API requests answered with a random 502/503/504.",
    ),
    click.option("--quota", type=int, default=None, help="Paid requests before every paid request gets 429."),
    click.option(
        "--token-ttl-seconds", type=float, default=3600.0, show_default=True, help="Lifetime of OAuth access tokens."
    ),
    click.option(
        "--today",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        default=None,
        help="The emulator's today (YYYY-MM-DD); default the real UTC date. Move it at runtime "
        "with POST /__emulator/clock.",
    ),
    click.option(
        "--charts",
        type=click.IntRange(1, MAX_FLEET_CHARTS),
        default=None,
        help="Serve a fleet of this many charts (Spotify top 200 for 62 markets, then the other "
        "platforms) instead of the default 26.",
    ),
    click.option(
        "--no-current-stats", is_flag=True, default=False, help="Current stats endpoints answer 403 (not in plan)."
    ),
    click.option(
        "--no-crawl-cadence",
        is_flag=True,
        default=False,
        help="Crawl social audiences daily instead of every 2 to 15 days by audience size.",
    ),
    click.option(
        "--spike",
        "spikes",
        multiple=True,
        metavar="UUID:SOURCE:DATE:FACTOR",
        help="Scripted audience jump: the series multiplied by FACTOR from DATE on (repeatable); SOURCE is "
        f"{'|'.join(spike_sources('song'))} for a song, {'|'.join(spike_sources('artist'))} for an artist.",
    ),
    click.option(
        "--chart-entry",
        "chart_entries",
        multiple=True,
        metavar="SLUG:SONG_UUID:DATE:POSITION",
        help="Scripted chart entry: the song placed at POSITION of the chart's edition dated DATE (repeatable).",
    ),
    click.option(
        "--small-accounts/--no-small-accounts",
        default=None,
        help="Give about a third of secondary social accounts a small audience (slow crawls); default: "
        "on with --charts, off otherwise.",
    ),
]


def emulator_options(f: F) -> F:
    """Add the knob options (not --host/--port); turn them into a config with :func:`config_from_options`."""
    for option in reversed(_KNOB_OPTIONS):
        f = option(f)
    return f


def address_options(f: F) -> F:
    f = click.option("--port", type=int, default=8765, show_default=True, help="Port to listen on.")(f)
    return click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")(f)


def config_from_options(**kwargs: Any) -> EmulatorConfig:
    """An EmulatorConfig from the options above; unrelated keys (host, port, ...) are ignored."""
    names = (
        "seed",
        "latency_ms",
        "latency_jitter_ms",
        "rate_limit_per_minute",
        "fault_rate",
        "quota",
        "token_ttl_seconds",
        "charts",
        "small_accounts",
    )
    knobs = {name: kwargs[name] for name in names if kwargs.get(name) is not None}
    if kwargs.get("today") is not None:
        today = kwargs["today"]
        knobs["today"] = today.date() if isinstance(today, datetime) else today
    if kwargs.get("no_current_stats"):
        knobs["current_stats_in_plan"] = False
    if kwargs.get("no_crawl_cadence"):
        knobs["crawl_cadence"] = False
    try:
        knobs["spikes"] = [spike_from_text(text) for text in kwargs.get("spikes") or ()]
        knobs["chart_entries"] = [chart_entry_from_text(text) for text in kwargs.get("chart_entries") or ()]
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    return EmulatorConfig(**knobs)


@click.command(name="emulator")
@address_options
@emulator_options
def main(host: str, port: int, **knobs: Any) -> None:
    """Serve a stand-in for the Soundcharts API until Ctrl-C: same paths, answers and errors, on a synthetic
    catalogue (26 charts, 3,000 songs, 1,500 artists), with knobs for latency, rate limits, quota and faults.

    Point the other commands at it with SOUNDCHARTS_BASE_URL=http://HOST:PORT (`make dev` and `make demo` start
    one of their own). Its counters: GET /__emulator/stats.
    """
    from soundcharts_assets.emulator.server import run_emulator

    click.echo(f"Soundcharts emulator on http://{host}:{port} (app id/key: soundcharts/soundcharts)")
    run_emulator(config_from_options(**knobs), host=host, port=port)

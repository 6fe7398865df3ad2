"""`soundcharts-assets alerts`: the events found after each refresh, and where their delivery stands.

Reads the warehouse only (the events are computed and delivered by the ``alerts`` asset after each refresh).
``run_alerts`` runs that asset in this process, as the demo does when no daemon is there to start it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

import click

from soundcharts_assets.cli.errors import UsageError, one_line_errors
from soundcharts_assets.clock import utc_now

DEFAULT_DAYS = 7


@click.command()
@click.option("--since", "since", default=None, help="Events dated on or after this day (YYYY-MM-DD); default a week.")
@click.option("--watchlist", "-w", default=None, help="Only this watchlist's events ('*': followed charts).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@one_line_errors
def alerts(since: str | None, watchlist: str | None, as_json: bool) -> None:
    """Events of the last week (or since DATE): chart moves, audience spikes and milestones, stale charts."""
    from soundcharts_assets.alerts.channels import BrokenChannel, channels_from_settings
    from soundcharts_assets.cli.registry import open_warehouse
    from soundcharts_assets.settings import alert_settings_from_env

    day = _since(since)
    channels = channels_from_settings(alert_settings_from_env())
    with open_warehouse() as wh:
        if watchlist is not None and watchlist != "*" and not wh.list_watches(watchlist):
            found = wh.alert_events_since(None, watchlist)
            if not found:
                raise UsageError(f"no watchlist {watchlist!r} (see `soundcharts-assets watch list`)")
        events = wh.alert_events_since(day, watchlist)
    if as_json:
        rows = [
            {
                "key": e.key,
                "date": e.event_date.isoformat(),
                "watchlist": e.watchlist,
                "kind": e.kind,
                "chart": e.chart_slug,
                "message": e.message,
                "figures": e.figures,
                "delivery": {d.channel: d.status for d in deliveries},
            }
            for e, deliveries in events
        ]
        click.echo(json.dumps({"since": day.isoformat(), "events": rows}, default=str))
        return
    for channel in channels:
        if isinstance(channel, BrokenChannel):
            click.echo(f"warning: {channel.reason}", err=True)
    if not events:
        click.echo(f"no alert since {day} (events appear after a refresh of a watched artist, label or chart)")
        return
    for event, deliveries in events:
        states = ", ".join(f"{d.channel}: {d.status}" for d in deliveries) or "no channel"
        click.echo(f"{event.event_date}  {_title(event.watchlist):<16} {event.kind:<10} {event.message}  [{states}]")
    click.echo(_summary(events))


def _since(raw: str | None) -> date:
    if raw is None:
        return utc_now().date() - timedelta(days=DEFAULT_DAYS)
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise UsageError(f"--since {raw!r} is not a date: use YYYY-MM-DD") from None


def _title(watchlist: str) -> str:
    return "followed charts" if watchlist == "*" else watchlist


def _summary(events: Sequence[tuple[object, Sequence[object]]]) -> str:
    counts: dict[str, dict[str, int]] = {}
    errors: dict[str, str] = {}
    for _, deliveries in events:
        for d in deliveries:
            channel, status = getattr(d, "channel", ""), getattr(d, "status", "")
            counts.setdefault(channel, {}).setdefault(status, 0)
            counts[channel][status] += 1
            if getattr(d, "last_error", None):
                errors[channel] = str(getattr(d, "last_error", ""))
    parts = [
        f"{channel}: {', '.join(f'{n} {status}' for status, n in sorted(by.items()))}"
        + (f" (last error: {errors[channel]})" if channel in errors else "")
        for channel, by in sorted(counts.items())
    ]
    return f"{len(events)} events" + (f"; {'; '.join(parts)}" if parts else "; no channel set")


def run_alerts(slugs: Sequence[str]) -> tuple[bool, str]:
    """Run the ``alerts`` asset for ``slugs`` in this process (recorded in the instance like any run)."""
    import dagster as dg

    from soundcharts_assets.cli.registry import open_instance
    from soundcharts_assets.definitions import alerts_job_for_cli
    from soundcharts_assets.defs.names import TRIGGER_TAG
    from soundcharts_assets.defs.partition_ranges import run_tags

    with open_instance() as instance:
        quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
        result = dg.execute_job(
            dg.reconstructable(alerts_job_for_cli),
            instance=instance,
            tags={**run_tags(list(slugs)), TRIGGER_TAG: "cli"},
            run_config=quiet,
            raise_on_error=False,
        )
        return result.success, result.run_id


DEMO_WATCHLIST = "demo"
DEMO_ARTIST = "11e81bcc-9c1c-ce38-b96b-a0369fe50396"
"""Billie Eilish at her documented id: the demo's emulator scripts a jump of her monthly listeners."""
DEMO_LINES = 5
_FIRST = ("spike", "milestone", "number_one", "top_10", "new_peak", "entry", "re_entry", "exit", "stale")


def demo_events() -> dict[str, Any]:
    """The emulator knobs of the demo: Billie Eilish's monthly listeners jump by half yesterday."""
    yesterday = utc_now().date() - timedelta(days=1)
    return {"spikes": [{"uuid": DEMO_ARTIST, "source": "listening", "date": yesterday.isoformat(), "factor": 1.5}]}


def demo_alerts(slug: str, echo: Callable[[str], None]) -> bool:
    """Watch the demo's chart and artist, run the alerts asset, and print a few of the week's events."""
    from soundcharts_assets.cli.registry import open_warehouse
    from soundcharts_assets.warehouse.watchlists import Watch

    with open_warehouse() as wh:
        wh.add_watch(Watch(DEMO_WATCHLIST, "chart", slug, None, utc_now()))
        wh.add_watch(Watch(DEMO_WATCHLIST, "artist", DEMO_ARTIST, "Billie Eilish", utc_now()))
    success, run_id = run_alerts([slug])
    with open_warehouse() as wh:
        events = wh.alert_events_since(utc_now().date() - timedelta(days=DEFAULT_DAYS), DEMO_WATCHLIST)
    found = sorted((event for event, _ in events), key=lambda e: (_FIRST.index(e.kind), e.event_date))
    echo(f"alerts run {run_id}: {'succeeded' if success else 'FAILED (see its logs in the Dagster UI)'}")
    echo(f"  {len(found)} events this week for watchlist {DEMO_WATCHLIST!r} (chart {slug}, Billie Eilish), e.g.:")
    for event in found[:DEMO_LINES]:
        echo(f"  - {event.message}")
    echo("  all of them: soundcharts-assets alerts; channels (Slack, e-mail, webhook): README, Alerts")
    return success

"""The ``alerts`` asset: after a refresh, the events its charts' stored data show, delivered once per channel.

Downstream of the cascade and partitioned like it, but in no job of the cascade: the sensors of
``defs/alerts/sensors.py`` start it in a run of its own once a cascade run has stored its ``INPUTS`` (or has
ended), automation after what a user materialized by hand (``chart_alerts`` runs it by hand, the demo in
process). So it can neither hold up nor fail a cascade run. A channel that is down is not a failure: its deliveries
wait in the ledger and are retried at a later run (``alerts/delivery.py``). If the step itself fails (the
warehouse is gone, a bug), only this run is red; the next alerts run computes the same events from the
warehouse (the window covers the last week) and delivers what the ledger says is still due, so nothing is
lost or sent twice. No API call: ``alerts/`` cannot import the client (import-linter).
"""

from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg

from soundcharts_assets.alerts.refresh import AlertsOutcome, refresh_alerts
from soundcharts_assets.clock import utc_now
from soundcharts_assets.defs.conventions import (
    FOLLOW_UPDATES_OUTSIDE_OUR_RUNS,
    chart_asset,
    chart_slugs,
    failures_for_users,
)
from soundcharts_assets.defs.names import ALERTS_JOB_NAME
from soundcharts_assets.defs.partitions import chart_partitions
from soundcharts_assets.defs.publish import ChartOutcome, Event, publish
from soundcharts_assets.defs.resources import WarehouseResource
from soundcharts_assets.settings import alert_settings_from_env
from soundcharts_assets.vocabulary import ALERT_CHANNELS

INPUTS = ("chart_rankings", "artist_metadata", "track_audience", "artist_audience")
"""The steps whose stored data the alerts read: once a cascade run has stored all four, its alerts can start
(``alerts_when_stored``), whatever insight steps the run still has to go."""
TABLE_ROWS = 100
"""Events listed per chart in the metadata table (the newest window has a few hundred at most)."""
_COLUMNS = ["date", "watchlist", "kind", "new", "message", *ALERT_CHANNELS]


@chart_asset(
    kinds={"python", "sql"},
    group_name="alerts",
    automation_condition=FOLLOW_UPDATES_OUTSIDE_OUR_RUNS,
    deps=list(INPUTS),
)
def alerts(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> Iterator[Event]:
    """Chart, audience and staleness events of the charts' stored data; each delivered once to each channel."""
    slugs = chart_slugs(context)
    with failures_for_users(), warehouse.open() as wh:
        outcome = refresh_alerts(wh, slugs, alert_settings_from_env(), utc_now())
    for channel in outcome.channels:
        (context.log.warning if channel.error else context.log.info)(channel.summary())
    yield from publish(context, {slug: ChartOutcome(alerts_metadata(outcome, slug)) for slug in slugs})


def alerts_metadata(outcome: AlertsOutcome, slug: str) -> Mapping[str, Any]:
    """What a chart's materialization shows: counts, each channel's delivery, and a table of the events."""
    events = sorted(outcome.events_of(slug), key=lambda e: (e.event_date, e.watchlist, e.kind), reverse=True)
    records = []
    for event in events[:TABLE_ROWS]:
        states = {delivery.channel: delivery.status for delivery in outcome.deliveries.get(event.key, [])}
        row: dict[str, str | int | float | bool | None] = {
            "date": event.event_date.isoformat(),
            "watchlist": event.watchlist,
            "kind": event.kind,
            "new": event.key in outcome.new_keys,
            "message": event.message,
            **{channel: states.get(channel, "-") for channel in ALERT_CHANNELS},
        }
        records.append(dg.TableRecord(row))
    schema = dg.TableSchema(columns=[dg.TableColumn(name, "bool" if name == "new" else "string") for name in _COLUMNS])
    delivery = [f"- {channel.summary()}" for channel in outcome.channels]
    return {
        "events": dg.MetadataValue.int(len(events)),
        "new_events": dg.MetadataValue.int(sum(event.key in outcome.new_keys for event in events)),
        "delivery": dg.MetadataValue.md("\n".join(delivery) or "no channel set (SOUNDCHARTS_ALERTS_*: README)"),
        "events_table": dg.MetadataValue.table(records, schema=schema),
    }


chart_alerts_job = dg.define_asset_job(
    ALERTS_JOB_NAME,
    selection=dg.AssetSelection.assets(alerts),
    partitions_def=chart_partitions,
    description="Alerts for one chart or a fleet: the events of their stored data, delivered once per channel.",
    # One step that reads the warehouse and calls no API, so it runs in the run's own process: a step process
    # (the code location's executor) started and preloaded a forkserver for this one step, 1.7 s of every
    # alerts run after a cascade (issue 22). Under Celery too, it runs where the daemon launched the run.
    executor_def=dg.in_process_executor,
)

"""The ``alerts_after_cascade`` sensor: a cascade run that succeeded starts the alerts of its charts at once.

Eager automation would start them too, but only at the automation sensor's next tick (every 30 s): up to a
quarter of a small fleet's wall for a one-second step (docs/benchmarks.md). This run-status sensor looks every
5 s (``SOUNDCHARTS_ALERTS_SENSOR_INTERVAL_SECONDS``) and requests ``chart_alerts`` for the partitions the
cascade run covered (one partition, or its range), once per cascade run (the run key). The automation sensor
then requests nothing more for them: the alerts run is in progress at its tick, or has already materialized
them. If the automation tick came first (between the cascade run's end and this sensor's tick), the charts whose
alerts it started are left out (``tests/integration/defs/alerts/test_sensors.py``). A cascade run that failed is
left to automation.

Cost: no API call (alerts compute from stored data); each tick reads the run-status events since its cursor.
A cascade run made in the command's own process (``cascade --wait``) has no code location, so only daemon
runs are seen here; automation still starts the alerts of the others.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone

import dagster as dg

from soundcharts_assets.defs.alerts.assets import chart_alerts_job
from soundcharts_assets.defs.names import ALERTS_ASSET, ALERTS_JOB_NAME, CASCADE_JOB_NAME, CHARTS_PARTITIONS_NAME
from soundcharts_assets.defs.partition_ranges import (
    PARTITION_TAG,
    RANGE_END_TAG,
    RANGE_START_TAG,
    range_blocks,
    run_tags,
)
from soundcharts_assets.settings import automation_settings_from_env

ALERTS_INTERVAL_SECONDS = automation_settings_from_env().alerts_sensor_interval_seconds
TRIGGER_TAGS = {"soundcharts/trigger": "cascade_success"}


def partitions_of(tags: Mapping[str, str], ordered: Sequence[str]) -> list[str]:
    """The chart partitions a run covers (its partition, or its range of ``ordered``), still registered."""
    if PARTITION_TAG in tags:
        return [tags[PARTITION_TAG]] if tags[PARTITION_TAG] in ordered else []
    start, end = tags.get(RANGE_START_TAG), tags.get(RANGE_END_TAG)
    if start not in ordered or end not in ordered:
        return []
    return list(ordered[ordered.index(start) : ordered.index(end) + 1])


def alerts_started_since(instance: dg.DagsterInstance, since: float, ordered: Sequence[str]) -> set[str]:
    """Partitions whose alerts a run created after ``since`` (a timestamp) already covers: automation's
    tick can come between a cascade run's end and this sensor's."""
    started: set[str] = set()
    created_after = dg.RunsFilter(created_after=datetime.fromtimestamp(since, tz=timezone.utc))
    for record in instance.get_run_records(created_after):
        run = record.dagster_run
        if run.job_name == ALERTS_JOB_NAME or dg.AssetKey(ALERTS_ASSET) in (run.asset_selection or ()):
            started.update(partitions_of(run.tags, ordered))
    return started


# The cascade job belongs to the charts group (groups import nothing of each other): it is named, not imported,
# and every run of the code location is looked at (a run of another job in a few microseconds, no request).
@dg.run_status_sensor(
    name="alerts_after_cascade",
    run_status=dg.DagsterRunStatus.SUCCESS,
    request_job=chart_alerts_job,
    minimum_interval_seconds=ALERTS_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        f"Starts `alerts` for the charts of a `{CASCADE_JOB_NAME}` run as soon as it succeeds, once per run "
        "(no API call), instead of at the automation sensor's next tick."
    ),
)
def alerts_after_cascade_sensor(context: dg.RunStatusSensorContext) -> list[dg.RunRequest] | dg.SkipReason | None:
    run = context.dagster_run
    if run.job_name != CASCADE_JOB_NAME:
        return None  # not ours: the sensor moves on to the next run in the same tick
    ordered = list(context.instance.get_dynamic_partitions(CHARTS_PARTITIONS_NAME))
    covered = partitions_of(run.tags, ordered)
    if not covered:
        return dg.SkipReason(f"cascade run {run.run_id} covered no chart partition still registered")
    record = context.instance.get_run_record_by_id(run.run_id)
    assert record is not None  # the run whose success this is
    ended = record.end_time or record.create_timestamp.timestamp()
    started = alerts_started_since(context.instance, ended, ordered)
    blocks = range_blocks(ordered, [slug for slug in covered if slug not in started])
    if not blocks:
        return dg.SkipReason(f"the alerts of cascade run {run.run_id} were already started by automation")
    return [
        dg.RunRequest(
            run_key=f"alerts-after:{run.run_id}" + ("" if len(blocks) == 1 else f":{block[0]}"),
            tags={**run_tags(block), **TRIGGER_TAGS},
        )
        for block in blocks
    ]

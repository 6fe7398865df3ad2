"""The sensors that start a cascade run's alerts: as soon as it has stored what they read, or when it ends.

Automation leaves the runs we launch over whole cascades alone (``FOLLOW_UPSTREAM``, and for ``alerts``
``FOLLOW_UPDATES_OUTSIDE_OUR_RUNS``, in ``defs/conventions.py``): their alerts are started here, once per cascade
run (the run key, and the ``soundcharts/alerts_of`` tag every sensor looks for). The alerts read four steps
(``INPUTS``: the ranking, the artists' metadata and both audiences), not the insight, so ``alerts_when_stored``
starts them while a fleet run's insight steps still work. At each pass of the daemon over its sensors (every
5 s; ``SOUNDCHARTS_ALERTS_SENSOR_INTERVAL_SECONDS`` is 1 by default, so no pass is skipped) it looks at the
cascade runs in progress, and requests ``chart_alerts`` for the partitions (one, or its range) of each run whose
four steps have succeeded. A fleet's alerts then end with its insight instead of ~10 s after the run (a
run-status sensor's tick, a new run process; docs/benchmarks.md, "eighth session"). A one-chart run's alerts
run waits in the queue until the cascade run ends (``dagster.yaml`` runs one run per chart partition at a time),
then starts at once. ``alerts_after_cascade`` catches what that did not: a run that ended between two of its
ticks, a re-executed run; ``alerts_after_failed_cascade`` does the same for a cascade run that failed after
storing something (one bad chart among fifty), so the others' alerts are not held back a day. Charts whose
alerts a run created after the cascade had stored the four steps (or, if it never did, after it ended) already
covers are left out (``tests/integration/defs/alerts/test_sensors.py``): such a run read what the cascade
stored. A cascade run made in the command's own process (``cascade --wait``) is in no code location; the
sensors watch every run of the deployment, so they see it too when a daemon runs. What a user materializes in
the UI (no ``soundcharts/trigger`` tag) is followed by automation as before.

Cost: no API call (alerts compute from stored data). A tick of ``alerts_when_stored`` reads the cascade runs in
progress, and for each whose alerts were not started yet (one look-up by tag), its step successes; the
run-status sensors read the run-status events since their cursor. Each sensor's pass is a tick row in the
instance (Dagster keeps skipped ticks 7 days).
"""

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone

import dagster as dg

from soundcharts_assets.defs.alerts.assets import INPUTS, chart_alerts_job
from soundcharts_assets.defs.names import (
    ALERTS_ASSET,
    ALERTS_JOB_NAME,
    CASCADE_JOB_NAME,
    CHARTS_PARTITIONS_NAME,
    TRIGGER_TAG,
)
from soundcharts_assets.defs.partition_ranges import (
    PARTITION_TAG,
    RANGE_END_TAG,
    RANGE_START_TAG,
    range_blocks,
    run_tags,
)
from soundcharts_assets.settings import automation_settings_from_env

ALERTS_INTERVAL_SECONDS = automation_settings_from_env().alerts_sensor_interval_seconds
AFTER_CASCADE, WHEN_STORED = "cascade_success", "cascade_stored"
"""The ``soundcharts/trigger`` of the alerts runs these sensors start: after a cascade run ended, or once it had
stored what the alerts read."""
ALERTS_OF_TAG = "soundcharts/alerts_of"
"""The cascade run whose alerts an alerts run computes (its id): whichever sensor started it, the others see it
with one indexed look-up and start none."""


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
# and every run of the deployment is looked at (a run of another job in a few microseconds, no request), so a
# `cascade --wait` run, executed in the command's own process and so in no code location, is seen too.
def _alerts_sensor(name: str, status: dg.DagsterRunStatus, when: str) -> dg.RunStatusSensorDefinition:
    @dg.run_status_sensor(
        name=name,
        run_status=status,
        request_job=chart_alerts_job,
        monitor_all_code_locations=True,
        minimum_interval_seconds=ALERTS_INTERVAL_SECONDS,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            f"Starts `alerts` for the charts of a `{CASCADE_JOB_NAME}` run as soon as it {when}, once per run "
            "(no API call); automation leaves the runs of cascades to it."
        ),
    )
    def _sensor(context: dg.RunStatusSensorContext) -> list[dg.RunRequest] | None:
        answer = alerts_after(context.instance, context.dagster_run, stored_only=status != dg.DagsterRunStatus.SUCCESS)
        if isinstance(answer, dg.SkipReason):
            # Logged, not returned: a tick that passed over another run (None) and then skips this one fails in
            # Dagster 1.13 ("received both DagsterRunReaction and SkipReason"), and its cursor never moves on.
            # So such a tick is a success whose log says why nothing was requested, and the cascade run's log
            # reads that the sensor acted on its status.
            context.log.info(answer.skip_message)
            return None
        return answer

    return _sensor


def alerts_after(
    instance: dg.DagsterInstance, run: dg.DagsterRun, stored_only: bool = False
) -> list[dg.RunRequest] | dg.SkipReason | None:
    """The alerts runs that follow cascade run ``run`` once it ended: one per block of the registered charts it
    covered, less those whose alerts a run created since the run stored their inputs (or since it ended)
    already covers. ``stored_only``: none when the run stored nothing (a failed run that failed at once)."""
    if run.job_name != CASCADE_JOB_NAME:
        return None  # not ours: the sensor moves on to the next run in the same tick
    if stored_only and not _stored_anything(instance, run.run_id):
        return dg.SkipReason(f"cascade run {run.run_id} failed before it stored anything")
    if _alerts_started_for(instance, run.run_id):
        return dg.SkipReason(f"the alerts of cascade run {run.run_id} were already started")
    since = inputs_stored_at(instance, run.run_id)
    if since is None:
        record = instance.get_run_record_by_id(run.run_id)
        assert record is not None  # the run whose status this is
        since = record.end_time or record.create_timestamp.timestamp()
    return _alerts_requests(instance, run, since, f"alerts-after:{run.run_id}", AFTER_CASCADE)


def alerts_when_stored(instance: dg.DagsterInstance, run: dg.DagsterRun) -> list[dg.RunRequest] | dg.SkipReason:
    """The alerts runs of cascade run ``run``, still in progress, once it has stored every step they read.

    A run re-executed from a failure (a retry) runs only the steps that had not succeeded, so its four steps
    rarely all succeed in it: its alerts come when it ends (``alerts_after``), as before this sensor."""
    if _alerts_started_for(instance, run.run_id):
        return dg.SkipReason(f"the alerts of cascade run {run.run_id} were already started")
    since = inputs_stored_at(instance, run.run_id)
    if since is None:
        return dg.SkipReason(f"cascade run {run.run_id} has not stored all of {', '.join(INPUTS)} yet")
    return _alerts_requests(instance, run, since, f"alerts-stored:{run.run_id}", WHEN_STORED)


def _alerts_started_for(instance: dg.DagsterInstance, run_id: str) -> bool:
    """Whether one of these sensors already started the alerts of cascade run ``run_id`` (one indexed look-up)."""
    return bool(instance.get_run_records(dg.RunsFilter(tags={ALERTS_OF_TAG: run_id}), limit=1))


def inputs_stored_at(instance: dg.DagsterInstance, run_id: str) -> float | None:
    """When cascade run ``run_id`` had stored all the alerts' inputs (its last success among their steps), or
    None while one of them has not succeeded in it (still running, failed, or not in the run)."""
    successes = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.STEP_SUCCESS).records
    done = {record.event_log_entry.step_key: record.timestamp for record in successes}
    if any(step not in done for step in INPUTS):
        return None
    return max(done[step] for step in INPUTS)


def _alerts_requests(
    instance: dg.DagsterInstance, run: dg.DagsterRun, since: float, run_key: str, trigger: str
) -> list[dg.RunRequest] | dg.SkipReason:
    """One alerts run per block of the registered charts ``run`` covers, less those whose alerts a run created
    after ``since`` already covers (automation's, after a click in the UI)."""
    ordered = list(instance.get_dynamic_partitions(CHARTS_PARTITIONS_NAME))
    covered = partitions_of(run.tags, ordered)
    if not covered:
        return dg.SkipReason(f"cascade run {run.run_id} covered no chart partition still registered")
    started = alerts_started_since(instance, since, ordered)
    blocks = range_blocks(ordered, [slug for slug in covered if slug not in started])
    if not blocks:
        return dg.SkipReason(f"the alerts of cascade run {run.run_id} were already started")
    return [
        dg.RunRequest(
            run_key=run_key + ("" if len(blocks) == 1 else f":{block[0]}"),
            tags={**run_tags(block), TRIGGER_TAG: trigger, ALERTS_OF_TAG: run.run_id},
        )
        for block in blocks
    ]


def _stored_anything(instance: dg.DagsterInstance, run_id: str) -> bool:
    materialized = dg.DagsterEventType.ASSET_MATERIALIZATION
    return bool(instance.get_records_for_run(run_id, of_type=materialized, limit=1).records)


alerts_after_cascade_sensor = _alerts_sensor("alerts_after_cascade", dg.DagsterRunStatus.SUCCESS, "succeeds")
alerts_after_failed_cascade_sensor = _alerts_sensor(
    "alerts_after_failed_cascade", dg.DagsterRunStatus.FAILURE, "fails, for the charts it stored"
)


@dg.sensor(
    name="alerts_when_stored",
    job=chart_alerts_job,
    minimum_interval_seconds=ALERTS_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        f"Starts `alerts` for the charts of a `{CASCADE_JOB_NAME}` run in progress as soon as it has stored "
        f"{', '.join(f'`{step}`' for step in INPUTS)}, once per run (no API call): its insight steps need not end first."
    ),
)
def alerts_when_stored_sensor(context: dg.SensorEvaluationContext) -> list[dg.RunRequest] | dg.SkipReason:
    """Every cascade run in progress whose alerts' inputs are stored, and whose alerts no run has covered yet.

    Both this sensor and ``alerts_after_cascade`` may request a run's alerts when the run ends within the
    fraction of a second between this tick's read and the daemon creating its run, since the daemon evaluates
    them side by side: a one-chart run whose insight is short, rarely. The ledger sends nothing twice; the
    second run costs a run process and no API call."""
    in_progress = dg.RunsFilter(job_name=CASCADE_JOB_NAME, statuses=[dg.DagsterRunStatus.STARTED])
    requests: list[dg.RunRequest] = []
    for record in context.instance.get_run_records(in_progress):
        answer = alerts_when_stored(context.instance, record.dagster_run)
        if isinstance(answer, list):
            requests.extend(answer)
    return requests or dg.SkipReason("no cascade run in progress has stored its alerts' inputs and not started them")

"""Chart partitions added in the Dagster UI become followed charts only once checked as `charts add` checks them.

The UI's "Add partition" stores a partition key and nothing else: no pattern, no call to the API. A partition
without a row in the warehouse's registry is therefore "not checked yet", and two places check it with the one
check of ``cascade/registry.py`` (the pattern, then one call):

* the ``chart_registry`` sensor, every 30 s (``SOUNDCHARTS_REGISTRY_SENSOR_INTERVAL_SECONDS``), reads the
  partitions and the registry (no API call) and checks the partitions without a row. A good slug gets its row
  (a followed chart, like `charts add`); a refused one is removed, its reason in the tick's skip reason and log.
  A partition that a queued or running run targets is left to that run;
* the ``chart_rankings`` step of a run launched at once (Add partition, then Materialize) checks it before
  fetching it; a refused one is removed and the run fails with the reason.

Cost: no call while nothing is added (2,880 ticks a day, each two small reads); one call per slug added in the
UI, once, whichever of the two checks it.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta

import dagster as dg

from soundcharts_assets.cascade.registry import REFUSALS, check_chart, follow_chart
from soundcharts_assets.cascade.step_reports import StepReport
from soundcharts_assets.clock import utc_now
from soundcharts_assets.defs.names import CHARTS_PARTITIONS_NAME
from soundcharts_assets.defs.partitions import chart_partitions
from soundcharts_assets.defs.resources import SoundchartsResource, WarehouseResource
from soundcharts_assets.settings import automation_settings_from_env
from soundcharts_assets.soundcharts.errors import SoundchartsError
from soundcharts_assets.vocabulary import InvalidChartSlugError, validate_chart_slug
from soundcharts_assets.warehouse import Warehouse

REGISTRY_INTERVAL_SECONDS = automation_settings_from_env().registry_sensor_interval_seconds
RETRY_AFTER = timedelta(minutes=10)
"""After a check that failed for another reason than the slug (credentials, quota, the API down), the sensor
waits this long before it calls again, instead of every tick."""
ACTIVE_RUN_STATUSES = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]
REMOVED = "its partition is removed (it was never followed)"


def unchecked_partitions(
    instance: dg.DagsterInstance, warehouse: Warehouse, among: Collection[str] | None = None
) -> list[str]:
    """Chart partitions (of ``among``, or all) without a row in the registry: added in the UI, not checked yet."""
    partitions = instance.get_dynamic_partitions(CHARTS_PARTITIONS_NAME) if among is None else among
    followed = {row.slug for row in warehouse.list_charts()}
    return [slug for slug in partitions if slug not in followed]


def remove_refused(instance: dg.DagsterInstance, warehouse: Warehouse, reports: Mapping[str, StepReport]) -> None:
    """After a ranking step: the unchecked charts it refused lose their partition, and their failure says so."""
    for slug, report in reports.items():
        if report.error and warehouse.get_chart(slug) is None:
            instance.delete_dynamic_partition(CHARTS_PARTITIONS_NAME, slug)
            report.error = f"{report.error}; {REMOVED}"


def refuse_invalid_partitions(instance: dg.DagsterInstance, unchecked: Collection[str]) -> None:
    """Unchecked partition keys that no slug could be are removed before any call; the step fails naming them."""
    refused = {}
    for slug in unchecked:
        try:
            validate_chart_slug(slug)
        except InvalidChartSlugError as error:
            refused[slug] = str(error)
    if refused:
        for slug in refused:
            instance.delete_dynamic_partition(CHARTS_PARTITIONS_NAME, slug)
        reasons = "; ".join(refused.values())
        raise dg.Failure(description=f"{reasons}; {REMOVED}", allow_retries=False)


@dg.sensor(
    name="chart_registry",
    minimum_interval_seconds=REGISTRY_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Checks chart partitions added in the UI as `charts add` does (the slug's pattern, then 1 call): a good "
        "slug becomes a followed chart, a refused one is removed with its reason. No call when nothing was added."
    ),
)
def chart_registry_sensor(
    context: dg.SensorEvaluationContext, soundcharts: SoundchartsResource, warehouse: WarehouseResource
) -> dg.SensorResult | dg.SkipReason:
    with warehouse.open() as wh:
        unchecked = unchecked_partitions(context.instance, wh)
    if not unchecked:
        return dg.SkipReason("every chart partition is a followed chart: nothing to check (no call)")
    waiting = [slug for slug in unchecked if _run_targets(context.instance, slug)]
    todo = [slug for slug in unchecked if slug not in waiting]
    said = [f"{slug!r} is checked by its run" for slug in waiting]
    retry_at = _retry_at(context.cursor)
    if todo and retry_at is not None and utc_now() < retry_at:
        said.append(f"{len(todo)} partition(s) wait for the next try at {retry_at:%H:%M} UTC")
        todo = []
    if not todo:
        return dg.SkipReason("; ".join(said))
    refused, cursor = _check(context, soundcharts, warehouse, todo, said)
    deletes = [chart_partitions.build_delete_request(refused)] if refused else None
    return dg.SensorResult(skip_reason="; ".join(said), dynamic_partitions_requests=deletes, cursor=cursor)


def _check(
    context: dg.SensorEvaluationContext,
    soundcharts: SoundchartsResource,
    warehouse: WarehouseResource,
    slugs: list[str],
    said: list[str],
) -> tuple[list[str], str | None]:
    """Check ``slugs`` one by one; returns the refused ones and the cursor (when to try again after trouble)."""
    refused: list[str] = []
    billed: dict[str, int] = {}
    cursor = None
    with soundcharts.open_client() as client, warehouse.open() as wh:
        for slug in slugs:
            before = client.calls_billed_in_this_thread
            try:
                follow_chart(wh, check_chart(client, slug))
            except REFUSALS as error:
                refused.append(slug)
                context.log.warning(f"refused {slug!r}: {error}; {REMOVED}")
                said.append(f"refused {slug!r}: {error}; {REMOVED}")
                continue
            except SoundchartsError as error:
                retry = utc_now() + RETRY_AFTER
                context.log.warning(f"could not check {slug!r}: {error}")
                said.append(f"could not check {slug!r} ({error}); next try at {retry:%H:%M} UTC")
                cursor = json.dumps({"retry_at": retry.isoformat()})
                break
            finally:
                billed[slug] = client.calls_billed_in_this_thread - before
            context.log.info(f"following {slug!r} (added in the UI)")
            said.append(f"following {slug!r}")
        wh.record_spend("chart_registry", billed, utc_now())
    return refused, cursor


def _run_targets(instance: dg.DagsterInstance, slug: str) -> bool:
    """A queued or running run of this one partition (its ranking step checks it)."""
    runs = instance.get_run_records(
        dg.RunsFilter(tags={"dagster/partition": slug}, statuses=ACTIVE_RUN_STATUSES), limit=1
    )
    return bool(runs)


def _retry_at(cursor: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(json.loads(cursor or "{}")["retry_at"])
    except (ValueError, KeyError, TypeError):
        return None

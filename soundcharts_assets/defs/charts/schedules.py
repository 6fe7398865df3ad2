"""Schedules: each chart on a sync schedule gets the whole cascade once per cadence, the fleet in few runs.

A scheduled cascade costs only what is due: the ranking pages, new songs/artists, and one call per
entity and platform for audience (the 24 h audience window has passed by the next day's tick).
"""

import dagster as dg

from soundcharts_assets.defs.charts.budget import over_budget
from soundcharts_assets.defs.charts.fleet import block_key, fleet_run_requests
from soundcharts_assets.defs.charts.jobs import chart_cascade_job
from soundcharts_assets.defs.names import CHARTS_PARTITIONS_NAME, TRIGGER_TAG
from soundcharts_assets.defs.resources import WarehouseResource

CRON_BY_CADENCE = {"daily": "0 7 * * *", "weekly": "0 7 * * 6"}


def charts_due(cadence: str, registered: list[str], schedule_by_slug: dict[str, str]) -> list[str]:
    """Registered charts whose sync schedule is this cadence (unregistered warehouse rows are ignored)."""
    return [slug for slug in sorted(registered) if schedule_by_slug.get(slug) == cadence]


def _build_schedule(cadence: str) -> dg.ScheduleDefinition:
    @dg.schedule(
        name=f"{cadence}_charts",
        cron_schedule=CRON_BY_CADENCE[cadence],
        execution_timezone="UTC",
        target=chart_cascade_job,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"Full cascade for every chart whose sync schedule is '{cadence}'.",
    )
    def _schedule(
        context: dg.ScheduleEvaluationContext, warehouse: WarehouseResource
    ) -> dg.SkipReason | list[dg.RunRequest]:
        registered = list(context.instance.get_dynamic_partitions(CHARTS_PARTITIONS_NAME))
        with warehouse.open() as wh:
            schedules = {row.slug: row.sync_schedule for row in wh.list_charts()}
            due = charts_due(cadence, registered, schedules)
            if not due:
                return dg.SkipReason(f"no registered chart has the '{cadence}' sync schedule")
            skip = over_budget(wh, due)
        if skip is not None:
            return skip
        tick = context.scheduled_execution_time.date().isoformat()
        return fleet_run_requests(
            registered,
            due,
            run_key=lambda block: block_key(block, f"{cadence}:{tick}"),
            tags={TRIGGER_TAG: f"{cadence}_schedule"},
        )

    return _schedule


daily_charts_schedule = _build_schedule("daily")
weekly_charts_schedule = _build_schedule("weekly")

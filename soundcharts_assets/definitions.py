"""The one Definitions object of the code location: read it as the table of contents."""

import dagster as dg

from soundcharts_assets.defs.assets import CASCADE_ASSETS
from soundcharts_assets.defs.checks import CASCADE_CHECKS
from soundcharts_assets.defs.insight import INSIGHT_ASSETS
from soundcharts_assets.defs.jobs import CASCADE_JOB_NAME, chart_cascade_job
from soundcharts_assets.defs.resources import CascadePolicyResource, SoundchartsResource, WarehouseResource
from soundcharts_assets.defs.schedules import daily_charts_schedule, weekly_charts_schedule
from soundcharts_assets.defs.sensors import cascade_automation_sensor, new_chart_editions_sensor

defs = dg.Definitions(
    assets=[*CASCADE_ASSETS, *INSIGHT_ASSETS],
    asset_checks=CASCADE_CHECKS,
    jobs=[chart_cascade_job],
    sensors=[new_chart_editions_sensor, cascade_automation_sensor],
    schedules=[daily_charts_schedule, weekly_charts_schedule],
    resources={
        "soundcharts": SoundchartsResource(),
        "warehouse": WarehouseResource(),
        "policy": CascadePolicyResource(),
    },
)


def cascade_job_for_cli() -> dg.JobDefinition:
    """The cascade job, reconstructable by module path so `execute_job` can run its steps in subprocesses."""
    return defs.resolve_job_def(CASCADE_JOB_NAME)

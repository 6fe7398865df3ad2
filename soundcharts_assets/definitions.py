"""The one Definitions object of the code location: read it as the table of contents."""

import dagster as dg

from soundcharts_assets.defs.assets import CASCADE_ASSETS
from soundcharts_assets.defs.insight import INSIGHT_ASSETS
from soundcharts_assets.defs.jobs import CASCADE_JOB_NAME, chart_cascade_job
from soundcharts_assets.defs.resources import CascadePolicyResource, SoundchartsResource, WarehouseResource
from soundcharts_assets.defs.schedules import daily_charts_schedule, weekly_charts_schedule
from soundcharts_assets.defs.sensors import cascade_automation_sensor, new_chart_editions_sensor
from soundcharts_assets.settings import celery_settings_from_env

#: Each step is a process. Forking them from a server that has already imported this module and the instance's
#: storage (`step_preload`) saves ~3 s of imports per step (11 steps a cascade) and shares that memory; 6 at
#: once keeps the API busy while the `soundcharts_api` pool still caps the steps that call it
#: (docs/benchmarks.md).
STEP_EXECUTOR = dg.multiprocess_executor.configured(
    {
        "max_concurrent": 6,
        "start_method": {"forkserver": {"preload_modules": ["soundcharts_assets.step_preload"]}},
    },
    name="preloaded_multiprocess",
)
if celery_settings_from_env().enabled:  # opt-in, needs the `celery` extra: deploy/celery/README.md
    from soundcharts_assets.defs.celery_executor import soundcharts_celery_executor as STEP_EXECUTOR  # type: ignore[assignment]  # noqa: E501

defs = dg.Definitions(
    assets=[*CASCADE_ASSETS, *INSIGHT_ASSETS],
    jobs=[chart_cascade_job],
    sensors=[new_chart_editions_sensor, cascade_automation_sensor],
    schedules=[daily_charts_schedule, weekly_charts_schedule],
    executor=STEP_EXECUTOR,
    resources={
        "soundcharts": SoundchartsResource(),
        "warehouse": WarehouseResource(),
        "policy": CascadePolicyResource(),
    },
)


def cascade_job_for_cli() -> dg.JobDefinition:
    """The cascade job, reconstructable by module path so `execute_job` can run its steps in subprocesses."""
    return defs.resolve_job_def(CASCADE_JOB_NAME)

"""The one Definitions object of the code location: read it as the table of contents."""

import dagster as dg

from soundcharts_assets.defs.alerts.assets import alerts, chart_alerts_job
from soundcharts_assets.defs.audience.assets import artist_audience, track_audience
from soundcharts_assets.defs.automation import cascade_automation_sensor
from soundcharts_assets.defs.catalogue.assets import artist_metadata, artists, tracks
from soundcharts_assets.defs.celery_settings import celery_settings_from_env
from soundcharts_assets.defs.charts.assets import chart_rankings
from soundcharts_assets.defs.charts.registry import chart_registry_sensor
from soundcharts_assets.defs.charts.schedules import daily_charts_schedule, weekly_charts_schedule
from soundcharts_assets.defs.charts.sensors import new_chart_editions_sensor
from soundcharts_assets.defs.freshness import with_freshness
from soundcharts_assets.defs.insight.assets import artist_growth, chart_movers, track_momentum
from soundcharts_assets.defs.jobs import CASCADE_JOB_NAME, chart_cascade_job
from soundcharts_assets.defs.names import ALERTS_JOB_NAME
from soundcharts_assets.defs.resources import CascadePolicyResource, SoundchartsResource, WarehouseResource
from soundcharts_assets.defs.thread_executor import threaded_executor

#: Each step is a process. Forking them from a server that has already imported this module and the instance's
#: storage (`defs.step_preload`) saves ~3 s of imports per step (11 steps a cascade) and shares that memory; 6
#: at once keeps the API busy while the `soundcharts_api` pool still caps the steps that call it
#: (docs/benchmarks.md).
STEP_EXECUTOR = dg.multiprocess_executor.configured(
    {
        "max_concurrent": 6,
        "start_method": {"forkserver": {"preload_modules": ["soundcharts_assets.defs.step_preload"]}},
    },
    name="preloaded_multiprocess",
)
#: `cascade --wait` and the demo run their steps on threads of the command's own process instead
#: (defs/thread_executor.py): no process per step on the path of a run someone waits for.
CLI_EXECUTOR: dg.ExecutorDefinition = threaded_executor
if celery_settings_from_env().enabled:  # opt-in, needs the `celery` extra: deploy/celery/README.md
    from soundcharts_assets.defs.celery_executor import soundcharts_celery_executor as STEP_EXECUTOR

    CLI_EXECUTOR = STEP_EXECUTOR

defs = dg.Definitions(
    assets=[
        # the cascade, each asset with a freshness policy (defs/freshness.py): charts/, catalogue/, audience/
        *with_freshness([chart_rankings, tracks, artists, artist_metadata, track_audience, artist_audience]),
        # insight/
        chart_movers,
        artist_growth,
        track_momentum,
        # alerts/: after the cascade, in runs of their own
        alerts,
    ],
    jobs=[chart_cascade_job, chart_alerts_job],
    sensors=[new_chart_editions_sensor, chart_registry_sensor, cascade_automation_sensor],
    schedules=[daily_charts_schedule, weekly_charts_schedule],
    executor=STEP_EXECUTOR,
    resources={
        "soundcharts": SoundchartsResource(),
        "warehouse": WarehouseResource(),
        "policy": CascadePolicyResource(),
    },
)


def cascade_job_for_cli() -> dg.JobDefinition:
    """The cascade job with its steps on threads of this process (Celery workers when Celery is on),
    reconstructable by module path for `execute_job`."""
    return defs.resolve_job_def(CASCADE_JOB_NAME).with_executor_def(CLI_EXECUTOR)


def alerts_job_for_cli() -> dg.JobDefinition:
    """The alerts job, reconstructable by module path (the demo runs it in process after the cascade)."""
    return defs.resolve_job_def(ALERTS_JOB_NAME).with_executor_def(CLI_EXECUTOR)

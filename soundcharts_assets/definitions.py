"""The one Definitions object of the code location: read it as the table of contents.

Each asset group under ``defs/`` owns its assets, checks, sensors, schedules and jobs and exposes them as
``defs/<group>/definitions.py``'s ``defs``; this module merges the groups and adds what they share: the
automation sensor, the step executor and the resources. Adding an asset touches its group's folder only.
"""

import dagster as dg
from dagster._core.executor import child_process_executor

from soundcharts_assets.defs.alerts import definitions as alerts
from soundcharts_assets.defs.audience import definitions as audience
from soundcharts_assets.defs.automation import cascade_automation_sensor
from soundcharts_assets.defs.catalogue import definitions as catalogue
from soundcharts_assets.defs.celery_settings import celery_settings_from_env
from soundcharts_assets.defs.charts import definitions as charts
from soundcharts_assets.defs.insight import definitions as insight
from soundcharts_assets.defs.names import ALERTS_JOB_NAME, CASCADE_JOB_NAME
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
#: How long the run's process waits on one step's events before it looks at the next step's. Dagster's
#: multiprocess executor takes one event per running step per round and waits this long on each step that has
#: none (its `TICK`, 20 ms). So behind one quiet audience step, a fleet step's ~300 events (a materialization
#: and a check per chart) reached the run at 50 a second, and the steps after it started 2-4 s late, three
#: times on a cascade's critical path (issue 22). At 2 ms a round of six quiet steps still sleeps 12 ms; the
#: run's process spends ~3% of a core more polling three quiet steps (0.58 -> 1.38 s of CPU over 24 s).
STEP_EVENT_POLL_SECONDS = 0.002
child_process_executor.TICK = STEP_EVENT_POLL_SECONDS
#: `cascade --wait` and the demo run their steps on threads of the command's own process instead
#: (defs/thread_executor.py): no process per step on the path of a run someone waits for.
CLI_EXECUTOR: dg.ExecutorDefinition = threaded_executor
if celery_settings_from_env().enabled:  # opt-in, needs the `celery` extra: deploy/celery/README.md
    from soundcharts_assets.defs.celery_executor import soundcharts_celery_executor as STEP_EXECUTOR

    CLI_EXECUTOR = STEP_EXECUTOR

defs = dg.Definitions.merge(
    charts.defs,  # the root of the cascade, the cascade job and what starts it
    catalogue.defs,
    audience.defs,
    insight.defs,
    alerts.defs,  # after the cascade, in runs of their own
    dg.Definitions(
        sensors=[cascade_automation_sensor],
        executor=STEP_EXECUTOR,
        resources={
            "soundcharts": SoundchartsResource(),
            "warehouse": WarehouseResource(),
            "policy": CascadePolicyResource(),
        },
    ),
)

CASCADE_ASSETS = [*charts.ASSETS, *catalogue.ASSETS, *audience.ASSETS]
"""The cascade's assets before insight, in the order a reader follows them (the rows of `cascade --wait`)."""


def cascade_job_for_cli() -> dg.JobDefinition:
    """The cascade job with its steps on threads of this process (Celery workers when Celery is on),
    reconstructable by module path for `execute_job`."""
    return defs.resolve_job_def(CASCADE_JOB_NAME).with_executor_def(CLI_EXECUTOR)


def alerts_job_for_cli() -> dg.JobDefinition:
    """The alerts job, reconstructable by module path (the demo runs it in process after the cascade)."""
    return defs.resolve_job_def(ALERTS_JOB_NAME).with_executor_def(CLI_EXECUTOR)

"""The run process of one chart's cascade, as a run worker runs it: ``python run_cascades.py SLUG``.

Executes ``chart_cascade`` for the partition on the instance at $DAGSTER_HOME; with SOUNDCHARTS_EXECUTOR=celery
its steps go to the Celery workers. Prints one JSON line: the run id, success, and the first failure message.
"""

from __future__ import annotations

import json
import sys

import dagster as dg

from soundcharts_assets.definitions import cascade_job_for_cli


def first_failure(result: dg.ExecuteJobResult) -> str:
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            return event.step_failure_data.error.message.strip()
        if event.is_run_failure and event.event_specific_data and event.event_specific_data.error:
            return event.event_specific_data.error.message.strip()
    return ""


if __name__ == "__main__":
    slug = sys.argv[1]
    with dg.DagsterInstance.get() as instance:
        result = dg.execute_job(
            dg.reconstructable(cascade_job_for_cli),
            instance=instance,
            tags={"dagster/partition": slug},
            raise_on_error=False,
        )
        print(
            json.dumps(
                {
                    "slug": slug,
                    "run_id": result.run_id,
                    "success": result.success,
                    "failure": "" if result.success else first_failure(result),
                }
            ),
            flush=True,
        )
    sys.exit(0 if result.success else 1)

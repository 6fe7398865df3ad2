"""The Celery app of the workers, and the command that starts one on any host (deploy/celery/README.md).

    python -m soundcharts_assets.defs.celery_worker -q dagster -q soundcharts_api [-n NAME] [...]

checks this host's environment first (the API credentials or base URL, the warehouse URL: one line and exit 2
when one is missing), then becomes the ``celery worker`` that ``dagster-celery worker start -A
soundcharts_assets.defs.celery_worker`` would start with the same options. Started with ``dagster-celery worker
start`` instead, the same check runs when the worker starts (``celeryd_init``) and stops it with the same line.

The app is built from the settings the run's executor uses (``celery_executor.celery_app_args``). Its one task
is dagster-celery's ``execute_plan``, with two changes:

* it skips a step whose run has already ended: a step that waited in a queue no worker consumed, until its run
  failed, must not call the API when a worker turns up later;
* a step its worker interrupted reports nothing and goes back to the broker. A worker that loses the broker
  cancels its unacknowledged steps with SIGTERM, which Dagster turns into an interrupted step. Reported, it
  failed the run (interrupted outside the op's body, or a step without a ``RetryPolicy``) or asked for a retry
  of its own (0 to 40 s later) while the broker delivered the same step again, so the step ran twice more and
  the two copies could overlap. Now the copy delivered again is the only one.
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from typing import Any

import celery
from celery import signals
from celery.exceptions import Reject
from dagster._core.errors import DagsterExecutionInterruptedError
from dagster_celery.make_app import make_app
from dagster_celery.tasks import create_task

from soundcharts_assets.defs.celery_executor import WORKER_APP, celery_app_args
from soundcharts_assets.defs.celery_settings import celery_settings_from_env
from soundcharts_assets.settings import DEFAULT_BASE_URL, SettingsError, api_settings_from_env, warehouse_url_from_env


def worker_environment_problem() -> str | None:
    """What this host lacks to run steps, as one line, or None."""
    try:
        api = api_settings_from_env()
        celery_settings_from_env()
    except SettingsError as error:
        return f"this worker cannot run steps: {error}"
    if api.uses_sandbox_credentials and api.base_url == DEFAULT_BASE_URL:
        return (
            "this worker has no Soundcharts credentials: set SOUNDCHARTS_APP_ID and SOUNDCHARTS_API_KEY (or "
            "SOUNDCHARTS_CLIENT_ID/_SECRET/_TEAM_ID), or SOUNDCHARTS_BASE_URL for an emulator, as on the run's host"
        )
    if warehouse_url_from_env().startswith("sqlite"):
        return (
            "this worker has no warehouse: set SOUNDCHARTS_WAREHOUSE_URL to the PostgreSQL warehouse "
            "(postgresql+psycopg2://...), as on the run's host"
        )
    return None


INTERRUPTED = "interrupted by its worker: the broker delivers the step again"


class SkipEndedRuns(celery.Task):
    """dagster-celery's step task, except for runs that have already ended, and for steps their worker
    interrupted (module docstring)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _run_has_ended(kwargs.get("execute_step_args_packed") or args[0]):
            return []
        try:
            events = super().__call__(*args, **kwargs)
        except DagsterExecutionInterruptedError:  # interrupted outside the op's body, before it could report
            raise Reject(INTERRUPTED, requeue=True) from None
        if _interrupted(events):
            raise Reject(INTERRUPTED, requeue=True)
        return events


def _interrupted(events: list[str]) -> bool:
    """Whether the step ended because its pool process was signalled (a worker that lost the broker cancels
    its steps that way), rather than by finishing or failing on its own."""
    from dagster import DagsterEvent
    from dagster._serdes import deserialize_value

    for packed in events:
        errors = [getattr(deserialize_value(packed, DagsterEvent).event_specific_data, "error", None)]
        while errors:
            error = errors.pop()
            if error is None:
                continue
            if error.cls_name == "DagsterExecutionInterruptedError":
                return True
            errors += [error.cause, error.context]
    return False


def _run_has_ended(execute_step_args_packed: dict) -> bool:
    from dagster import DagsterInstance
    from dagster._grpc.types import ExecuteStepArgs
    from dagster._serdes import unpack_value

    step_args = unpack_value(execute_step_args_packed, as_type=ExecuteStepArgs)
    with DagsterInstance.from_ref(step_args.instance_ref) as instance:  # type: ignore[arg-type]
        run = instance.get_run_by_id(step_args.run_id)
        return run is not None and run.is_finished  # an unknown run: dagster-celery says so itself


@signals.celeryd_init.connect
def _refuse_incomplete_environment(**_: Any) -> None:
    problem = worker_environment_problem()
    if problem:
        raise SystemExit(problem)


app = make_app(celery_app_args(celery_settings_from_env()))
execute_plan = create_task(app, base=SkipEndedRuns)


def celery_worker_argv(argv: list[str]) -> list[str]:
    """``celery worker`` arguments for dagster-celery's worker options (``-n``, ``-q``, ``-l``; ``--`` then Celery's).

    What ``dagster-celery worker start`` would run, minus its wrapper process (so SIGTERM reaches the worker
    itself, as ``docker stop`` and Kubernetes send it) and with every ``-q`` kept: dagster-celery passes each as
    ``-Q`` and Celery 5 keeps only the last.
    """
    own, rest = (argv[: argv.index("--")], argv[argv.index("--") + 1 :]) if "--" in argv else (argv, [])
    name, loglevel, queues, args = None, "INFO", [], iter(own)
    for arg in args:
        value = next(args, None)
        if value is None or arg not in ("-n", "--name", "-q", "--queue", "-l", "--loglevel"):
            raise SystemExit(f"usage: python -m {WORKER_APP} [-n NAME] [-q QUEUE]... [-l LEVEL] [-- CELERY ARGS]")
        if arg in ("-n", "--name"):
            name = value
        elif arg in ("-q", "--queue"):
            queues += [q for q in value.split(",") if q]
        else:
            loglevel = value
    node = f"{name or 'dagster-' + uuid.uuid4().hex[-6:]}@%h"
    return [
        "-A",
        WORKER_APP,
        "worker",
        "--prefetch-multiplier=1",
        "--loglevel",
        loglevel,
        *(["-Q", ",".join(queues)] if queues else []),
        "-n",
        node,
        *rest,
    ]


def main(argv: list[str]) -> None:
    problem = worker_environment_problem()
    if problem:
        print(problem, file=sys.stderr)
        raise SystemExit(2)
    worker_args = celery_worker_argv(argv)
    command = shutil.which("celery") or os.path.join(os.path.dirname(sys.executable), "celery")
    os.execv(command, [command, *worker_args])


if __name__ == "__main__":
    main(sys.argv[1:])

"""Steps on Celery workers across hosts: the opt-in executor of ``SOUNDCHARTS_EXECUTOR=celery``.

It is dagster-celery's executor (``dagster_celery.executor.CeleryExecutor``) with what a deployment over
several hosts needs (deploy/celery/README.md):

* Before any step is sent, it refuses what cannot work across hosts, each in one line that says what to do: a
  SQLite or in-memory Dagster instance, a SQLite warehouse (neither can be shared between hosts), a broker it
  cannot reach. The checks run in the run's process only (``execute``), never again in every step.
* Tasks are acknowledged late and rejected when their worker is lost, so a lost worker's step is delivered again
  to another worker; a worker that loses the broker cancels its unacknowledged steps, which the broker delivers
  again, instead of finishing them unseen while a second copy runs.
* dagster-celery waits forever for a step no worker picks up. Here a step whose queue no worker consumes for
  ``SOUNDCHARTS_CELERY_STEP_START_TIMEOUT_SECONDS`` fails with a one-line reason; a step merely waiting behind
  busy workers keeps waiting.

The worker side is ``soundcharts_assets.defs.celery_worker``; both build their Celery app from the same
:func:`celery_app_args`, so broker, backend, queues and settings cannot drift apart.
"""

from __future__ import annotations

import time
from typing import Any

import dagster as dg
from dagster._core.events import DagsterEvent
from dagster._core.execution.plan.objects import StepFailureData
from dagster._core.execution.retries import RetryMode
from dagster._serdes import serialize_value
from dagster._utils.error import SerializableErrorInfo
from dagster_celery.config import DEFAULT_CONFIG
from dagster_celery.core_execution_loop import core_celery_execution_loop
from dagster_celery.executor import CeleryExecutor, _submit_task
from dagster_celery.make_app import make_app

from soundcharts_assets.defs.celery_settings import CelerySettings, celery_settings_from_env
from soundcharts_assets.settings import SettingsError, warehouse_url_from_env

WORKER_APP = "soundcharts_assets.defs.celery_worker"
"""What workers are started with: ``dagster-celery worker start -A soundcharts_assets.defs.celery_worker``."""
UNSHAREABLE_STORAGE = ("Sqlite", "InMemory")
QUEUE_CHECK_SECONDS = 1.0


class CeleryDeploymentError(SettingsError):
    """The Celery deployment cannot work as configured; the message says what to change."""


def celery_config_source(settings: CelerySettings) -> dict[str, Any]:
    """Celery settings shared by the run process and every worker."""
    return {
        **DEFAULT_CONFIG,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "worker_prefetch_multiplier": 1,
        "broker_connection_timeout": settings.broker_connect_timeout_seconds,
        "broker_connection_retry_on_startup": True,
        # The run process publishes through a broker restart instead of failing the run after ~1 s.
        "broker_transport_options": {"max_retries": 60, "interval_start": 0, "interval_step": 0.5, "interval_max": 2},
        "task_publish_retry_policy": {"max_retries": 60, "interval_start": 0, "interval_step": 0.5, "interval_max": 2},
        "result_expires": 24 * 3600,
    }


def celery_executor_for(settings: CelerySettings) -> BoundedWaitCeleryExecutor:
    return BoundedWaitCeleryExecutor(
        settings,
        retries=RetryMode(RetryMode.ENABLED),
        broker=settings.broker_url,
        backend=settings.backend_url,
        config_source=celery_config_source(settings),
    )


def celery_app_args(settings: CelerySettings) -> dict[str, Any]:
    """What ``dagster_celery.make_app.make_app`` takes, for the run process and the workers alike."""
    args: dict[str, Any] = celery_executor_for(settings).app_args()
    return args


def refuse_unshareable_storage(instance: dg.DagsterInstance, warehouse_url: str) -> None:
    storages = (type(instance.run_storage).__name__, type(instance.event_log_storage).__name__)
    if any(word in name for name in storages for word in UNSHAREABLE_STORAGE):
        raise CeleryDeploymentError(
            f"the Celery executor needs a PostgreSQL Dagster instance, but DAGSTER_HOME={instance.root_directory} "
            f"keeps runs and events in {'/'.join(storages)}, which workers on other hosts cannot share: "
            "use deploy/postgres/dagster.yaml as $DAGSTER_HOME/dagster.yaml"
        )
    if warehouse_url.startswith("sqlite"):
        raise CeleryDeploymentError(
            "the Celery executor needs a PostgreSQL warehouse, but SOUNDCHARTS_WAREHOUSE_URL is a SQLite file, "
            "which workers on other hosts cannot share: set it to postgresql+psycopg2://..."
        )


class BoundedWaitCeleryExecutor(CeleryExecutor):
    def __init__(self, settings: CelerySettings, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.settings = settings

    def check_broker(self, app: Any) -> None:
        try:
            with app.connection_for_write() as connection:
                connection.ensure_connection(
                    max_retries=1,
                    interval_start=0,
                    interval_step=1,
                    timeout=self.settings.broker_connect_timeout_seconds,
                )
        except Exception as error:  # kombu raises the transport's own errors
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise CeleryDeploymentError(
                f"cannot reach the Celery broker at {self.settings.safe_broker_url()} ({reason}): start it "
                "or set SOUNDCHARTS_CELERY_BROKER_URL"
            ) from None

    def execute(self, plan_context, execution_plan):  # type: ignore[no-untyped-def]  # dagster's signature
        refuse_unshareable_storage(plan_context.instance, warehouse_url_from_env())
        app = make_app(self.app_args())
        self.check_broker(app)
        watch = QueueWatch(app)
        timeout = self.settings.step_start_timeout_seconds

        def submit(app, plan_context, step, queue, priority, known_state):  # type: ignore[no-untyped-def]
            result = _submit_task(app, plan_context, step, queue, priority, known_state)
            return BoundedResult(result, watch, queue, plan_context.for_step(step), timeout)

        return core_celery_execution_loop(plan_context, execution_plan, step_execution_fn=submit)


class QueueWatch:
    """Which queues some live worker consumes: one broadcast shared by every waiting step, at most every second."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._asked_at = float("-inf")
        self._queues: set[str] = set()

    def consumed(self, queue: str) -> bool:
        """Whether some worker consumes ``queue``; True when the broker cannot be asked (no verdict, keep waiting)."""
        if time.monotonic() - self._asked_at >= QUEUE_CHECK_SECONDS:
            self._asked_at = time.monotonic()
            try:  # a connection of its own: a pooled one may predate a broker restart
                with self._app.connection_for_write() as connection:
                    replies = self._app.control.inspect(timeout=1.0, connection=connection).active_queues() or {}
            except Exception:  # the broker is restarting: no verdict, ask again next time
                self._asked_at = float("-inf")
                return True
            self._queues = {q["name"] for queues in replies.values() for q in queues or []}
        return queue in self._queues


class BoundedResult:
    """An ``AsyncResult`` whose step fails once its queue has had no worker for ``timeout`` seconds.

    ``core_celery_execution_loop`` only calls ``ready``, ``get`` and ``revoke``. When time is up, ``get`` hands
    the loop a STEP_FAILURE event (written to the event log as it is made), so the step shows as failed with the
    reason, its downstream steps are skipped and the run ends.
    """

    def __init__(self, result: Any, watch: QueueWatch, queue: str, step_context: Any, timeout: float) -> None:
        self._result = result
        self._watch = watch
        self._queue = queue
        self._step_context = step_context
        self._timeout = timeout
        self._deadline = time.monotonic() + timeout
        self._failure: DagsterEvent | None = None

    def ready(self) -> bool:
        if self._failure is not None or self._result.ready():
            return True
        if time.monotonic() < self._deadline:
            return False
        if self._watch.consumed(self._queue):
            self._deadline = time.monotonic() + self._timeout  # busy workers: keep waiting
            return False
        self._result.revoke()
        self._failure = self._fail()
        return True

    def _fail(self) -> DagsterEvent:
        message = (
            f'step "{self._step_context.step.key}" waited {self._timeout:g} s in Celery queue "{self._queue}", '
            f"which no worker consumes: start one with `dagster-celery worker start -A {WORKER_APP} "
            f"-q {self._queue}` (deploy/celery/README.md)"
        )
        error = SerializableErrorInfo(message=message, stack=[], cls_name="CeleryStepNotPickedUp")
        return DagsterEvent.step_failure_event(
            self._step_context, StepFailureData(error=error, user_failure_data=None), message=message
        )

    def get(self) -> list[str]:
        if self._failure is not None:
            return [serialize_value(self._failure)]
        results: list[str] = self._result.get()
        return results

    def revoke(self) -> None:
        self._result.revoke()


@dg.executor(name="soundcharts_celery", requirements=dg.multiple_process_executor_requirements())
def soundcharts_celery_executor(init_context: dg.InitExecutorContext) -> BoundedWaitCeleryExecutor:
    """dagster-celery with late acks, requeue on a lost worker and a bounded wait (module docstring)."""
    return celery_executor_for(celery_settings_from_env())

"""An executor that runs each step on a thread of the run's own process: `cascade --wait` and the demo.

A cascade's steps wait on the API, not on the CPU, and every step of a process shares one rate limiter, so
threads keep the API as busy as processes do. What they save is each step's process: the multiprocess executor
forks a process per step, which opens its own instance and resources (0.5-1 s each on 2 cores, on the critical
path of a chain of steps), and the CLI's run waits for the forkserver to import the code location first.

The scheduling is the multiprocess executor's (``ActiveExecution``: dependencies, ``max_concurrent``, the
instance's pools, retries); each step runs exactly as it does in a step process (``execute_plan_iterator`` on a
one-step plan), so it writes the same events to the same run. Ctrl-C: the run's process catches it (Dagster's
``capture_interrupts``), the executor raises ``DagsterExecutionInterruptedError`` inside each running step, as
the multiprocess executor's termination event does in each step process, and the run ends interrupted.
"""

from __future__ import annotations

import ctypes
import os
import queue
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

import dagster as dg
from dagster._core.errors import DagsterExecutionInterruptedError
from dagster._core.events import DagsterEvent, EngineEventData
from dagster._core.execution.api import create_execution_plan, execute_plan_iterator
from dagster._core.execution.compute_logs import create_compute_log_file_key
from dagster._core.execution.context.system import PlanOrchestrationContext
from dagster._core.execution.plan.active import ActiveExecution
from dagster._core.execution.plan.instance_concurrency_context import InstanceConcurrencyContext
from dagster._core.execution.plan.plan import ExecutionPlan
from dagster._core.execution.retries import RetryMode, get_retries_config
from dagster._core.executor.base import Executor
from dagster._utils.error import serializable_error_info_from_exc_info

_DONE = object()
_POLL_SECONDS = 0.05


class ThreadedExecutor(Executor):
    """At most ``max_concurrent`` steps at once, each on its own thread of this process."""

    def __init__(self, retries: RetryMode, max_concurrent: int) -> None:
        self._retries = retries
        self._max_concurrent = max_concurrent

    @property
    def retries(self) -> RetryMode:
        return self._retries

    def execute(self, plan_context: PlanOrchestrationContext, execution_plan: ExecutionPlan) -> Iterator[DagsterEvent]:
        yield DagsterEvent.engine_event(
            plan_context,
            f"Executing steps on threads of this process (max {self._max_concurrent} at once)",
            event_specific_data=EngineEventData.in_process(os.getpid(), execution_plan.step_keys_to_execute),
        )
        with ExitStack() as stack:
            stack.enter_context(_python_log_handlers_built_once(plan_context.instance))
            yield from _capture_logs_once(plan_context, execution_plan, stack)
            concurrency = stack.enter_context(
                InstanceConcurrencyContext(plan_context.instance, plan_context.dagster_run)
            )
            active = stack.enter_context(
                ActiveExecution(
                    execution_plan,
                    retry_mode=self.retries,
                    max_concurrent=self._max_concurrent,
                    instance_concurrency_context=concurrency,
                )
            )
            yield from self._drive(plan_context, execution_plan, active)

    def _drive(
        self, plan_context: PlanOrchestrationContext, execution_plan: ExecutionPlan, active: ActiveExecution
    ) -> Iterator[DagsterEvent]:
        events: queue.Queue[tuple[str, Any]] = queue.Queue()
        running: dict[str, _StepThread] = {}
        stopping = False
        while (not stopping and not active.is_complete) or running:
            if not stopping and active.check_for_interrupts():
                stopping = True
                active.mark_interrupted()
                yield DagsterEvent.engine_event(
                    plan_context,
                    "Interrupted: stopping the running steps",
                    EngineEventData.interrupted(list(running)),
                )
                for step_thread in running.values():
                    step_thread.interrupt()
            while not stopping:
                steps = active.get_steps_to_execute(limit=self._max_concurrent - len(running))
                yield from active.concurrency_event_iterator(plan_context)
                if not steps:
                    break
                for step in steps:
                    running[step.key] = _StepThread(
                        plan_context, execution_plan, step.key, active, events, self.retries
                    )
            try:
                key, item = events.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                key, item = "", None
            while key:
                if item is _DONE:
                    running.pop(key).join()
                    active.verify_complete(plan_context, key)
                elif isinstance(item, DagsterEvent):
                    yield item
                    active.handle_event(item)
                else:  # an error outside the step's own handling: the step process would have crashed
                    yield from self._step_crashed(plan_context, active, key, item)
                try:
                    key, item = events.get_nowait()
                except queue.Empty:
                    key = ""
            yield from active.plan_events_iterator(plan_context)
        if stopping:
            raise DagsterExecutionInterruptedError()

    def _step_crashed(
        self, plan_context: PlanOrchestrationContext, active: ActiveExecution, key: str, error: Any
    ) -> Iterator[DagsterEvent]:
        step_context = plan_context.for_step(active.get_step_by_key(key))
        yield DagsterEvent.engine_event(
            step_context, f"Step {key} ended outside its own handling", EngineEventData.engine_error(error)
        )
        failure = self.log_failure_or_retry_event_after_error(step_context, error, active.get_known_state())
        active.handle_event(failure)
        yield failure


@contextmanager
def _python_log_handlers_built_once(instance: dg.DagsterInstance) -> Iterator[None]:
    """Every step's log manager asks the instance for its ``python_logs`` handlers, and Dagster builds them with
    ``logging.config.dictConfig`` (even from an empty config), which takes the logging module's lock and then
    every handler's: with steps on threads, one step's setup deadlocks with another step logging an event
    (handler lock, then module lock). Build them once, here, and hand every step the same ones."""
    handlers = instance.get_yaml_python_handlers()
    instance.get_yaml_python_handlers = lambda: handlers  # type: ignore[method-assign]
    try:
        yield
    finally:
        del instance.get_yaml_python_handlers


def _capture_logs_once(
    plan_context: PlanOrchestrationContext, execution_plan: ExecutionPlan, stack: ExitStack
) -> Iterator[DagsterEvent]:
    """Capture this process's stdout and stderr once for the run, as the in-process executor does, and have
    every step point at that capture. Each step would otherwise redirect the process's file descriptors 1 and 2
    to its own file and put them back when it ends: steps ending in another order than they started leave the
    command's stdout pointing at a step's log file."""
    instance = plan_context.instance
    manager = instance.compute_log_manager
    log_key = manager.build_log_key_for_run(plan_context.run_id, create_compute_log_file_key())
    captured = stack.enter_context(manager.capture_logs(log_key))
    yield DagsterEvent.capture_logs(plan_context, execution_plan.step_keys_to_execute, log_key, captured)
    instance._compute_log_manager = _SharedCapture(manager, log_key, captured)  # type: ignore[assignment]
    stack.callback(setattr, instance, "_compute_log_manager", manager)


class _SharedCapture:
    """The instance's compute log manager, except that a step's capture is the run's (``_capture_logs_once``)."""

    def __init__(self, manager: Any, log_key: Sequence[str], captured: Any) -> None:
        self._manager, self._log_key, self._captured = manager, log_key, captured

    def __getattr__(self, name: str) -> Any:
        return getattr(self._manager, name)

    def build_log_key_for_run(self, _run_id: str, _file_key: str) -> Sequence[str]:
        return self._log_key

    @contextmanager
    def capture_logs(self, _log_key: Sequence[str]) -> Iterator[Any]:
        yield self._captured


class _StepThread:
    """One step on one thread, exactly as a step process runs it: a one-step plan through execute_plan_iterator."""

    def __init__(
        self,
        plan_context: PlanOrchestrationContext,
        execution_plan: ExecutionPlan,
        key: str,
        active: ActiveExecution,
        events: queue.Queue[tuple[str, Any]],
        retries: RetryMode,
    ) -> None:
        self.key = key
        self._events = events
        self._args = (plan_context, execution_plan, active.get_known_state(), retries)
        self._ending = threading.Lock()
        self._ended = False
        self._thread = threading.Thread(target=self._run, name=f"step {key}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        plan_context, execution_plan, known_state, retries = self._args
        try:
            job = plan_context.reconstructable_job
            plan = create_execution_plan(
                job=job,
                run_config=plan_context.run_config,
                step_keys_to_execute=[self.key],
                known_state=known_state,
                repository_load_data=execution_plan.repository_load_data,
            )
            for event in execute_plan_iterator(
                plan,
                job,
                plan_context.dagster_run,
                run_config=plan_context.run_config,
                retry_mode=retries.for_inner_plan(),
                instance=plan_context.instance,
            ):
                self._events.put((self.key, event))
        except BaseException:  # an interrupt landing outside the step body included
            self._events.put((self.key, serializable_error_info_from_exc_info(sys.exc_info())))
        finally:
            self._end()
            self._events.put((self.key, _DONE))

    def _end(self) -> None:
        """Mark the step ended, after which :meth:`interrupt` sends nothing: an interrupt already sent may land
        here, and is taken as the end it asked for."""
        while not self._ended:
            try:
                with self._ending:
                    self._ended = True
            except DagsterExecutionInterruptedError:
                continue

    def interrupt(self) -> None:
        """Raise DagsterExecutionInterruptedError in the step's thread at its next Python instruction.

        Only while the step has not ended (under ``_ending``): a thread's id is reused as soon as it exits (glibc
        reuses its stack), and an exception sent to an ended step's id landed in a thread just started by another
        step's pool, which then never ran its work and left that step, and the run, waiting forever."""
        with self._ending:
            if not self._ended and self._thread.ident is not None:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(self._thread.ident), ctypes.py_object(DagsterExecutionInterruptedError)
                )

    def join(self) -> None:
        self._thread.join()


@dg.executor(
    name="in_process_threads",
    config_schema={
        "retries": get_retries_config(),
        "max_concurrent": dg.Field(int, default_value=6, description="Steps running at once."),
    },
)
def threaded_executor(init_context: dg.InitExecutorContext) -> ThreadedExecutor:
    config = init_context.executor_config
    return ThreadedExecutor(RetryMode.from_config(config["retries"]), config["max_concurrent"])  # type: ignore[arg-type]

"""What soundcharts_assets/definitions.py sets beside the merged groups."""

from __future__ import annotations

import inspect
import queue

from dagster._core.executor import child_process_executor

from soundcharts_assets.definitions import STEP_EVENT_POLL_SECONDS


class _Quiet:
    """A step process that is alive and has sent nothing."""

    def is_alive(self) -> bool:
        return True


def test_the_run_waits_on_a_quiet_step_for_the_short_poll_only() -> None:
    """The run's process waits ``STEP_EVENT_POLL_SECONDS`` on a step with no event, not Dagster's 20 ms: the poll
    reads the constant it sets (a Dagster upgrade that renames it fails here instead of slowing fleets)."""
    assert child_process_executor.TICK == STEP_EVENT_POLL_SECONDS < 0.02
    assert "TICK" in inspect.getsource(child_process_executor._poll_for_event)
    waited: list[float | None] = []

    class Events(queue.Queue[object]):
        def get(self, block: bool = True, timeout: float | None = None) -> object:
            waited.append(timeout)
            return super().get(block, timeout)

    assert child_process_executor._poll_for_event(_Quiet(), Events()) is None
    assert waited == [STEP_EVENT_POLL_SECONDS]

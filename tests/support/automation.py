"""Automation's tick in a test, costed as the daemon's tick is.

``dg.evaluate_automation_conditions`` builds the tick's new cursor against the instance itself, so each of the
~840 condition subsets it stores re-reads the chart partitions from the instance: 2.4 s of a 2.6 s tick under
cProfile (~1.6 s a tick without it; docs/development.md). The daemon builds that cursor through its caching queryer, which reads them once
per tick (``AutomationTickEvaluationContext``). Partitions cannot change inside one evaluation, so reading them once
here changes what the test costs, not what it evaluates.
"""

from collections.abc import Sequence
from unittest import mock

import dagster as dg
from dagster._core.definitions.asset_daemon_cursor import AssetDaemonCursor


def evaluate_automation(
    defs: dg.Definitions, instance: dg.DagsterInstance, cursor: AssetDaemonCursor | None = None
) -> dg.EvaluateAutomationConditionsResult:
    """One automation tick over ``defs`` (see the module's docstring), after the tick whose cursor is given."""
    read = instance.get_dynamic_partitions
    once: dict[str, Sequence[str]] = {}

    def read_once(partitions_def_name: str) -> Sequence[str]:
        if partitions_def_name not in once:
            once[partitions_def_name] = read(partitions_def_name)
        return once[partitions_def_name]

    with mock.patch.object(instance, "get_dynamic_partitions", read_once):
        return dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor)

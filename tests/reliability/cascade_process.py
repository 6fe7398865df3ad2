"""One cascade in a process of its own: ``python cascade_process.py SLUG`` (env points at emulator and warehouse).

What two deployments (or two run workers) do when they run charts at once; the exit code says whether the run
succeeded and stderr carries Dagster's log, which the concurrency test searches for lock errors.
"""

from __future__ import annotations

import sys

import dagster as dg
from faultkit import materialize, step_failures

if __name__ == "__main__":
    with dg.instance_for_test() as instance:
        result = materialize(instance, sys.argv[1])
    for failure in step_failures(result):
        print(f"failure: {failure}", file=sys.stderr)
    sys.exit(0 if result.success else 1)

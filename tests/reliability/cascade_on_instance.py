"""One cascade in a process of its own on the instance of ``$DAGSTER_HOME`` (``python cascade_on_instance.py SLUG``).

``cascade_process.py`` uses a throwaway SQLite instance; this one reads ``$DAGSTER_HOME/dagster.yaml``, so the
outage test can run a cascade on the production configuration (``deploy/postgres/dagster.yaml``).
"""

from __future__ import annotations

import sys

import dagster as dg

from faultkit import materialize, step_failures

if __name__ == "__main__":
    with dg.DagsterInstance.get() as instance:
        result = materialize(instance, sys.argv[1])
    for failure in step_failures(result):
        print(f"failure: {failure}", file=sys.stderr)
    sys.exit(0 if result.success else 1)

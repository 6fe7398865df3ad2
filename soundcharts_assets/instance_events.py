"""The instance's event log is never empty when automation asks for its newest event.

Each automation tick stores the event log's newest id as its cursor, and the next tick reads what happened
after it. On a brand-new instance the first tick finds no event and stores ``None``. Dagster then reads that
``None`` two ways on the next tick: ``newly_updated`` takes every materialization ever stored as new, while
``all_new_updates_have_run_tags`` returns nothing without a cursor, so it cannot name the run behind any of
them. ``defs/conventions.py`` tells our own runs' updates from everyone else's by that run-tag test. So on the
tick after one that saw an empty log, everything our first fleet run had stored counted as "updated outside
our runs", and automation re-ran it: 3 extra runs after a 100-chart fleet run on PostgreSQL (13 s of its
wall), 18 after a 50-chart one on SQLite (~47 s); docs/benchmarks.md, "ninth session" and "tenth session".

Here an empty log answers that question by writing one first entry and returning its id. The entry is a
run-less log line (no Dagster event, no asset, no run) in the cross-run index, which is where the newest id is
read from on SQLite too. No UI page shows it, and no query by event type reads it. Both event logs we ship
(``instance_sqlite``, ``instance_storage``) take this class first.
"""

from __future__ import annotations

import logging
import time

import sqlalchemy as sa
from dagster._core.events.log import EventLogEntry
from dagster._core.instance import RUNLESS_RUN_ID
from dagster._core.storage.event_log.sql_event_log import SqlEventLogStorage

from soundcharts_assets.warehouse.outages import server_went_away

FIRST_ENTRY = "soundcharts-assets: the event log's first entry, so that automation's first tick has a cursor"


class NeverEmptyEventLog(SqlEventLogStorage):
    """Mixin for an SQL event log: its newest id is never ``None`` (module docstring)."""

    def get_maximum_record_id(self) -> int | None:
        newest = super().get_maximum_record_id()
        if newest is not None:
            return newest
        try:
            with self.index_connection() as conn:  # two processes may both write one: harmless
                conn.execute(self.prepare_insert_event(log_line(FIRST_ENTRY)))
        except sa.exc.DBAPIError as error:
            if server_went_away(error):  # an outage: waited out like any statement (``instance_storage``)
                raise
            return None  # a connection that may not write (a read-only replica or role): Dagster's answer
        return super().get_maximum_record_id()


def log_line(message: str, run_id: str = RUNLESS_RUN_ID, job_name: str | None = None) -> EventLogEntry:
    """A plain log line (no Dagster event), of ``run_id`` or of no run, as ``context.log.info`` writes one."""
    return EventLogEntry(
        error_info=None,
        level=logging.INFO,
        user_message=message,
        run_id=run_id,
        timestamp=time.time(),
        step_key=None,
        job_name=job_name,
        dagster_event=None,
    )

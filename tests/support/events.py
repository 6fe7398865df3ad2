"""Event-log entries for the tests of the instance's event-log storages (SQLite kept open, PostgreSQL)."""

from __future__ import annotations

import logging
import time

from dagster._core.events.log import EventLogEntry


def log_entry(run_id: str, message: str, job_name: str = "chart_cascade") -> EventLogEntry:
    """A plain log message of ``run_id``, as a step's ``context.log.info`` writes it."""
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

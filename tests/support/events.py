"""Event-log entries for the tests of the instance's event-log storages (SQLite kept open, PostgreSQL)."""

from __future__ import annotations

from dagster._core.events.log import EventLogEntry

from soundcharts_assets.instance_events import log_line


def log_entry(run_id: str, message: str, job_name: str = "chart_cascade") -> EventLogEntry:
    """A plain log message of ``run_id``, as a step's ``context.log.info`` writes it."""
    return log_line(message, run_id=run_id, job_name=job_name)

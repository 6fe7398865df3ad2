"""The project's single notion of "now": freshness, due dates and budget months all ask this module."""

from __future__ import annotations

from datetime import datetime, timezone


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC (stored ``fetched_at`` values are compared with it)."""
    return datetime.now(timezone.utc)

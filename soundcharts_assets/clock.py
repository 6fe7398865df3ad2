"""The project's single notion of "now": freshness, due dates and budget months all ask this module.

``SOUNDCHARTS_TODAY=YYYY-MM-DD`` (simulations and tests; unset in production) moves the date and keeps the
current time of day, so a simulated day still has a morning and an evening.
"""

from __future__ import annotations

from datetime import datetime, timezone

from soundcharts_assets.settings import today_from_env


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC (stored ``fetched_at`` values are compared with it)."""
    now = datetime.now(timezone.utc)
    today = today_from_env()
    if today is None:
        return now
    return datetime.combine(today, now.timetz())

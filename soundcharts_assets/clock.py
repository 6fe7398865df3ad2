"""The project's single notion of "now": freshness, due dates and budget months all ask this module.

``SOUNDCHARTS_TODAY=YYYY-MM-DD`` (simulations and tests; unset in production) moves the date and keeps the
current time of day, so a simulated day still has a morning and an evening. It is read once per process, on
the first call; a simulation or a test that changes it in its own process calls :func:`reset` after.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from soundcharts_assets.settings import today_from_env

__all__ = ["reset", "utc_now"]

_UNREAD = "unread"
_today: date | str | None = _UNREAD
"""``SOUNDCHARTS_TODAY`` as read on the first call (None: the real date), or :data:`_UNREAD`."""


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC (stored ``fetched_at`` values are compared with it)."""
    now = datetime.now(timezone.utc)
    today = _pretended_today()
    if today is None:
        return now
    return datetime.combine(today, now.timetz())


def reset() -> None:
    """Forget ``SOUNDCHARTS_TODAY``: the next call reads it again (for whoever changed it in this process)."""
    global _today
    _today = _UNREAD


def _pretended_today() -> date | None:
    global _today
    if isinstance(_today, str):
        _today = today_from_env()  # a bad value raises, and is read again on the next call
    return _today

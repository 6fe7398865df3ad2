"""Chart slugs: the partition keys of the whole asset graph, validated before they reach any system."""

from __future__ import annotations

import re

SYNC_SCHEDULES: tuple[str, ...] = ("daily", "weekly", "none")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")


class InvalidChartSlugError(ValueError):
    """A chart slug that could not be a Soundcharts slug (and must never become a partition key)."""


def validate_chart_slug(slug: str) -> str:
    """Return ``slug`` if it is a valid chart slug, else raise with a one-line message.

    Soundcharts slugs are lowercase letters, digits, ``-``, ``_`` and ``.`` (``global-28``, ``top-200-us``).
    Refusing anything else keeps quotes, separators and control characters out of partition keys, run keys,
    file names and SQL parameters alike.
    """
    if not isinstance(slug, str) or not _SLUG.match(slug):
        shown = slug if isinstance(slug, str) and len(slug) <= 40 else f"{str(slug)[:40]}..."
        raise InvalidChartSlugError(
            f"invalid chart slug {shown!r}: use 1-128 lowercase letters, digits, '-', '_' or '.', "
            "starting with a letter or digit (e.g. global-28)"
        )
    return slug


def validate_sync_schedule(schedule: str) -> str:
    if schedule not in SYNC_SCHEDULES:
        raise ValueError(f"invalid sync schedule {schedule!r}: use one of {', '.join(SYNC_SCHEDULES)}")
    return schedule

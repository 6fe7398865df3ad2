"""Arguments shared by several commands: chart slugs and edition dates, checked before anything runs.

A bad one is one line and exit code 2 (:class:`UsageError`), like every usage error of ``cli/errors.py``: no
click usage banner above it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from soundcharts_assets.cli.errors import UsageError
from soundcharts_assets.vocabulary import InvalidChartSlugError, parse_edition_date, validate_chart_slug


def slug_argument(_ctx: Any, _param: Any, value: str) -> str:
    """A click callback: the slug, or a usage error naming what a slug may be."""
    try:
        return validate_chart_slug(value)
    except InvalidChartSlugError as error:
        raise UsageError(str(error)) from None


def slugs_argument(_ctx: Any, _param: Any, values: tuple[str, ...]) -> tuple[str, ...]:
    """Several slugs: every one is checked before any is used; the first bad one is named."""
    return tuple(slug_argument(_ctx, _param, value) for value in values)


def edition_date_option(_ctx: Any, _param: Any, value: str | None) -> datetime | None:
    """A click callback for ``--date``: checked before anything runs, whatever the other options say."""
    if not value:
        return None
    try:
        return parse_edition_date(value)
    except ValueError as error:
        raise UsageError(f"--date {error}") from None

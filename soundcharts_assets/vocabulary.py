"""The project's vocabulary, defined once: entity kinds, sync schedules, fetch statuses, and what a chart slug
may be (the audience sources are a table of their own, ``sources.py``).

Every layer (warehouse, cascade, Dagster definitions, CLI) speaks these words; the warehouse also enforces the
stored ones with CHECK constraints (alembic 0004). They are ``str`` enums, so a member compares equal to its
value, is stored as its value and prints as its value: ``EntityKind.SONG == "song"``.

This module imports nothing, so any layer can use it without pulling in HTTP, SQL or Dagster.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from enum import Enum
from typing import TypeVar

_AnyWord = TypeVar("_AnyWord", bound="_Word")


class _Word(str, Enum):
    """A ``str`` enum whose ``str()`` and ``format()`` give the plain value, as stored and shown."""

    _value_: str

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, format_spec: str) -> str:
        return str.__format__(self, format_spec)

    @classmethod
    def values(cls) -> tuple[str, ...]:
        return tuple(member.value for member in cls)

    @classmethod
    def parse(cls: type[_AnyWord], raw: str, what: str) -> _AnyWord:
        """The member named by ``raw``, or a one-line ``ValueError`` that lists the choices."""
        try:
            return cls(raw)
        except ValueError:
            raise ValueError(f"invalid {what} {raw!r}: use one of {', '.join(cls.values())}") from None


class EntityKind(_Word):
    """What a uuid names: songs and artists are stored once and shared by every chart."""

    SONG = "song"
    ARTIST = "artist"


class SyncSchedule(_Word):
    """How often the schedules refresh a followed chart (``none``: only by sensor, automation or hand)."""

    DAILY = "daily"
    WEEKLY = "weekly"
    NONE = "none"


class FetchStatus(_Word):
    """The outcome of asking the API for an entity or a series: stored, a 404, or a 403 for the plan."""

    OK = "ok"
    NOT_FOUND = "not_found"
    NOT_IN_PLAN = "not_in_plan"


FREE_STATUSES = (FetchStatus.NOT_FOUND.value, FetchStatus.NOT_IN_PLAN.value)
"""Outcomes the API does not bill: a by-platform 404, a 403 outside the plan (sent, not billed)."""


SYNC_SCHEDULES: tuple[str, ...] = SyncSchedule.values()
FETCH_STATUSES: tuple[str, ...] = FetchStatus.values()
ENTITY_KINDS: tuple[str, ...] = EntityKind.values()

METADATA_LEASE = "metadata"
"""The ``platform`` of a lease on an entity's metadata (no audience source has that name)."""


_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")


class InvalidChartSlugError(ValueError):
    """A chart slug that could not be a Soundcharts slug (and must never become a partition key)."""


def validate_chart_slug(slug: str) -> str:
    """Return ``slug`` if it is a valid chart slug, else raise with a one-line message.

    Chart slugs are the partition keys of the whole graph. Soundcharts slugs are lowercase letters, digits,
    ``-``, ``_`` and ``.`` (``global-28``, ``top-200-us``). Refusing anything else keeps quotes, separators and
    control characters out of partition keys, run keys, file names and SQL parameters alike.
    """
    if not isinstance(slug, str) or not _SLUG.match(slug):
        shown = slug if isinstance(slug, str) and len(slug) <= 40 else f"{str(slug)[:40]}..."
        raise InvalidChartSlugError(
            f"invalid chart slug {shown!r}: use 1-128 lowercase letters, digits, '-', '_' or '.', "
            "starting with a letter or digit (e.g. global-28)"
        )
    return slug


def validate_sync_schedule(schedule: str) -> str:
    """``schedule`` if it is a sync schedule, else a one-line ``ValueError`` listing the choices."""
    return SyncSchedule.parse(schedule, "sync schedule").value


def parse_edition_date(text: str) -> datetime:
    """A chart edition date typed by a user (``YYYY-MM-DD`` or an ISO datetime), as an aware UTC datetime.

    Raises a one-line ``ValueError``; the CLI and the run config wrap it in their own error types.
    """
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not a date: use YYYY-MM-DD") from None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


class WatchKind(_Word):
    """What a watchlist entry follows (issue 23): an artist (uuid or slug), a label name, or a chart slug."""

    ARTIST = "artist"
    LABEL = "label"
    CHART = "chart"


class AlertChannel(_Word):
    """Where alert digests go: a Slack incoming webhook, e-mail over SMTP, a generic JSON webhook."""

    SLACK = "slack"
    EMAIL = "email"
    WEBHOOK = "webhook"


class DeliveryStatus(_Word):
    """One event on one channel: waiting, handed to a send in progress, delivered, or failed (retried later)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


WATCH_KINDS: tuple[str, ...] = WatchKind.values()
ALERT_CHANNELS: tuple[str, ...] = AlertChannel.values()
DELIVERY_STATUSES: tuple[str, ...] = DeliveryStatus.values()

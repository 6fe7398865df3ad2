"""Chart events, from stored editions only: entries, re-entries, exits, new peaks, top-10 entries, new #1s, and
followed charts whose editions stopped coming.

For a watched artist or label, each of its songs on an edition gives at most one movement event (the most
telling of entry, re-entry, top 10, new peak) and one exit event when it drops out. For a watched chart, every
entry, re-entry and exit, and a new #1. Entries use the API's ``entryState`` and ``oldPosition``, so the first
stored edition of a chart already has them; exits and peaks need the editions stored before.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby

from soundcharts_assets.alerts.events import (
    ENTRY,
    EXIT,
    FOLLOWED_CHARTS,
    NEW_PEAK,
    NUMBER_ONE,
    RE_ENTRY,
    STALE,
    TOP_10,
    AlertEvent,
    Watchers,
    event_key,
)
from soundcharts_assets.warehouse.alert_inputs import RankedSong, SongCredits

TOP = 10
CADENCE_DAYS = {"daily": 1, "weekly": 7, "monthly": 31}
"""Days between two editions by the chart's ``frequency``; an unknown frequency counts as weekly."""
GRACE_DAYS = 1
"""An edition is published the day after its date and refreshed by 07:00: a day of slack before it is late."""


@dataclass(frozen=True)
class ChartContext:
    """One chart's stored editions in the window and what they are compared with."""

    slug: str
    name: str
    editions: Sequence[Sequence[RankedSong]]
    """Oldest first; the first is the edition before the window when one is stored (compared, not reported)."""
    first_in_window: int
    best_before: Mapping[str, int]
    credits: Mapping[str, SongCredits]
    history_since: datetime | None = None
    """The oldest stored edition: a song's peak is known only if it entered the chart on or after it."""


def split_editions(rows: Sequence[RankedSong], since: datetime) -> tuple[list[list[RankedSong]], int]:
    """Rows grouped by edition, and the index of the first edition dated ``since`` or later."""
    editions = [list(group) for _, group in groupby(rows, key=lambda row: row.ranking_date)]
    first = next((i for i, edition in enumerate(editions) if edition[0].ranking_date >= since), len(editions))
    return editions, first


def chart_events(chart: ChartContext, watchers: Watchers) -> list[AlertEvent]:
    """Every chart event of the window's editions, for every watchlist that watches the chart or a song."""
    best = dict(chart.best_before)
    events: list[AlertEvent] = []
    previous: Sequence[RankedSong] = chart.editions[chart.first_in_window - 1] if chart.first_in_window else ()
    for edition in chart.editions[chart.first_in_window :]:
        events.extend(_edition_events(chart, edition, previous, best, watchers))
        for row in edition:
            best[row.song_uuid] = min(best.get(row.song_uuid, row.position), row.position)
        previous = edition
    return events


def _edition_events(
    chart: ChartContext,
    edition: Sequence[RankedSong],
    previous: Sequence[RankedSong],
    best: Mapping[str, int],
    watchers: Watchers,
) -> Iterator[AlertEvent]:
    before = {row.song_uuid: row for row in previous}
    day = edition[0].ranking_date.date()
    chart_lists = watchers.charts.get(chart.slug, ())
    for row in edition:
        song_lists = watchers.of_song(chart.credits.get(row.song_uuid))
        known_peak = (
            chart.history_since is not None and row.entry_date is not None and (row.entry_date >= chart.history_since)
        )
        movement = _movement(row, before, best, bool(previous), known_peak)
        if movement is not None:
            for watchlist, why in song_lists.items():
                yield _event(chart, watchlist, movement, row, day, why, best, before)
        entering = movement if movement in (ENTRY, RE_ENTRY) else None
        for watchlist in chart_lists:
            if entering:
                yield _event(chart, watchlist, entering, row, day, None, best, before)
        if row.position == 1 and _new_number_one(row, previous):
            for watchlist in chart_lists:
                yield _event(chart, watchlist, NUMBER_ONE, row, day, None, best, before)
    here = {row.song_uuid for row in edition}
    for gone in (row for row in previous if row.song_uuid not in here):
        lists = {**dict.fromkeys(chart_lists, ""), **watchers.of_song(chart.credits.get(gone.song_uuid))}
        for watchlist, why in lists.items():
            yield _event(chart, watchlist, EXIT, gone, day, why or None, best, before)


def _movement(
    row: RankedSong, before: Mapping[str, RankedSong], best: Mapping[str, int], compared: bool, known_peak: bool
) -> str | None:
    """The most telling move of a ranked song, or None: entry, re-entry, top 10, new peak (when its peak is known)."""
    state = (row.entry_state or "").upper()
    if state == "NEW" or (not state and compared and row.song_uuid not in before and row.song_uuid not in best):
        return ENTRY
    if state == "RE_ENTRY" or (not state and compared and row.song_uuid not in before and row.song_uuid in best):
        return RE_ENTRY
    was = row.old_position if row.old_position is not None else _position(before.get(row.song_uuid))
    if row.position <= TOP and (not was or was > TOP):
        return TOP_10
    if known_peak and row.song_uuid in best and row.position < best[row.song_uuid]:
        return NEW_PEAK
    return None


def _new_number_one(row: RankedSong, previous: Sequence[RankedSong]) -> bool:
    if previous:
        return previous[0].position != 1 or previous[0].song_uuid != row.song_uuid
    return row.old_position is not None and row.old_position != 1


def _position(row: RankedSong | None) -> int | None:
    return row.position if row else None


def _event(
    chart: ChartContext,
    watchlist: str,
    kind: str,
    row: RankedSong,
    day: date,
    why: str | None,
    best: Mapping[str, int],
    before: Mapping[str, RankedSong],
) -> AlertEvent:
    credits = chart.credits.get(row.song_uuid)
    song = (credits.name if credits else None) or row.song_name or row.song_uuid
    by = (credits.credit_name if credits else None) or row.credit_name
    was = before.get(row.song_uuid)
    figures = {
        "chart": chart.slug,
        "edition": day.isoformat(),
        "song": song,
        "song_uuid": row.song_uuid,
        "position": row.position if kind != EXIT else None,
        "previous_position": was.position if was else (row.old_position or None),
        "previous_edition": was.ranking_date.date().isoformat() if was else None,
        "best_before": best.get(row.song_uuid),
        "watched": why,
    }
    text = f'"{song}"' + (f" by {by}" if by else "")
    where = f"{chart.name} ({chart.slug})" if chart.name != chart.slug else chart.slug
    message = {
        ENTRY: f"{text} entered {where} at #{row.position} on {day}",
        RE_ENTRY: f"{text} re-entered {where} at #{row.position} on {day}",
        EXIT: f"{text} left {where} on {day} (was #{row.position} on {row.ranking_date.date()})",
        TOP_10: f"{text} entered the top 10 of {where}: #{row.position} on {day} (was #{figures['previous_position']})",
        NEW_PEAK: f"{text} reached a new peak on {where}: #{row.position} on {day} "
        f"(best before: #{figures['best_before']})",
        NUMBER_ONE: f"New #1 on {where} on {day}: {text}"
        + (f" (was #{figures['previous_position']})" if figures["previous_position"] else ""),
    }[kind]
    if why:
        message += f" [{why}]"
    return AlertEvent(
        key=event_key(watchlist, kind, chart.slug, row.song_uuid, day.isoformat()),
        watchlist=watchlist,
        kind=kind,
        chart_slug=chart.slug,
        subject_uuid=row.song_uuid,
        event_date=day,
        message=message,
        figures=figures,
    )


def stale_event(slug: str, name: str | None, frequency: str | None, latest: datetime, today: date) -> AlertEvent | None:
    """An event when a followed chart's newest stored edition is older than its cadence allows, else None.

    One event per stall: its identity is the last edition seen, so a chart that recovers and stalls again
    alerts again, and a chart that stays stale alerts once.
    """
    cadence = CADENCE_DAYS.get(frequency or "", 7)
    age = (today - latest.date()).days
    if age <= cadence + GRACE_DAYS:
        return None
    where = f"{name} ({slug})" if name and name != slug else slug
    expected = f"every {cadence} days" if cadence > 1 else "every day"
    figures = {
        "chart": slug,
        "latest_edition": latest.date().isoformat(),
        "age_days": age,
        "frequency": frequency,
        "allowed_days": cadence + GRACE_DAYS,
    }
    return AlertEvent(
        key=event_key(FOLLOWED_CHARTS, STALE, slug, None, latest.date().isoformat()),
        watchlist=FOLLOWED_CHARTS,
        kind=STALE,
        chart_slug=slug,
        subject_uuid=None,
        event_date=today,
        message=f"{where} is stale: newest stored edition {latest.date()} is {age} days old "
        f"(a {frequency or 'chart'} edition comes {expected}; allowed: {cadence + GRACE_DAYS} days)",
        figures=figures,
    )

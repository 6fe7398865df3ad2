"""How often each audience source is refreshed: its interval bounds, from its row's defaults and the settings.

``due.py`` says when a series is due within its bounds; this module says what the bounds are. A source is
never fetched sooner than its minimum and never later than its maximum. The minimum is, in order: the source's
own ``SOUNDCHARTS_REFRESH_MIN_HOURS=name=N``; the blanket ``SOUNDCHARTS_REFRESH_MIN_HOURS=N``; the freshness
window (``SOUNDCHARTS_AUDIENCE_FRESHNESS_HOURS``) for a primary source, :data:`CONTEXT_WINDOWS` of it for the
others; never below the row's built-in minimum (airplay's week) unless the source's own setting says so.
The maximum is ``SOUNDCHARTS_REFRESH_MAX_HOURS`` (default :data:`DEFAULT_REFRESH_MAX_HOURS`), at least the
minimum.
"""

from __future__ import annotations

from soundcharts_assets.due import RefreshPolicy
from soundcharts_assets.settings import FreshnessSettings
from soundcharts_assets.sources import audience_sources, source_names

__all__ = ["CONTEXT_WINDOWS", "DEFAULT_REFRESH_MAX_HOURS", "max_hours", "min_hours", "refresh_policy"]

DEFAULT_REFRESH_MAX_HOURS = 15 * 24.0
"""The slowest crawl cadence the API documents (tiny social accounts): no series waits longer by default."""

CONTEXT_WINDOWS = 2
"""The default minimum of every source but the primary ones (and airplay's week), in freshness windows: 48 h
by default. Spotify streams are what most charts rank by and stay at the freshness window (a day); YouTube
views, Shazam counts, monthly listeners and YouTube, Instagram and TikTok followers are context, fetched every
other window (social accounts are crawled no more often than every 2 days anyway; an artist's Spotify
followers share the ``spotify`` name with a song's streams and keep the window). One call then brings two
days, so a failed crawl (~7 % of a daily series' days, only known by asking) wastes a call only when two in a
row failed: measured on the simulated month, the defaults' waste went from 6.1 % to 3.9 % and their calls from
1,531 to 1,160 a day (docs/benchmarks.md). A blanket or per-source ``SOUNDCHARTS_REFRESH_MIN_HOURS`` replaces
it (``24``: every crawled series daily, airplay keeps its week); a freshness window of 0 (refetch everything)
keeps 0. Current-stats mode keeps every source at the window: its one call per entity a day is what avoids
series calls."""


def _defaults(name: str) -> tuple[bool, float]:
    """``(primary, built-in minimum)`` of the source named ``name`` (rows sharing a name share them)."""
    for source in audience_sources():
        if source.name == name:
            return source.primary, source.min_hours
    return False, 0.0


def min_hours(freshness: FreshnessSettings, source: str) -> float:
    """The source's own setting, else the blanket one, else the default (the freshness window for a primary
    source, :data:`CONTEXT_WINDOWS` of it for the rest unless current stats are on: one call per entity a day
    then gives every platform's day, and a skipped day would be a gap to fill with a series call); never below
    the source's built-in minimum."""
    if source in freshness.refresh_min.by_source:
        return freshness.refresh_min.by_source[source]
    primary, built_in = _defaults(source)
    context = not primary and not freshness.current_stats
    default = freshness.audience_hours * (CONTEXT_WINDOWS if context else 1)
    return max(freshness.refresh_min.hours(source, default), built_in)


def max_hours(freshness: FreshnessSettings, source: str) -> float:
    return max(freshness.refresh_max.hours(source, DEFAULT_REFRESH_MAX_HOURS), min_hours(freshness, source))


def refresh_policy(freshness: FreshnessSettings) -> RefreshPolicy:
    """The due rule's bounds for every audience source (``due.py``)."""
    names = source_names()
    return RefreshPolicy(
        default_min_hours=freshness.audience_hours,
        default_max_hours=max(DEFAULT_REFRESH_MAX_HOURS, freshness.audience_hours),
        min_hours={source: min_hours(freshness, source) for source in names},
        max_hours={source: max_hours(freshness, source) for source in names},
    )

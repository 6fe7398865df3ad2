"""How many API calls the cascade for one chart would spend now, per asset, without calling the API.

This is the project's one cost model: ``cascade --dry-run``, the ``estimated_calls`` metadata and the monthly
budget's check (``budget.py``) use :func:`estimate_calls`; ``budget``'s forecast (``forecast.py``) uses the
same due rule and call counts over a month.

Calls are what the Soundcharts plan meters, so a user deciding whether to run a chart (``cascade --dry-run``)
and a run's metadata both want this number. It is an estimate because the ranking is not fetched: a new
edition may bring songs and artists we cannot know about, and for those we extrapolate from what is stored.

Reading the warehouse (:func:`stored_state`) is kept apart from the arithmetic (:func:`estimate_calls`), so
the rules are unit-tested on plain numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from soundcharts_assets.cascade.audience import LEAVERS_LOOKBACK_DAYS
from soundcharts_assets.cascade.report import Fleet
from soundcharts_assets.clock import utc_now
from soundcharts_assets.settings import FreshnessSettings, api_settings_from_env, freshness_from_env
from soundcharts_assets.soundcharts.pagination import BATCH_SIZE, MAX_PAGE_SIZE, MAX_WINDOW_DAYS
from soundcharts_assets.vocabulary import ARTIST_AUDIENCE_SOURCES, TRACK_AUDIENCE_SOURCES
from soundcharts_assets.warehouse import Warehouse

DEFAULT_CHART_SIZE = 100
"""Entries assumed for a chart whose size is unknown (no ``max_results``, no stored edition)."""
ARTISTS_PER_SONG = 1.5
"""New artists per unknown song when nothing stored tells us better."""


@dataclass(frozen=True)
class StoredState:
    """What the warehouse already holds for one chart, reduced to the counts the estimate needs.

    ``*_pairs`` are stale (entity, source) audience pairs, the last fetches of entities the chart dropped
    included; ``*_pairs_long`` are those never fetched or fetched longer ago than the lookback, which need
    the whole lookback (possibly several 90-day windows).
    """

    chart_size: int | None
    edition_size: int
    stale_songs: int
    songs_without_credits: int
    songs_with_credits: int
    known_artists: int
    stale_known_artists: int
    stale_track_pairs: int = 0
    stale_track_pairs_long: int = 0
    stale_artist_pairs: int = 0
    stale_artist_pairs_long: int = 0
    lookback_days: int = 90
    stored_tracks: int = 0
    stored_artists: int = 0


def ceil_div(count: float, size: int) -> int:
    return math.ceil(count / size) if count > 0 else 0


def windows_for(days: int) -> int:
    """90-day windows (one call each: a window's ≤ 90 points fit one 100-item page) covering ``days``."""
    return max(1, ceil_div(days, MAX_WINDOW_DAYS))


def artists_per_new_song(state: StoredState, default: float = ARTISTS_PER_SONG) -> float:
    """Distinct artists a song not fetched yet brings: the warehouse's artists per track, else ``default``.

    Hits share artists, so distinct artists per song are well under the credits per song. The whole
    warehouse is a better sample than the chart's few stored songs (whose ratio is biased high: a handful of
    songs rarely share an artist). It still errs high, as some of those artists are stored and fresh already.
    """
    if state.stored_tracks:
        return state.stored_artists / state.stored_tracks
    return default


def estimate_calls(state: StoredState, artists_per_song: float = ARTISTS_PER_SONG) -> dict[str, int]:
    """Calls per cascade asset: ranking pages, song and artist batches of 10, audience windows."""
    size = state.chart_size or state.edition_size or DEFAULT_CHART_SIZE
    if state.edition_size == 0:  # nothing stored: every song, its artists and audiences are new
        stale_songs, unknown_songs = size, size
        track_pairs, track_long = size * len(TRACK_AUDIENCE_SOURCES), size * len(TRACK_AUDIENCE_SOURCES)
    else:
        stale_songs, unknown_songs = state.stale_songs, state.songs_without_credits
        track_pairs, track_long = state.stale_track_pairs, state.stale_track_pairs_long
    new_artists = round(unknown_songs * artists_per_new_song(state, artists_per_song))
    artist_pairs = state.stale_artist_pairs + new_artists * len(ARTIST_AUDIENCE_SOURCES)
    artist_long = state.stale_artist_pairs_long + new_artists * len(ARTIST_AUDIENCE_SOURCES)
    full = windows_for(state.lookback_days)
    return {
        "chart_rankings": ceil_div(size, MAX_PAGE_SIZE),
        "tracks": ceil_div(stale_songs, BATCH_SIZE),
        "artists": 0,
        "artist_metadata": ceil_div(state.stale_known_artists + new_artists, BATCH_SIZE),
        "track_audience": (track_pairs - track_long) + track_long * full,
        "artist_audience": (artist_pairs - artist_long) + artist_long * full,
    }


def stored_state(warehouse: Warehouse, slug: str, freshness: FreshnessSettings, now: datetime) -> StoredState:
    """Count what is fresh for ``slug``'s latest stored edition, with the cascade's own freshness reads."""
    return stored_states(warehouse, [slug], freshness, now)[slug]


def stored_states(
    warehouse: Warehouse, slugs: Sequence[str], freshness: FreshnessSettings, now: datetime
) -> dict[str, StoredState]:
    """:func:`stored_state` for charts refreshed together, overlap removed: a song or artist several charts
    share is counted for the first of them only, the rule by which a fleet run charges its calls
    (``report.Fleet.owner``). So the charts' estimates add up to what refreshing them together costs."""
    seen_songs: set[str] = set()
    seen_artists: set[str] = set()
    stored = warehouse.table_counts(only=("tracks", "artists"))
    charts = list(dict.fromkeys(slugs))
    leavers = {
        "song": _leavers_by_owner(warehouse, charts, "song", warehouse.ranking_song_uuids),
        "artist": _leavers_by_owner(warehouse, charts, "artist", warehouse.chart_artist_uuids),
    }
    states = {}
    for slug in charts:
        owned = {kind: by_owner.get(slug, {}) for kind, by_owner in leavers.items()}
        states[slug] = _chart_state(warehouse, slug, freshness, now, seen_songs, seen_artists, stored, owned)
    return states


def _leavers_by_owner(
    warehouse: Warehouse, charts: list[str], kind: str, followed: Callable[[str], list[str]]
) -> dict[str, dict[date, list[str]]]:
    """The entities the charts dropped and none of them follows, by the chart their last fetch is charged to
    and the day it must reach: the audience steps' own grouping (``Fleet.leavers_by_day``)."""
    fleet = Fleet(
        {slug: followed(slug) for slug in charts},
        {slug: warehouse.left_recently(slug, kind, LEAVERS_LOOKBACK_DAYS) for slug in charts},
    )
    owned: dict[str, dict[date, list[str]]] = {}
    for day, uuids in fleet.leavers_by_day().items():
        for uuid in uuids:
            owned.setdefault(fleet.owner(uuid), {}).setdefault(day, []).append(uuid)
    return owned


def _chart_state(
    warehouse: Warehouse,
    slug: str,
    freshness: FreshnessSettings,
    now: datetime,
    seen_songs: set[str],
    seen_artists: set[str],
    stored: dict[str, int],
    leavers: Mapping[str, Mapping[date, list[str]]],
) -> StoredState:
    """One chart's counts, leaving out (and then adding to) the entities of the charts counted before it."""
    chart = warehouse.get_chart(slug)
    edition = warehouse.ranking_song_uuids(slug)
    songs = [uuid for uuid in dict.fromkeys(edition) if uuid not in seen_songs]
    metadata_age = timedelta(hours=freshness.metadata_hours)
    credited = warehouse.credited_artists(songs)
    artists = [a for a in dict.fromkeys(a.uuid for refs in credited.values() for a in refs) if a not in seen_artists]
    seen_songs.update(songs)
    seen_artists.update(artists)
    audience_age = timedelta(hours=freshness.audience_hours)
    long_age = timedelta(days=freshness.audience_lookback_days)
    policy = freshness.refresh_policy()  # the audience steps' own due rule (due.py)

    def stale_pairs(entity: str, uuids: list[str], sources: tuple[str, ...]) -> tuple[int, int]:
        stale = warehouse.stale_audience(entity, uuids, sources, policy, now)
        long = warehouse.stale_audience(entity, uuids, sources, max(audience_age, long_age), now)
        return len(stale), len(long)

    def caught_up(entity: str, sources: tuple[str, ...]) -> int:
        """The last fetches of the entities charged to this chart (``RefreshPolicy.catching_up``)."""
        by_day = leavers.get(entity, {})
        return sum(
            len(warehouse.stale_audience(entity, uuids, sources, policy.catching_up(day), now))
            for day, uuids in by_day.items()
        )

    track_pairs, track_long = stale_pairs("song", songs, TRACK_AUDIENCE_SOURCES)
    artist_pairs, artist_long = stale_pairs("artist", artists, ARTIST_AUDIENCE_SOURCES)
    track_pairs += caught_up("song", TRACK_AUDIENCE_SOURCES)
    artist_pairs += caught_up("artist", ARTIST_AUDIENCE_SOURCES)
    return StoredState(
        chart_size=chart.max_results if chart else None,
        edition_size=len(edition),
        stale_songs=len(warehouse.stale_song_uuids(songs, metadata_age, now)),
        songs_without_credits=sum(1 for u in songs if u not in credited),
        songs_with_credits=len(credited),
        known_artists=len(artists),
        stale_known_artists=len(warehouse.stale_artist_uuids(artists, metadata_age, now)),
        stale_track_pairs=track_pairs,
        stale_track_pairs_long=track_long,
        stale_artist_pairs=artist_pairs,
        stale_artist_pairs_long=artist_long,
        lookback_days=freshness.audience_lookback_days,
        stored_tracks=stored["tracks"],
        stored_artists=stored["artists"],
    )


def estimate_from_env(
    slug: str, warehouse: Warehouse | None = None, freshness: FreshnessSettings | None = None
) -> tuple[dict[str, int], StoredState]:
    """The estimate against ``warehouse`` (default: the environment's) with ``freshness`` (default: the
    environment's; a Dagster run passes its ``CascadePolicyResource``'s)."""
    own = warehouse is None
    wh = Warehouse.from_env() if warehouse is None else warehouse
    try:
        if own:
            wh.migrate()  # a chart registered in Dagster may not have reached a fresh warehouse yet
        state = stored_state(wh, slug, freshness or freshness_from_env(), utc_now())
    finally:
        if own:
            wh.dispose()
    return estimate_calls(state), state


def estimated_calls(
    slug: str, warehouse: Warehouse | None = None, freshness: FreshnessSettings | None = None
) -> dict[str, int]:
    """Per-asset calls only: the ``estimated_calls`` metadata of a run's ranking."""
    return estimate_from_env(slug, warehouse, freshness)[0]


def estimate_for_cli(slug: str) -> dict[str, Any]:
    """``cascade SLUG --dry-run``: calls per asset, their total, the time they take at the rate limit, and
    the stored counts they were derived from. No API call is made."""
    by_asset, state = estimate_from_env(slug)
    total = sum(by_asset.values())
    rate = api_settings_from_env().rate_limit_per_minute
    return {
        "chart": slug,
        "estimated_calls": by_asset,
        "total_calls": total,
        "seconds_at_rate_limit": round(total * 60 / rate, 1),
        "rate_limit_per_minute": rate,
        "basis": asdict(state),
    }

"""How many API calls the cascade for a chart would send now, and how many of them would be billed, per asset,
without calling the API.

This is the project's one cost model: ``cascade --dry-run``, the ``estimated_calls`` metadata and the monthly
budget's check (``budget.py``) use :func:`estimate`; ``budget``'s forecast (``forecast.py``) uses the same due
rule and call counts over a month. The budget and the ledger count calls billed, so ``estimated_calls`` are
calls billed; calls sent (404s included) set the time a refresh takes at the rate limit.

It uses what is known (``stored.py``): the chart's size (from ``charts add`` or its latest edition), the songs,
artists and series already stored and the due rule, the editions published since the stored one and the new
songs they are likely to bring, and the warehouse's own rates. What is not known is assumed: a chart never
fetched has none of its songs stored (shared hits make it cheaper), and before anything is stored, every
series answers (billed) and a song brings :data:`ARTISTS_PER_SONG` new artists.

It reads no setting itself: the caller passes the warehouse and the freshness settings (a Dagster run its
resources', ``cascade --dry-run`` the environment's, in ``cli/estimate.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from soundcharts_assets.cascade.stored import (
    FetchesRead,
    StoredState,
    WarehouseRates,
    stored_states,
    warehouse_rates,
)
from soundcharts_assets.clock import utc_now
from soundcharts_assets.settings import FreshnessSettings
from soundcharts_assets.soundcharts.pagination import BATCH_SIZE, MAX_PAGE_SIZE, MAX_WINDOW_DAYS
from soundcharts_assets.sources import source_names
from soundcharts_assets.vocabulary import EntityKind
from soundcharts_assets.warehouse import Warehouse

__all__ = [
    "CallEstimate",
    "Estimator",
    "StoredState",
    "estimate",
    "estimate_calls",
    "estimate_charts",
    "estimate_document",
    "stored_states",
    "warehouse_rates",
]

DEFAULT_CHART_SIZE = 100
"""Entries assumed for a chart whose size is unknown (no ``max_results``, no stored edition)."""
ARTISTS_PER_SONG = 0.9
"""Distinct new artists per song not fetched yet, before the warehouse holds :data:`MIN_SONGS` songs: hits
share artists, so a chart has fewer distinct artists than credits (a top 200 has about 150 to 200)."""
MIN_SONGS = 50
"""Stored songs before the warehouse's own artists per song replace :data:`ARTISTS_PER_SONG`."""
ASSETS = ("chart_rankings", "tracks", "artists", "artist_metadata", "track_audience", "artist_audience")


@dataclass(frozen=True)
class CallEstimate:
    """Calls per cascade asset that refreshing a chart now would send, and those of them that would be billed."""

    sent: dict[str, int]
    billed: dict[str, int]
    first_fetch: bool = False
    """Nothing of the chart is stored: its songs are assumed new (songs other charts share cost nothing)."""

    @property
    def total_sent(self) -> int:
        return sum(self.sent.values())

    @property
    def total_billed(self) -> int:
        return sum(self.billed.values())


def ceil_div(count: float, size: int) -> int:
    return math.ceil(count / size) if count > 0 else 0


def windows_for(days: int) -> int:
    """90-day windows (one call each: a window's ≤ 90 points fit one 100-item page) covering ``days``."""
    return max(1, ceil_div(days, MAX_WINDOW_DAYS))


def artists_per_new_song(state: StoredState, default: float = ARTISTS_PER_SONG) -> float:
    """Distinct artists a song not fetched yet brings: the warehouse's artists per track, else ``default``.

    The whole warehouse is a better sample than the chart's few stored songs (whose ratio is biased high: a
    handful of songs rarely share an artist). It errs high, as some of those artists are stored already.
    """
    if state.stored_tracks >= MIN_SONGS:
        return state.stored_artists / state.stored_tracks
    return default


def _first_fetches(state: StoredState, entity: EntityKind, count: int) -> tuple[int, float]:
    """Calls sent and billed to fetch ``count`` new entities' series: each source's whole lookback, less the
    share of that source the API answers with a free 404."""
    sources = source_names(entity)
    calls = count * windows_for(state.lookback_days)
    billed = sum(calls * (1 - state.free_shares.get(f"{entity.value}:{source}", 0.0)) for source in sources)
    return calls * len(sources), billed


def estimate(state: StoredState, artists_per_song: float = ARTISTS_PER_SONG) -> CallEstimate:
    """Calls per cascade asset: ranking pages, song and artist batches of 10, audience windows."""
    size = state.chart_size or state.edition_size or DEFAULT_CHART_SIZE
    first = state.edition_size == 0
    new_songs = size if first else min(size, round(state.new_editions * state.new_songs_per_edition))
    due_songs = new_songs + (0 if first else state.due_songs)
    new_artists = round(
        (new_songs + (0 if first else state.songs_without_credits)) * artists_per_new_song(state, artists_per_song)
    )
    full = windows_for(state.lookback_days)
    long_tracks, long_artists = state.due_track_pairs_long, state.due_artist_pairs_long
    track_sent = (state.due_track_pairs - long_tracks) + long_tracks * full
    artist_sent = (state.due_artist_pairs - long_artists) + long_artists * full
    new_track_sent, new_track_billed = _first_fetches(state, EntityKind.SONG, new_songs)
    new_artist_sent, new_artist_billed = _first_fetches(state, EntityKind.ARTIST, new_artists)
    sent = {
        "chart_rankings": ceil_div(size, MAX_PAGE_SIZE),
        "tracks": ceil_div(due_songs, BATCH_SIZE),
        "artists": 0,
        "artist_metadata": ceil_div(state.due_known_artists + new_artists, BATCH_SIZE),
        "track_audience": track_sent + new_track_sent,
        "artist_audience": artist_sent + new_artist_sent,
    }
    billed = {
        **sent,
        "track_audience": track_sent - state.free_track_pairs + round(new_track_billed),
        "artist_audience": artist_sent - state.free_artist_pairs + round(new_artist_billed),
    }
    return CallEstimate(sent, billed, first)


def estimate_calls(state: StoredState, artists_per_song: float = ARTISTS_PER_SONG) -> dict[str, int]:
    """Calls billed per cascade asset: what the budget and the ``estimated_calls`` metadata count."""
    return estimate(state, artists_per_song).billed


def estimate_charts(
    warehouse: Warehouse, slugs: Sequence[str], freshness: FreshnessSettings, now: datetime
) -> dict[str, CallEstimate]:
    """:func:`estimate` for charts refreshed together (a shared song or artist counted for the first chart)."""
    return {slug: estimate(state) for slug, state in stored_states(warehouse, slugs, freshness, now).items()}


def stored_state(
    warehouse: Warehouse,
    slug: str,
    freshness: FreshnessSettings,
    now: datetime,
    rates: WarehouseRates | None = None,
    fetches: FetchesRead | None = None,
) -> StoredState:
    return stored_states(warehouse, [slug], freshness, now, rates, fetches)[slug]


class Estimator:
    """Each chart's next cascade priced alone, as of one moment: the ``estimated_calls`` metadata of a run's
    ranking. What the charts share (:class:`WarehouseRates`) is read once, when it is made; a fleet's step
    makes one after its refresh and asks it for each chart, from several threads; the series' fetches it read
    for one chart serve the next (:class:`FetchesRead`)."""

    def __init__(self, warehouse: Warehouse, freshness: FreshnessSettings, now: datetime | None = None) -> None:
        self._warehouse, self._freshness, self._now = warehouse, freshness, now or utc_now()
        self._rates = warehouse_rates(warehouse)
        self._fetches = FetchesRead(warehouse)

    def billed(self, slug: str) -> dict[str, int]:
        """Calls billed per asset by ``slug``'s cascade now."""
        state = stored_state(self._warehouse, slug, self._freshness, self._now, self._rates, self._fetches)
        return estimate(state).billed


def estimate_document(slug: str, found: CallEstimate, state: StoredState, rate_limit_per_minute: int) -> dict[str, Any]:
    """``cascade SLUG --dry-run --json``'s document for one chart: calls billed per asset (``estimated_calls``)
    and in total (``total_calls``), calls sent, the time they take at the rate limit, and the stored counts
    they were derived from."""
    return {
        "chart": slug,
        "estimated_calls": found.billed,
        "total_calls": found.total_billed,
        "calls_sent": found.total_sent,
        "estimated_calls_sent": found.sent,
        "first_fetch": found.first_fetch,
        "seconds_at_rate_limit": round(found.total_sent * 60 / rate_limit_per_minute, 1),
        "rate_limit_per_minute": rate_limit_per_minute,
        "basis": asdict(state),
    }

"""What the warehouse already holds for the charts a refresh would cover, reduced to the counts the cost model
(``cost.py``) prices: due songs, artists and audience series (with the due rule of the steps themselves),
the editions published since the stored one and the songs they are likely to bring, and the warehouse's own
rates (artists per song, the share of series the API answers with a free 404).

Kept apart from the arithmetic, so the rules are unit-tested on plain numbers.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from soundcharts_assets.cascade.audience import LEAVERS_LOOKBACK_DAYS
from soundcharts_assets.cascade.step_reports import Fleet
from soundcharts_assets.refresh_policy import refresh_policy
from soundcharts_assets.settings import FreshnessSettings
from soundcharts_assets.sources import source_names
from soundcharts_assets.vocabulary import FREE_STATUSES, EntityKind
from soundcharts_assets.warehouse import Warehouse
from soundcharts_assets.warehouse.audience import LastFetch, Pair, due_among

FREQUENCY_DAYS = {"daily": 1, "weekly": 7}
"""Days between two editions of a chart, by the frequency the API gives it (and between two refreshes, by
sync schedule: the same words)."""


@dataclass(frozen=True)
class StoredState:
    """What the warehouse already holds for one chart, reduced to the counts the estimate needs.

    ``*_pairs`` are due (entity, source) audience pairs, the last fetches of entities the chart dropped
    included; ``*_pairs_long`` are those never fetched or fetched longer ago than the lookback, which need
    the whole lookback (possibly several 90-day windows); ``free_*_pairs`` those whose last answer cost
    nothing (a by-platform 404: asked again, sent, not billed).
    """

    chart_size: int | None
    edition_size: int
    due_songs: int
    songs_without_credits: int
    songs_with_credits: int
    known_artists: int
    due_known_artists: int
    due_track_pairs: int = 0
    due_track_pairs_long: int = 0
    due_artist_pairs: int = 0
    due_artist_pairs_long: int = 0
    lookback_days: int = 90
    stored_tracks: int = 0
    stored_artists: int = 0
    free_track_pairs: int = 0
    free_artist_pairs: int = 0
    new_editions: int = 0
    """Editions published since the stored latest one (editions come out the day after their date)."""
    new_songs_per_edition: float = 0.0
    """Songs each new edition is likely to bring that the warehouse does not hold and no earlier chart of the
    run ranks (they cost their metadata and first audience fetches)."""
    leaving_songs: int = 0
    """Songs of the stored edition the new songs are likely to replace (its bottom): no longer followed, their
    series only get their last fetch (``RefreshPolicy.catching_up``)."""
    free_shares: Mapping[str, float] = field(default_factory=dict)
    """``song:youtube`` -> the share of that source's series the API answered with a free 404 or 403."""


@dataclass(frozen=True)
class WarehouseRates:
    """What every chart's estimate shares: the songs and artists stored, and each source's free-404 share.

    They describe the whole warehouse, not a chart, so a step describing a fleet reads them once
    (:func:`warehouse_rates`): the fetch outcomes are a pass over every stored fetch, ~30 ms on a 100-chart
    warehouse, which read again for each chart was half of ``chart_rankings``' estimates (issue 22).
    """

    stored: Mapping[str, int]
    free_shares: Mapping[str, float]


def warehouse_rates(warehouse: Warehouse) -> WarehouseRates:
    return WarehouseRates(warehouse.table_counts(only=("tracks", "artists")), free_shares(warehouse))


class FetchesRead:
    """The audience fetches of the entities priced so far, each entity's read once (all its sources).

    A chart's estimate asks three questions of the same series (due now, due for the whole lookback, last answer
    free), which were three reads of its fetches per entity kind: most of the 231,000 rows the describes of a
    50-chart ``chart_rankings`` read. A fleet's charts share most of their entities, so an :class:`Estimator`
    keeps one for all its charts, and the steps' own due rule is applied to what was read
    (``warehouse.audience.due_among``). Its describes run on several threads on PostgreSQL: a lock keeps one read
    per entity.
    """

    def __init__(self, warehouse: Warehouse) -> None:
        self._warehouse = warehouse
        self._lock = threading.Lock()
        self._read: dict[EntityKind, set[str]] = {kind: set() for kind in EntityKind}
        self._fetches: dict[EntityKind, dict[Pair, LastFetch]] = {kind: {} for kind in EntityKind}

    def of(self, kind: EntityKind, uuids: Iterable[str]) -> Mapping[Pair, LastFetch]:
        """The last fetches of ``uuids``' series (a series never fetched has none); read for those not read yet."""
        with self._lock:
            missing = [uuid for uuid in dict.fromkeys(uuids) if uuid not in self._read[kind]]
            if missing:
                self._fetches[kind].update(self._warehouse.last_fetches(kind.value, missing, source_names(kind)))
                self._read[kind].update(missing)
            return self._fetches[kind]


def stored_states(
    warehouse: Warehouse,
    slugs: Sequence[str],
    freshness: FreshnessSettings,
    now: datetime,
    rates: WarehouseRates | None = None,
    fetches: FetchesRead | None = None,
) -> dict[str, StoredState]:
    """Each chart's :class:`StoredState`, overlap removed for charts refreshed together: a song or artist several
    charts share is counted for the first of them only, the rule by which a fleet run charges its calls
    (``report.Fleet.owner``). So the charts' estimates add up to what refreshing them together costs.
    ``rates`` and ``fetches`` are read from the warehouse when not given."""
    fetches = fetches or FetchesRead(warehouse)
    seen_songs: set[str] = set()
    seen_artists: set[str] = set()
    rates = rates or warehouse_rates(warehouse)
    stored = rates.stored
    charts = list(dict.fromkeys(slugs))
    leavers = {
        "song": _leavers_by_owner(warehouse, charts, "song", warehouse.ranking_song_uuids),
        "artist": _leavers_by_owner(warehouse, charts, "artist", warehouse.chart_artist_uuids),
    }
    churn = _churn(warehouse, charts, now)
    states = {}
    for slug in charts:
        owned = {kind: by_owner.get(slug, {}) for kind, by_owner in leavers.items()}
        found = churn.get(slug, {})
        state = _chart_state(
            warehouse,
            fetches,
            slug,
            freshness,
            now,
            seen_songs,
            seen_artists,
            stored,
            owned,
            found.get("leaving_songs", 0),
        )
        states[slug] = replace(state, **found, free_shares=rates.free_shares)
    return states


MIN_SAMPLE = 20
"""Fetches of a source before its observed 404 share is believed (fewer say little)."""


def free_shares(warehouse: Warehouse) -> dict[str, float]:
    """Per ``entity:source``, the share of stored series fetches the API answered with a free 404 or 403."""
    return {
        f"{entity}:{source}": free / total
        for (entity, source), (free, total) in warehouse.fetch_outcomes().items()
        if total >= MIN_SAMPLE
    }


NEW_SONG_SHARE = 0.5
"""Share of an edition's entering songs that the warehouse does not hold, while a chart has one stored edition:
re-entries and songs other followed charts rank are held, fresh releases are not. With two editions, the
chart's own last refresh tells."""


def _churn(warehouse: Warehouse, charts: Sequence[str], now: datetime) -> dict[str, dict[str, Any]]:
    """Per chart: the editions published since its stored latest, the songs they are likely to drop, and the
    songs new to the warehouse they are likely to bring and charge to this chart (a new song an earlier chart
    of the run also ranks is charged to that chart, as ``Fleet.owner`` does).

    Both come from the stored editions the same distance apart (or the latest's ``entryState``); when those are
    closer together than the editions to come, new songs grow with the square root of the span (songs drift in
    and out at the bottom of a chart, so what differs grows much slower than the number of editions). Songs
    the warehouse holds that come back replace songs that leave at about the same cost (a re-entering song's
    series are due as a staying one's are), so only the new songs count as replacing the bottom of the chart.
    """
    available = now.date() - timedelta(days=1)  # an edition comes out the day after its date
    earlier: set[str] = set()
    churn = {}
    for slug in charts:
        chart, latest = warehouse.get_chart(slug), warehouse.latest_ranking_date(slug)
        period = FREQUENCY_DAYS.get((chart.frequency if chart else None) or "", 1)
        editions = 0 if latest is None else max(0, (available - latest.date()).days // period)
        found = warehouse.entrants(slug, max(1, editions) * period)
        if found is None:
            continue
        if found.new_to_warehouse is not None:
            new = len(found.new_to_warehouse - earlier)
        else:
            new = round(len(found.songs - earlier) * NEW_SONG_SHARE)
        earlier |= found.edition
        if editions:
            coming = new * math.sqrt(editions * period / (found.period_days or period))
            churn[slug] = {
                "new_editions": editions,
                "new_songs_per_edition": coming / editions,
                "leaving_songs": min(len(found.edition), round(coming)),
            }
    return churn


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
    fetches: FetchesRead,
    slug: str,
    freshness: FreshnessSettings,
    now: datetime,
    seen_songs: set[str],
    seen_artists: set[str],
    stored: Mapping[str, int],
    leavers: Mapping[str, Mapping[date, list[str]]],
    leaving: int = 0,
) -> StoredState:
    """One chart's counts, leaving out (and then adding to) the entities of the charts counted before it. The
    bottom ``leaving`` songs of the stored edition (and the artists only they credit) count as leavers."""
    chart = warehouse.get_chart(slug)
    edition = warehouse.ranking_song_uuids(slug)
    ranked = [uuid for uuid in dict.fromkeys(edition) if uuid not in seen_songs]
    staying = set(edition[: len(edition) - leaving])
    songs = [uuid for uuid in ranked if uuid in staying]
    metadata_age = timedelta(hours=freshness.metadata_hours)
    credited = warehouse.credited_artists(ranked)
    credits = {song: [a.uuid for a in refs] for song, refs in credited.items()}
    kept = {a for song in songs for a in credits.get(song, [])}
    artists = [a for a in dict.fromkeys(a for refs in credits.values() for a in refs) if a not in seen_artists]
    seen_songs.update(ranked)
    seen_artists.update(artists)
    latest = warehouse.latest_ranking_date(slug)
    dropped = {
        "song": [uuid for uuid in ranked if uuid not in staying],
        "artist": [a for a in artists if a not in kept],
    }
    audience_age = timedelta(hours=freshness.audience_hours)
    long_age = timedelta(days=freshness.audience_lookback_days)
    policy = refresh_policy(freshness)  # the audience steps' own due rule (due.py)

    def due_pairs(kind: EntityKind, uuids: list[str]) -> tuple[int, int, int]:
        entity, sources = kind.value, source_names(kind)
        last_fetches = dict(leavers.get(entity, {}))
        if latest is not None and dropped[entity]:
            last_fetches.setdefault(latest.date(), []).extend(dropped[entity])
        read = fetches.of(kind, [*uuids, *(uuid for left in last_fetches.values() for uuid in left)])
        due = due_among(read, uuids, sources, policy, now)
        for day, left in last_fetches.items():  # the last fetches charged to this chart
            due += due_among(read, left, sources, policy.catching_up(day), now)
        long = due_among(read, uuids, sources, max(audience_age, long_age), now)
        free = sum(1 for pair in due if pair in read and read[pair].status in FREE_STATUSES)
        return len(due), len(long), free

    followed_artists = [a for a in artists if a in kept]
    track_pairs, track_long, free_tracks = due_pairs(EntityKind.SONG, songs)
    artist_pairs, artist_long, free_artists = due_pairs(EntityKind.ARTIST, followed_artists)
    return StoredState(
        chart_size=chart.max_results if chart else None,
        edition_size=len(edition),
        due_songs=len(warehouse.due_song_uuids(songs, metadata_age, now)),
        songs_without_credits=sum(1 for u in songs if u not in credited),
        songs_with_credits=len(credited),
        known_artists=len(artists),
        due_known_artists=len(warehouse.due_artist_uuids(followed_artists, metadata_age, now)),
        due_track_pairs=track_pairs,
        due_track_pairs_long=track_long,
        due_artist_pairs=artist_pairs,
        due_artist_pairs_long=artist_long,
        lookback_days=freshness.audience_lookback_days,
        stored_tracks=stored["tracks"],
        stored_artists=stored["artists"],
        free_track_pairs=free_tracks,
        free_artist_pairs=free_artists,
    )

"""The fleet's steady-state spend: calls per day and per month for the followed charts (``budget``).

Part of the one cost model (:mod:`cost`): a refresh costs ranking pages, metadata batches of 10 for due
songs and artists, and one call per due audience series (several 90-day windows for a first fetch). Over a
month, what matters is how often each series is due:

* entities are counted once however many charts share them (a daily chart's song is not paid again by a
  weekly chart);
* a series whose last fetch recorded a cadence (``due.py``) is due every whole number of cadences that
  reaches ``min`` (at least one), at most every ``max``, but
  at most once per refresh of its charts (daily or weekly schedule); a series with no cadence (never
  fetched, airplay) every ``min`` (a week for airplay), in whole refreshes; a 404 or 403 costs no quota;
* in current-stats mode an entity costs one current-stats call per refresh, plus its airplay and the
  series current stats cannot stand in for (songs with several platform ids);
* the editions sensor polls every followed chart once per tick (24 calls per chart per day at one hour);
* churn: the latest editions' entering songs (``entryState`` NEW or RE_ENTRY in every followed chart that
  ranks them) and the artists credited only on them stand for as many entering and leaving entities per
  refresh. A series due every ``k`` refreshes costs its steady ``1/k`` per refresh over an entity's stay,
  plus ``1 - 1/k`` for its first fetch (made at once) and the odds of a last fetch when the entity leaves
  (``RefreshPolicy.catching_up``: airplay's week mostly, ``1 - 1/k``).

Reading the warehouse (:func:`fleet_state`) is kept apart from the arithmetic (:func:`forecast_daily`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from soundcharts_assets.cascade.cost import ceil_div
from soundcharts_assets.cascade.stored import FREQUENCY_DAYS
from soundcharts_assets.refresh_policy import max_hours, min_hours
from soundcharts_assets.settings import FreshnessSettings
from soundcharts_assets.soundcharts.pagination import BATCH_SIZE, MAX_PAGE_SIZE
from soundcharts_assets.sources import audience_source, audience_sources, source_names
from soundcharts_assets.vocabulary import FREE_STATUSES, EntityKind
from soundcharts_assets.warehouse import Warehouse

PERIOD_DAYS = FREQUENCY_DAYS
"""Days between two refreshes of a chart on each sync schedule (``none``: never refreshed by a schedule): a
schedule refreshes as often as a chart of that frequency publishes."""


@dataclass(frozen=True)
class SeriesRecord:
    """One followed audience series: its kind, source, last fetch status and recorded cadence (hours)."""

    entity: str
    source: str
    period_days: int
    status: str | None = None
    cadence_hours: float | None = None
    several_ids: bool = False


@dataclass
class FleetState:
    """What the forecast needs of the followed charts, counted once per entity."""

    charts: dict[str, str]
    ranking_pages: dict[str, int]
    songs: dict[str, int] = field(default_factory=dict)
    artists: dict[str, int] = field(default_factory=dict)
    series: list[SeriesRecord] = field(default_factory=list)
    entering: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per entity kind (``song``/``artist``) and schedule: entities the latest editions brought into the fleet."""


def refresh_every_days(record: SeriesRecord, freshness: FreshnessSettings) -> float:
    """Days between two paid fetches of a series in the steady state: the due rule's interval (``due.py``;
    the minimum without a cadence, a week for airplay), in whole refreshes of its charts."""
    low, high = min_hours(freshness, record.source), max_hours(freshness, record.source)
    cadence = record.cadence_hours or low  # with a cadence: whole cadences up to the minimum (next_crawl's gap)
    whole = max(1, math.ceil(low / cadence - 1e-9)) if cadence else 1
    interval = min(whole * cadence, high) / 24.0
    return max(record.period_days, math.ceil(interval / record.period_days - 1e-9) * record.period_days)


def forecast_daily(
    state: FleetState, freshness: FreshnessSettings, sensor_interval_seconds: int | None = 3600
) -> dict[str, float]:
    """Calls per day by line: rankings, metadata, each audience source (or current stats), the sensor."""
    daily: dict[str, float] = {}
    for slug, schedule in state.charts.items():
        if schedule in PERIOD_DAYS:
            daily["chart_rankings"] = (
                daily.get("chart_rankings", 0.0) + state.ranking_pages[slug] / PERIOD_DAYS[schedule]
            )
    metadata_days = max(freshness.metadata_hours / 24.0, 1.0)
    for kind, counts in (("tracks", state.songs), ("artist_metadata", state.artists)):
        daily[kind] = (
            sum(count / max(period, metadata_days) for period, count in _by_period(counts).items()) / BATCH_SIZE
        )
    current_stats_entities: dict[tuple[str, int], int] = {}
    for record in state.series:
        if record.status in FREE_STATUSES:
            continue
        if freshness.current_stats and _in_current_stats(record):
            continue  # counted per entity below
        key = f"{record.entity}:{record.source}"
        daily[key] = daily.get(key, 0.0) + 1.0 / refresh_every_days(record, freshness)
    if freshness.current_stats:
        for kind, counts in (("song", state.songs), ("artist", state.artists)):
            for period, count in _by_period(counts).items():
                current_stats_entities[(kind, period)] = count
        for (kind, period), count in current_stats_entities.items():
            key = f"{kind}:current_stats"
            daily[key] = daily.get(key, 0.0) + count / period
    churn = churn_per_day(state, freshness)
    if churn:
        daily["churn"] = churn
    if sensor_interval_seconds:
        polled = sum(1 for schedule in state.charts.values())
        daily["new_chart_editions"] = polled * 86400 / sensor_interval_seconds
    return {key: round(value, 1) for key, value in daily.items()}


def churn_per_day(state: FleetState, freshness: FreshnessSettings) -> float:
    """Entering entities' first fetches and leaving ones' last fetches, over what the steady lines count:
    ``1 - 1/k`` per entity and series due every ``k`` refreshes for the first fetch, plus the odds of a last
    fetch (:func:`_last_fetch_odds`), averaged over the fleet's series of that kind, plus one metadata batch
    slot per entering entity."""
    extra: dict[tuple[str, int], float] = {}
    count: dict[tuple[str, int], int] = {}
    for record in state.series:
        if record.status in FREE_STATUSES:
            continue
        every = refresh_every_days(record, freshness) / record.period_days
        key = (record.entity, record.period_days)
        extra[key] = extra.get(key, 0.0) + (1 - 1 / every) + _last_fetch_odds(record, every)
        count[key] = count.get(key, 0) + 1
    total = 0.0
    for kind, sources in ((kind, source_names(kind)) for kind in (EntityKind.SONG.value, EntityKind.ARTIST.value)):
        for schedule, entering in state.entering.get(kind, {}).items():
            period = PERIOD_DAYS.get(schedule)
            if period is None or not count.get((kind, period)):
                continue
            per_series = extra[(kind, period)] / count[(kind, period)]
            total += entering * (per_series * len(sources) + 1 / BATCH_SIZE) / period
    return round(total, 1)


def _in_current_stats(record: SeriesRecord) -> bool:
    """A current-stats call stands in for the series: its source is in the answer, with one platform id."""
    return audience_source(record.entity, record.source).current_stats is not None and not record.several_ids


def _last_fetch_odds(record: SeriesRecord, every: float) -> float:
    """How likely a leaving entity's series needs its last fetch (``RefreshPolicy.catching_up``). Editions
    come out the day after their date, so the last refresh that followed the entity was the day after its
    last ranked day: a crawled series fetched on either of its last two refreshes already holds that day; a
    window (airplay, no crawl date) ends the day before its fetch, so only the last refresh's holds it."""
    if record.cadence_hours is None:
        return 1 - 1 / every
    return max(0.0, 1 - 2 / every)


def _by_period(counts: Mapping[str, int]) -> dict[int, int]:
    """Entities by refresh period: ``counts`` maps a schedule to its number of unique entities."""
    return {PERIOD_DAYS[s]: n for s, n in counts.items() if s in PERIOD_DAYS}


def fleet_state(warehouse: Warehouse, schedules: Mapping[str, str]) -> FleetState:
    """The followed charts' unique songs and artists by their most frequent schedule, and their series."""
    ranked = sorted(schedules, key=lambda slug: PERIOD_DAYS.get(schedules[slug], 10**6))
    song_period: dict[str, str] = {}
    artist_period: dict[str, str] = {}
    pages: dict[str, int] = {}
    for slug in ranked:
        songs = warehouse.ranking_song_uuids(slug)
        chart = warehouse.get_chart(slug)
        pages[slug] = ceil_div((chart.max_results if chart else None) or len(songs) or 100, MAX_PAGE_SIZE)
        for uuid in songs:
            song_period.setdefault(uuid, schedules[slug])
        for uuid in warehouse.chart_artist_uuids(slug):
            artist_period.setdefault(uuid, schedules[slug])
    state = FleetState(dict(schedules), pages)
    state.entering = _entering(warehouse, ranked, song_period, artist_period)
    for kind, by_uuid, sources, counts in (
        (EntityKind.SONG, song_period, source_names(EntityKind.SONG), state.songs),
        (EntityKind.ARTIST, artist_period, source_names(EntityKind.ARTIST), state.artists),
    ):
        for schedule in set(by_uuid.values()):
            counts[schedule] = sum(1 for s in by_uuid.values() if s == schedule)
        followed = [u for u, s in by_uuid.items() if s in PERIOD_DAYS]
        records = warehouse.fetch_records(kind, followed, sources)
        several = (
            {k for k, v in warehouse.stored_sources(followed, audience_sources(kind)).items() if v.identifiers > 1}
            if kind == EntityKind.SONG
            else set()
        )
        for uuid in followed:
            period = PERIOD_DAYS[by_uuid[uuid]]
            for source in sources:
                status, cadence = records.get((uuid, source), (None, None))
                state.series.append(
                    SeriesRecord(kind.value, source, period, status, cadence, (uuid, source) in several)
                )
    return state


def _entering(
    warehouse: Warehouse, charts: list[str], song_period: Mapping[str, str], artist_period: Mapping[str, str]
) -> dict[str, dict[str, int]]:
    """Songs every followed chart that ranks them marks as entering, and the artists credited only on them,
    counted by their schedule (the churn the next refreshes can expect)."""
    ranked_in: dict[str, int] = {}
    entering_in: dict[str, int] = {}
    for slug in charts:
        for uuid in warehouse.ranking_song_uuids(slug):
            ranked_in[uuid] = ranked_in.get(uuid, 0) + 1
        for uuid in warehouse.entering_song_uuids(slug):
            entering_in[uuid] = entering_in.get(uuid, 0) + 1
    songs = {uuid for uuid, n in entering_in.items() if n == ranked_in.get(uuid)}
    credits = warehouse.credited_artists(list(song_period))
    staying = {ref.uuid for song, refs in credits.items() if song not in songs for ref in refs}
    artists = {ref.uuid for song in songs for ref in credits.get(song, [])} - staying
    counted: dict[str, dict[str, int]] = {}
    for kind, uuids, period in (("song", songs, song_period), ("artist", artists, artist_period)):
        for uuid in uuids:
            if uuid in period:
                by_schedule = counted.setdefault(kind, {})
                by_schedule[period[uuid]] = by_schedule.get(period[uuid], 0) + 1
    return counted

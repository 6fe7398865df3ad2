"""The Soundcharts API endpoints: charts, songs, artists and their time series.

Handlers only read the catalogue and shape envelopes; authentication, quota and faults happen before them
(``gate.py``). Not-found and not-in-plan answers follow the reference's messages. One module holds every
endpoint of the protocol (over 300 lines), so the emulator's surface reads like the reference's endpoint list.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from soundcharts_assets.emulator import current_stats
from soundcharts_assets.emulator.charts import PLATFORMS
from soundcharts_assets.emulator.current_stats import DEFAULT_PERIOD, MAX_PERIOD
from soundcharts_assets.emulator.entities import artist_ref, iso_day
from soundcharts_assets.emulator.envelopes import (
    NOT_FOUND,
    NOT_IN_PLAN,
    ApiError,
    batch,
    collection,
    date_window,
    page_params,
    single,
)
from soundcharts_assets.emulator.randomness import unit
from soundcharts_assets.emulator.platforms import LISTENING, LISTENING_PLATFORMS, SOCIAL_PLATFORMS, SONG_PLATFORMS
from soundcharts_assets.emulator.state import EmulatorState

MAX_BATCH = 10
SONG_OPTIONAL = (
    "isrc",
    "iswcs",
    "releaseDate",
    "copyright",
    "duration",
    "explicit",
    "genres",
    "composers",
    "producers",
    "labels",
    "audio",
    "languageCode",
    "imageUrl",
)
ARTIST_OPTIONAL = (
    "imageUrl",
    "webUrl",
    "countryCode",
    "genres",
    "biography",
    "isni",
    "ipi",
    "gender",
    "type",
    "birthDate",
    "careerStage",
    "growthLevel",
    "cityName",
)


def _state(request: Request) -> EmulatorState:
    state: EmulatorState = request.app.state.emulator
    return state


def _collection(request: Request, items: list[Any], related: dict[str, Any] | None = None) -> JSONResponse:
    return collection(request, items, related, _state(request).config.phantom_next_page)


def _ensure_in_plan(state: EmulatorState, platform: str) -> None:
    if platform in state.config.not_in_plan_platforms:
        raise ApiError(403, NOT_IN_PLAN)


# charts -------------------------------------------------------------------------------------------
async def chart_platforms(request: Request) -> JSONResponse:
    return _collection(request, _state(request).catalogue.platforms())


async def charts_by_platform(request: Request) -> JSONResponse:
    platform = request.path_params["platform"]
    if platform not in PLATFORMS:
        raise ApiError(404, NOT_FOUND)
    charts = _state(request).catalogue.song_charts(platform, request.query_params.get("countryCode") or None)
    return _collection(request, charts)


def _chart_slug(request: Request) -> str:
    slug = request.path_params["slug"]
    if _state(request).catalogue.chart(slug) is None:
        raise ApiError(404, NOT_FOUND)
    if slug in _state(request).config.not_in_plan_charts:
        raise ApiError(403, NOT_IN_PLAN)
    return str(slug)


GAPPED_POSITION = 5
"""The entry a chart in ``gapped_ranking_charts`` is served without."""


def parse_ranking_datetime(raw: str) -> datetime:
    """ATOM datetimes with ``Z``, ``+00:00`` or a ``+`` that became a space through form-style encoding."""
    text = raw.strip().replace(" ", "+")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(400, f"Invalid datetime {raw!r}, expected ATOM format e.g. 2024-05-10T00:00:00+00:00")
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


async def ranking(request: Request) -> JSONResponse:
    slug = _chart_slug(request)
    raw = request.path_params.get("datetime")
    catalogue = _state(request).catalogue
    edition = catalogue.edition(slug, parse_ranking_datetime(raw) if raw is not None else None)
    if edition is None:
        raise ApiError(404, NOT_FOUND)
    related = {"chart": catalogue.chart(slug), "date": iso_day(edition.date.date())}
    entries = edition.entries
    if slug in _state(request).config.gapped_ranking_charts:
        entries = [entry for entry in entries if entry["position"] != GAPPED_POSITION]
    return _collection(request, entries, related)


async def available_rankings(request: Request) -> JSONResponse:
    slug = _chart_slug(request)
    dates = [iso_day(d.date()) for d in _state(request).catalogue.ranking_dates(slug)]
    return _collection(request, dates)


# songs and artists ------------------------------------------------------------------------------
def _uuids(request: Request) -> tuple[list[str], bool]:
    raw = request.path_params["uuids"]
    uuids = list(dict.fromkeys(u.strip() for u in raw.split(",") if u.strip()))
    if len(uuids) > MAX_BATCH:
        raise ApiError(400, f"Too many identifiers: at most {MAX_BATCH} per call")
    if not uuids:
        raise ApiError(404, NOT_FOUND)
    return uuids, "," in raw


def _without_optional(state: EmulatorState, obj: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """A ``missing_optional_rate`` share of objects (the same ones for a seed) lose their optional fields."""
    rate = state.config.missing_optional_rate
    if rate > 0 and unit(state.config.seed, obj["uuid"], "optional") < rate:
        return {k: v for k, v in obj.items() if k not in fields}
    return obj


def _song_or_none(state: EmulatorState, uuid: str) -> Any:
    if uuid in state.config.missing_song_uuids:
        return None
    return state.catalogue.song_record(uuid)


async def songs(request: Request) -> JSONResponse:
    state = _state(request)
    uuids, is_batch = _uuids(request)
    found = {u: r.object for u in uuids if (r := _song_or_none(state, u)) is not None}
    return _objects(state, "song", "Song not found", uuids, found, is_batch, SONG_OPTIONAL)


async def artists(request: Request) -> JSONResponse:
    state = _state(request)
    uuids, is_batch = _uuids(request)
    found = {u: r.object for u in uuids if (r := state.catalogue.artist_record(u)) is not None}
    return _objects(state, "artist", "Artist not found", uuids, found, is_batch, ARTIST_OPTIONAL)


def _objects(
    state: EmulatorState,
    kind: str,
    missing: str,
    uuids: list[str],
    found: dict[str, Any],
    is_batch: bool,
    optional: tuple[str, ...],
) -> JSONResponse:
    state.served_metadata(kind, list(found))
    if not is_batch:
        if not found:
            raise ApiError(404, NOT_FOUND)
        return single(kind, _without_optional(state, found[uuids[0]], optional))
    items = [_without_optional(state, found[u], optional) for u in uuids if u in found]
    errors = [{"key": u, "code": 404, "message": missing} for u in uuids if u not in found]
    return batch(items, errors)


# time series ------------------------------------------------------------------------------------
def _song(request: Request) -> Any:
    song = _song_or_none(_state(request), request.path_params["uuid"])
    if song is None:
        raise ApiError(404, NOT_FOUND)
    return song


def _artist(request: Request) -> Any:
    artist = _state(request).catalogue.artist_record(request.path_params["uuid"])
    if artist is None:
        raise ApiError(404, NOT_FOUND)
    return artist


def _platform(request: Request, allowed: tuple[str, ...]) -> str:
    platform = request.path_params["platform"]
    if platform not in allowed:
        raise ApiError(404, NOT_FOUND)
    _ensure_in_plan(_state(request), platform)
    return str(platform)


def _served_days(request: Request, items: list[dict[str, Any]]) -> list[date]:
    """The days of the points this answer's page carries (the same slice ``collection`` serves)."""
    offset, limit = page_params(request)
    return [date.fromisoformat(item["date"][:10]) for item in items[offset : offset + limit]]


async def song_audience(request: Request) -> JSONResponse:
    state, song = _state(request), _song(request)
    platform = _platform(request, tuple(SONG_PLATFORMS))
    if platform not in song.identifiers:
        raise ApiError(404, NOT_FOUND)
    start, end = date_window(request, state.catalogue.today())
    related = {
        "song": {"uuid": song.uuid, "name": song.name, "creditName": song.credit_name},
        "platform": platform,
        "lastCrawlDate": state.catalogue.last_crawl_date("song", song.uuid, platform),
    }
    items = state.catalogue.song_audience(song.uuid, platform, start, end)
    state.served_series("song", song.uuid, platform, _served_days(request, items))
    return _collection(request, items, related)


async def song_broadcast_groups(request: Request) -> JSONResponse:
    state, song = _state(request), _song(request)
    _ensure_in_plan(state, "airplay")
    start, end = date_window(request, state.catalogue.today())
    related = {
        "uuid": song.uuid,
        "name": song.name,
        "creditName": song.credit_name,
        "lastCrawlDate": state.catalogue.last_crawl_date("song", song.uuid, "airplay"),
    }
    first, last = max(start, song.release_date), min(end, state.catalogue.today())
    # The counts sum these days; a later page (past the radios) carries no day again.
    days = [] if page_params(request)[0] else [first + timedelta(days=i) for i in range((last - first).days + 1)]
    state.served_series("song", song.uuid, "airplay", days)
    return _collection(request, state.catalogue.broadcast_groups(song.uuid, start, end), related)


def _artist_related(state: EmulatorState, artist: Any, platform: str, source: str) -> dict[str, Any]:
    return {
        "artist": artist_ref(artist),
        "platform": platform,
        "lastCrawlDate": state.catalogue.last_crawl_date("artist", artist.uuid, source),
    }


async def artist_audience(request: Request) -> JSONResponse:
    state, artist = _state(request), _artist(request)
    platform = _platform(request, tuple(SOCIAL_PLATFORMS))
    if platform not in artist.platforms:
        raise ApiError(404, f"No social account found for artist {artist.uuid} on {platform}")
    start, end = date_window(request, state.catalogue.today())
    items = state.catalogue.artist_audience(artist.uuid, platform, start, end)
    state.served_series("artist", artist.uuid, platform, _served_days(request, items))
    return _collection(request, items, _artist_related(state, artist, platform, platform))


async def artist_listening(request: Request) -> JSONResponse:
    state, artist = _state(request), _artist(request)
    platform = _platform(request, LISTENING_PLATFORMS)
    start, end = date_window(request, state.catalogue.today())
    items = state.catalogue.monthly_listeners(artist.uuid, start, end)
    state.served_series("artist", artist.uuid, "spotify_listening", _served_days(request, items))
    return _collection(request, items, _artist_related(state, artist, platform, LISTENING))


# current stats ----------------------------------------------------------------------------------
def _period(request: Request) -> int:
    raw = request.query_params.get("period") or str(DEFAULT_PERIOD)
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PERIOD:
        raise ApiError(400, f"Invalid value for period: {raw!r}, expected 1 to {MAX_PERIOD} days")
    return int(raw)


def _current_stats_answer(state: EmulatorState, related: dict[str, Any], body: dict[str, Any]) -> JSONResponse:
    """``related`` as the docs draw it (a one-element list) unless the knob asks for an object."""
    shaped: Any = related if state.config.current_stats_related_object else [related]
    return JSONResponse({"related": shaped, **body, "errors": []})


def _stats_gate(state: EmulatorState) -> set[str]:
    """403 when current stats are not in the plan; else the platforms that are."""
    if not state.config.current_stats_in_plan:
        raise ApiError(403, NOT_IN_PLAN)
    return (set(SONG_PLATFORMS) | set(SOCIAL_PLATFORMS)) - state.config.not_in_plan_platforms


async def artist_current_stats(request: Request) -> JSONResponse:
    state = _state(request)
    platforms = _stats_gate(state)
    artist, period = _artist(request), _period(request)
    state.served_current_stats("artist", artist.uuid)
    related = {**artist_ref(artist), "period": period}
    return _current_stats_answer(
        state, related, current_stats.artist_current_stats(state.catalogue, artist.uuid, period, platforms)
    )


async def song_current_stats(request: Request) -> JSONResponse:
    state = _state(request)
    platforms = _stats_gate(state)
    song, period = _song(request), _period(request)
    state.served_current_stats("song", song.uuid)
    related = {
        "uuid": song.uuid,
        "name": song.name,
        "creditName": song.credit_name,
        "imageUrl": song.object["imageUrl"],
        "period": period,
    }
    return _current_stats_answer(
        state, related, current_stats.song_current_stats(state.catalogue, song.uuid, period, platforms)
    )

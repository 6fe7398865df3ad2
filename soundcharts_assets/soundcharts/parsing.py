"""Raw Soundcharts JSON -> typed models, at the edge.

The API's shapes drift between versions (ISRC string vs object, ``label`` vs ``labels``, genre strings vs
``{root, sub}``) and its series mix UTC offsets and skip days, so every variant the reference documents is
accepted here and nowhere else. A missing *required* field (a uuid, an ``items`` list) is a
:class:`MalformedPayloadError` whose one-line message names the endpoint (``where``); optional fields become
``None``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timezone
from typing import Any

from .errors import MalformedPayloadError
from .models import (
    AirplayCount,
    Artist,
    ArtistAudiencePoint,
    ArtistRef,
    Chart,
    ChartRanking,
    Genre,
    Label,
    RankingEntry,
    Song,
    SongAudiencePoint,
    SongRef,
    TeamUsage,
)

# Artist audience keys -> our metric names. followerCount is the main fan count on every platform.
_ARTIST_METRICS = (("followerCount", "followers"), ("likeCount", "likes"), ("viewCount", "views"),
                   ("postCount", "posts"))


def malformed(where: str, problem: str) -> MalformedPayloadError:
    return MalformedPayloadError(f"Soundcharts sent a malformed {where} payload: {problem}")


# --- scalars -------------------------------------------------------------------------------------------

def _fromisoformat(text: str) -> datetime:
    # Python 3.10's fromisoformat does not know "Z"; the API uses both "Z" and "+00:00".
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    return datetime.fromisoformat(text)


def parse_datetime(value: Any, where: str = "", field: str = "date") -> datetime | None:
    """An ISO-8601 instant with any offset -> aware UTC datetime; naive values are taken as UTC."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise malformed(where, f"{field} is not a date string: {value!r:.60}")
    try:
        parsed = _fromisoformat(value.strip())
    except ValueError:
        raise malformed(where, f"{field} is not an ISO date: {value!r:.60}") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def parse_day(value: Any, where: str = "", field: str = "date") -> date | None:
    """The calendar day *as written*: ``2021-06-16T00:00:00+02:00`` is the 16th, not the 15th in UTC.

    Day series are labelled in the zone the data was crawled in; converting to UTC would shift every point of
    older (+02:00) data back a day and collide with its neighbours.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise malformed(where, f"{field} is not a date string: {value!r:.60}")
    text = value.strip()
    try:
        return date.fromisoformat(text[:10]) if len(text) >= 10 else date.fromisoformat(text)
    except ValueError:
        raise malformed(where, f"{field} is not an ISO date: {value!r:.60}") from None


def _opt_str(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _opt_int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value))
        except ValueError:
            return None
    return None


def _opt_float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _opt_bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _required_str(obj: Mapping[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip():
        raise malformed(where, f"required field '{key}' is missing or empty")
    return value.strip()


# --- envelopes -----------------------------------------------------------------------------------------

def envelope_object(payload: Any, where: str) -> Mapping[str, Any]:
    """The ``object`` of a single-entity envelope."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("object"), Mapping):
        raise malformed(where, "'object' is missing or not an object")
    return payload["object"]


def page_items(payload: Any, where: str) -> list[Any]:
    """The ``items`` of a collection envelope; required."""
    if not isinstance(payload, Mapping):
        raise malformed(where, "the body is not a JSON object")
    items = payload.get("items")
    if not isinstance(items, list):
        raise malformed(where, "'items' is missing or not a list")
    return items


def next_page(payload: Mapping[str, Any]) -> str | None:
    """``page.next``: a host-relative path with the full query, or None on the last page."""
    nxt = _dict(payload.get("page")).get("next")
    return nxt if isinstance(nxt, str) and nxt.strip() else None


# --- shared pieces -------------------------------------------------------------------------------------

def parse_genres(value: Any) -> tuple[Genre, ...]:
    """Genres as ``["pop", ...]`` (artist docs) or ``[{"root": "pop", "sub": [...]}]`` (v2.25 songs)."""
    genres: list[Genre] = []
    for item in _list(value):
        if isinstance(item, str) and item.strip():
            genres.append(Genre(root=item.strip()))
        elif isinstance(item, Mapping) and _opt_str(item.get("root")):
            subs = tuple(s for s in _list(item.get("sub")) if isinstance(s, str) and s)
            genres.append(Genre(root=str(item["root"]).strip(), sub=subs))
    return tuple(genres)


def parse_labels(obj: Mapping[str, Any]) -> tuple[Label, ...]:
    """``labels: [{name, type}]`` (v2.25) or the legacy ``label: "Interscope"`` (v2)."""
    labels: list[Label] = []
    for item in _list(obj.get("labels")):
        if isinstance(item, str) and item.strip():
            labels.append(Label(name=item.strip()))
        elif isinstance(item, Mapping) and _opt_str(item.get("name")):
            labels.append(Label(name=str(item["name"]).strip(), type=_opt_str(item.get("type"))))
    legacy = _opt_str(obj.get("label")) if isinstance(obj.get("label"), str) else None
    if not labels and legacy:
        labels.append(Label(name=legacy))
    return tuple(labels)


def parse_isrc(value: Any) -> str | None:
    """``"USUM71900764"`` (v2) or ``{"value": "USUM71900764", "countryCode": ...}`` (v2.25)."""
    if isinstance(value, Mapping):
        return _opt_str(value.get("value"))
    return _opt_str(value) if isinstance(value, str) else None


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(s.strip() for s in _list(value) if isinstance(s, str) and s.strip())


# --- charts --------------------------------------------------------------------------------------------

def parse_chart_platforms(payload: Any, where: str) -> list[str]:
    """Items are ``{code, name}``; bare code strings are accepted too."""
    codes: list[str] = []
    for item in page_items(payload, where):
        code = item.get("code") if isinstance(item, Mapping) else item
        if not isinstance(code, str) or not code.strip():
            raise malformed(where, "a platform has no 'code'")
        codes.append(code.strip())
    return codes


def parse_chart(obj: Any, where: str, default_slug: str | None = None) -> Chart:
    if not isinstance(obj, Mapping):
        raise malformed(where, "a chart is not an object")
    slug = _opt_str(obj.get("slug")) or default_slug
    if not slug:
        raise malformed(where, "a chart has no 'slug'")
    platform = _opt_str(obj.get("platform"))
    if not platform:
        raise malformed(where, f"chart '{slug}' has no 'platform'")
    return Chart(
        slug=slug,
        name=_opt_str(obj.get("name")) or slug,
        platform=platform,
        frequency=_opt_str(obj.get("frequency")),
        country_code=_opt_str(obj.get("countryCode")),
        type=_opt_str(obj.get("type")),
        max_results=_opt_int(obj.get("maxResultsCount")),
        metric_type=_opt_str(_dict(obj.get("metric")).get("type")),
        web_url=_opt_str(obj.get("webUrl")),
    )


def parse_ranking_entry(item: Any, where: str) -> RankingEntry:
    if not isinstance(item, Mapping):
        raise malformed(where, "a ranking item is not an object")
    song = item.get("song")
    if not isinstance(song, Mapping):
        raise malformed(where, "a ranking item has no 'song'")
    position = item.get("position")
    if isinstance(position, bool) or not isinstance(position, int):
        raise malformed(where, f"song {song.get('uuid')!r} has no integer 'position'")
    return RankingEntry(
        song=SongRef(
            uuid=_required_str(song, "uuid", where),
            name=_opt_str(song.get("name")),
            credit_name=_opt_str(song.get("creditName")),
            image_url=_opt_str(song.get("imageUrl")),
        ),
        position=position,
        old_position=_opt_int(item.get("oldPosition")),
        position_evolution=_opt_int(item.get("positionEvolution")),
        metric=_opt_float(item.get("metric")),
        entry_state=_opt_str(item.get("entryState")),
        entry_date=parse_datetime(item.get("entryDate"), where, "entryDate"),
        rank_date=parse_datetime(item.get("rankDate"), where, "rankDate"),
        time_on_chart=_opt_int(item.get("timeOnChart")),
        time_on_chart_unit=_opt_str(item.get("timeOnChartUnit")),
    )


def parse_ranking_related(payload: Any, where: str, slug: str, at: datetime | None) -> tuple[Chart, datetime]:
    """The chart and edition date from the first page's ``related``; ``at`` stands in for a missing date."""
    related = _dict(_dict(payload).get("related"))
    chart = parse_chart(related.get("chart"), where, default_slug=slug)
    when = parse_datetime(related.get("date"), where, "related.date") or at
    if when is None:
        raise malformed(where, "'related.date' is missing")
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return chart, when.astimezone(timezone.utc)


def build_ranking(chart: Chart, when: datetime, items: list[Any], where: str) -> ChartRanking:
    return ChartRanking(chart=chart, date=when, entries=tuple(parse_ranking_entry(i, where) for i in items))


def parse_ranking_dates(items: list[Any], where: str) -> list[datetime]:
    """Items are bare ISO strings; ``{"date": ...}`` objects are accepted too."""
    dates: list[datetime] = []
    for item in items:
        raw = item.get("date") if isinstance(item, Mapping) else item
        parsed = parse_datetime(raw, where, "ranking date")
        if parsed is None:
            raise malformed(where, "a ranking date is empty")
        dates.append(parsed)
    return dates


# --- songs and artists ---------------------------------------------------------------------------------

def parse_artist_ref(obj: Any, where: str) -> ArtistRef:
    if not isinstance(obj, Mapping):
        raise malformed(where, "a credited artist is not an object")
    return ArtistRef(uuid=_required_str(obj, "uuid", where), slug=_opt_str(obj.get("slug")),
                     name=_opt_str(obj.get("name")))


def parse_song(obj: Any, where: str) -> Song:
    if not isinstance(obj, Mapping):
        raise malformed(where, "a song is not an object")
    uuid = _required_str(obj, "uuid", where)
    artists = obj.get("artists") if isinstance(obj.get("artists"), list) else obj.get("mainArtists")
    return Song(
        uuid=uuid,
        name=_opt_str(obj.get("name")) or "",
        credit_name=_opt_str(obj.get("creditName")),
        isrc=parse_isrc(obj.get("isrc")),
        release_date=parse_day(obj.get("releaseDate"), where, "releaseDate"),
        duration=_opt_int(obj.get("duration")),
        explicit=_opt_bool(obj.get("explicit")),
        genres=parse_genres(obj.get("genres")),
        labels=parse_labels(obj),
        artists=tuple(parse_artist_ref(a, where) for a in _list(artists)),
        composers=_strings(obj.get("composers")),
        producers=_strings(obj.get("producers")),
        language_code=_opt_str(obj.get("languageCode")),
        image_url=_opt_str(obj.get("imageUrl")),
    )


def parse_artist(obj: Any, where: str) -> Artist:
    if not isinstance(obj, Mapping):
        raise malformed(where, "an artist is not an object")
    return Artist(
        uuid=_required_str(obj, "uuid", where),
        name=_opt_str(obj.get("name")) or "",
        slug=_opt_str(obj.get("slug")),
        country_code=_opt_str(obj.get("countryCode")),
        genres=parse_genres(obj.get("genres")),
        type=_opt_str(obj.get("type")),
        gender=_opt_str(obj.get("gender")),
        career_stage=_opt_str(obj.get("careerStage")),
        birth_date=parse_day(obj.get("birthDate"), where, "birthDate"),
        city_name=_opt_str(obj.get("cityName")),
        image_url=_opt_str(obj.get("imageUrl")),
    )


# --- time series ---------------------------------------------------------------------------------------

def _point_day(item: Any, where: str) -> date:
    if not isinstance(item, Mapping):
        raise malformed(where, "a series item is not an object")
    day = parse_day(item.get("date"), where)
    if day is None:
        raise malformed(where, "a series item has no 'date'")
    return day


def parse_song_audience(items: list[Any], where: str) -> list[SongAudiencePoint]:
    """One point per (date, platform identifier); the deprecated ``{date, value}`` shape gets identifier ''."""
    points: list[SongAudiencePoint] = []
    for item in items:
        day = _point_day(item, where)
        plots = item.get("plots")
        if plots is None and "value" in item:
            points.append(SongAudiencePoint(date=day, identifier="", value=_opt_int(item.get("value"))))
            continue
        for plot in _list(plots):
            if isinstance(plot, Mapping) and _opt_str(plot.get("identifier")):
                points.append(SongAudiencePoint(date=day, identifier=str(plot["identifier"]),
                                                value=_opt_int(plot.get("value"))))
    return points


def parse_artist_audience(items: list[Any], where: str) -> list[ArtistAudiencePoint]:
    """``followers`` for every day (None when not crawled), ``likes``/``views``/``posts`` only when present."""
    points: list[ArtistAudiencePoint] = []
    for item in items:
        day = _point_day(item, where)
        for key, metric in _ARTIST_METRICS:
            value = _opt_int(item.get(key))
            if metric == "followers" or value is not None:
                points.append(ArtistAudiencePoint(date=day, metric=metric, value=value))
    return points


def parse_artist_listening(items: list[Any], where: str) -> list[ArtistAudiencePoint]:
    return [ArtistAudiencePoint(date=_point_day(item, where), metric="monthly_listeners",
                                value=_opt_int(item.get("value"))) for item in items]


def parse_airplay(items: list[Any], where: str) -> list[AirplayCount]:
    counts: list[AirplayCount] = []
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(item.get("radio"), Mapping):
            raise malformed(where, "a broadcast group has no 'radio'")
        radio = item["radio"]
        counts.append(AirplayCount(
            radio_slug=_required_str(radio, "slug", where),
            radio_name=_opt_str(radio.get("name")),
            country_code=_opt_str(radio.get("countryCode")),
            play_count=_opt_int(item.get("playCount")) or 0,
        ))
    return counts


def parse_team_usage(payload: Any, header_quota: int | None) -> TeamUsage:
    """The usage shape is undocumented: look for a remaining-quota number, else use the response header."""
    raw = dict(payload) if isinstance(payload, Mapping) else {}
    found: int | None = None
    for scope in (raw, _dict(raw.get("object")), _dict(raw.get("quota")), _dict(_dict(raw.get("object")).get("quota"))):
        for key in ("quotaRemaining", "quota_remaining", "remaining"):
            if _opt_int(scope.get(key)) is not None:
                found = _opt_int(scope.get(key))
                break
        if found is not None:
            break
    return TeamUsage(quota_remaining=found if found is not None else header_quota, raw=raw)

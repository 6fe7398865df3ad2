"""Raw Soundcharts JSON -> typed models, at the edge.

The API's shapes drift between versions (ISRC string vs object, ``label`` vs ``labels``, genre strings vs
``{root, sub}``) and its series mix UTC offsets and skip days, so every variant the reference documents is
accepted here and nowhere else. A missing *required* field (a uuid, an ``items`` list) is a
:class:`MalformedPayloadError` whose one-line message names the endpoint (``where``); optional fields become
``None``.

Longer than 300 lines on purpose: every documented payload variant is read here and nowhere else (the
field readers they share live in ``fields.py``); splitting it by noun would spread one concern, the edge.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timezone
from typing import Any

from .errors import SoundchartsError
from .fields import (
    as_dict,
    as_list,
    malformed,
    opt_bool,
    opt_float,
    opt_int,
    opt_str,
    page_items,
    parse_datetime,
    parse_day,
    required_str,
)
from .models import (
    AirplayCount,
    Artist,
    ArtistAudiencePoint,
    ArtistRef,
    Chart,
    ChartRanking,
    CurrentStat,
    CurrentStats,
    Genre,
    Label,
    RankingEntry,
    Song,
    SongAudiencePoint,
    SongRef,
    TeamUsage,
)

# Artist audience keys -> our metric names. followerCount is the main fan count on every platform.
_ARTIST_METRICS = (
    ("followerCount", "followers"),
    ("likeCount", "likes"),
    ("viewCount", "views"),
    ("postCount", "posts"),
)


# --- shared pieces -------------------------------------------------------------------------------------


def parse_genres(value: Any) -> tuple[Genre, ...]:
    """Genres as ``["pop", ...]`` (artist docs) or ``[{"root": "pop", "sub": [...]}]`` (v2.25 songs)."""
    genres: list[Genre] = []
    for item in as_list(value):
        if isinstance(item, str) and item.strip():
            genres.append(Genre(root=item.strip()))
        elif isinstance(item, Mapping) and opt_str(item.get("root")):
            subs = tuple(s for s in as_list(item.get("sub")) if isinstance(s, str) and s)
            genres.append(Genre(root=str(item["root"]).strip(), sub=subs))
    return tuple(genres)


def parse_labels(obj: Mapping[str, Any]) -> tuple[Label, ...]:
    """``labels: [{name, type}]`` (v2.25) or the legacy ``label: "Interscope"`` (v2)."""
    labels: list[Label] = []
    for item in as_list(obj.get("labels")):
        if isinstance(item, str) and item.strip():
            labels.append(Label(name=item.strip()))
        elif isinstance(item, Mapping) and opt_str(item.get("name")):
            labels.append(Label(name=str(item["name"]).strip(), type=opt_str(item.get("type"))))
    legacy = opt_str(obj.get("label")) if isinstance(obj.get("label"), str) else None
    if not labels and legacy:
        labels.append(Label(name=legacy))
    return tuple(labels)


def parse_isrc(value: Any) -> str | None:
    """``"USUM71900764"`` (v2) or ``{"value": "USUM71900764", "countryCode": ...}`` (v2.25)."""
    if isinstance(value, Mapping):
        return opt_str(value.get("value"))
    return opt_str(value) if isinstance(value, str) else None


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(s.strip() for s in as_list(value) if isinstance(s, str) and s.strip())


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
    slug = opt_str(obj.get("slug")) or default_slug
    if not slug:
        raise malformed(where, "a chart has no 'slug'")
    platform = opt_str(obj.get("platform"))
    if not platform:
        raise malformed(where, f"chart '{slug}' has no 'platform'")
    return Chart(
        slug=slug,
        name=opt_str(obj.get("name")) or slug,
        platform=platform,
        frequency=opt_str(obj.get("frequency")),
        country_code=opt_str(obj.get("countryCode")),
        type=opt_str(obj.get("type")),
        max_results=opt_int(obj.get("maxResultsCount")),
        metric_type=opt_str(as_dict(obj.get("metric")).get("type")),
        web_url=opt_str(obj.get("webUrl")),
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
            uuid=required_str(song, "uuid", where),
            name=opt_str(song.get("name")),
            credit_name=opt_str(song.get("creditName")),
            image_url=opt_str(song.get("imageUrl")),
        ),
        position=position,
        old_position=opt_int(item.get("oldPosition")),
        position_evolution=opt_int(item.get("positionEvolution")),
        metric=opt_float(item.get("metric")),
        entry_state=opt_str(item.get("entryState")),
        entry_date=parse_datetime(item.get("entryDate"), where, "entryDate"),
        rank_date=parse_datetime(item.get("rankDate"), where, "rankDate"),
        time_on_chart=opt_int(item.get("timeOnChart")),
        time_on_chart_unit=opt_str(item.get("timeOnChartUnit")),
    )


def parse_ranking_related(payload: Any, where: str, slug: str, at: datetime | None) -> tuple[Chart, datetime]:
    """The chart and edition date from the first page's ``related``; ``at`` stands in for a missing date."""
    related = as_dict(as_dict(payload).get("related"))
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
    return ArtistRef(
        uuid=required_str(obj, "uuid", where), slug=opt_str(obj.get("slug")), name=opt_str(obj.get("name"))
    )


def parse_song(obj: Any, where: str) -> Song:
    if not isinstance(obj, Mapping):
        raise malformed(where, "a song is not an object")
    uuid = required_str(obj, "uuid", where)
    artists = obj.get("artists") if isinstance(obj.get("artists"), list) else obj.get("mainArtists")
    return Song(
        uuid=uuid,
        name=opt_str(obj.get("name")) or "",
        credit_name=opt_str(obj.get("creditName")),
        isrc=parse_isrc(obj.get("isrc")),
        release_date=parse_day(obj.get("releaseDate"), where, "releaseDate"),
        duration=opt_int(obj.get("duration")),
        explicit=opt_bool(obj.get("explicit")),
        genres=parse_genres(obj.get("genres")),
        labels=parse_labels(obj),
        artists=tuple(parse_artist_ref(a, where) for a in as_list(artists)),
        composers=_strings(obj.get("composers")),
        producers=_strings(obj.get("producers")),
        language_code=opt_str(obj.get("languageCode")),
        image_url=opt_str(obj.get("imageUrl")),
    )


def parse_artist(obj: Any, where: str) -> Artist:
    if not isinstance(obj, Mapping):
        raise malformed(where, "an artist is not an object")
    return Artist(
        uuid=required_str(obj, "uuid", where),
        name=opt_str(obj.get("name")) or "",
        slug=opt_str(obj.get("slug")),
        country_code=opt_str(obj.get("countryCode")),
        genres=parse_genres(obj.get("genres")),
        type=opt_str(obj.get("type")),
        gender=opt_str(obj.get("gender")),
        career_stage=opt_str(obj.get("careerStage")),
        birth_date=parse_day(obj.get("birthDate"), where, "birthDate"),
        city_name=opt_str(obj.get("cityName")),
        image_url=opt_str(obj.get("imageUrl")),
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
            points.append(SongAudiencePoint(date=day, identifier="", value=opt_int(item.get("value"))))
            continue
        for plot in as_list(plots):
            if isinstance(plot, Mapping) and opt_str(plot.get("identifier")):
                points.append(
                    SongAudiencePoint(date=day, identifier=str(plot["identifier"]), value=opt_int(plot.get("value")))
                )
    return points


def parse_artist_audience(items: list[Any], where: str) -> list[ArtistAudiencePoint]:
    """``followers`` for every day (None when not crawled), ``likes``/``views``/``posts`` only when present."""
    points: list[ArtistAudiencePoint] = []
    for item in items:
        day = _point_day(item, where)
        for key, metric in _ARTIST_METRICS:
            value = opt_int(item.get(key))
            if metric == "followers" or value is not None:
                points.append(ArtistAudiencePoint(date=day, metric=metric, value=value))
    return points


def parse_artist_listening(items: list[Any], where: str) -> list[ArtistAudiencePoint]:
    return [
        ArtistAudiencePoint(date=_point_day(item, where), metric="monthly_listeners", value=opt_int(item.get("value")))
        for item in items
    ]


def parse_airplay(items: list[Any], where: str) -> list[AirplayCount]:
    counts: list[AirplayCount] = []
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(item.get("radio"), Mapping):
            raise malformed(where, "a broadcast group has no 'radio'")
        radio = item["radio"]
        counts.append(
            AirplayCount(
                radio_slug=required_str(radio, "slug", where),
                radio_name=opt_str(radio.get("name")),
                country_code=opt_str(radio.get("countryCode")),
                play_count=opt_int(item.get("playCount")) or 0,
            )
        )
    return counts


# ``/team/usage``'s field names are undocumented (reference 11.3): its figures are recognised by the words in
# their keys, at any depth, and a key about the per-minute rate limit is never read as the monthly quota.
_NOT_MONTHLY = ("rate", "minute", "second", "window", "percent", "ratio", "pct", "burst")
_LEFT_WORDS = ("remaining", "left", "unused", "available")
_USED_WORDS = ("used", "consumed", "spent", "usage")
_QUOTA_WORDS = ("quota", "allowance")
_GENERIC_QUOTA = ("limit", "total", "max", "maximum", "credits", "monthly")
_MONTH_KEYS = ("month", "period", "billingperiod", "usagemonth", "currentmonth", "cycle")


def _usage_leaves(value: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """Every scalar of a usage body (4 levels deep at most) with its path of bare lower-case keys."""
    if isinstance(value, Mapping) and len(path) < 4:
        return [
            leaf
            for key, child in value.items()
            for leaf in _usage_leaves(child, (*path, "".join(c for c in str(key).lower() if c.isalpha())))
        ]
    return [(path, value)] if path and not isinstance(value, (Mapping, list)) else []


def _usage_figure(path: tuple[str, ...]) -> str | None:
    """Which figure a key names (``left``, ``used``, ``quota``, ``month``), or None."""
    key, parents = path[-1], path[:-1]
    if any(word in part for part in path for word in _NOT_MONTHLY):
        return None
    if key in _MONTH_KEYS:
        return "month"
    if any(word in key for word in _LEFT_WORDS):
        return "left"
    if any(word in key for word in _USED_WORDS):
        return "used"
    if any(word in key for word in _QUOTA_WORDS) or (
        key in _GENERIC_QUOTA and any(word in part for part in parents for word in (*_QUOTA_WORDS, "credit", "plan"))
    ):
        return "quota"
    return None


def _count(value: Any) -> int | None:
    number = opt_int(value)
    return number if number is not None and number >= 0 else None


def parse_team_usage(payload: Any, header_quota: int | str | None) -> TeamUsage:
    """Whatever ``/team/usage`` answered: the first number each figure's words name (None when nothing does).

    The quota left is the lowest of the body's figure and the ``x-quota-remaining`` header (header alone when
    the body says nothing), so an empty object, a list or a body of other names still gives what is known.
    """
    found: dict[str, Any] = {}
    for path, value in _usage_leaves(payload):
        figure = _usage_figure(path)
        if figure is None or figure in found:
            continue
        read = opt_str(value) if figure == "month" else _count(value)
        if read is not None:
            found[figure] = read
    header = _count(header_quota.strip() if isinstance(header_quota, str) else header_quota)
    known = [n for n in (found.get("left"), header) if n is not None]
    return TeamUsage(
        quota_remaining=min(known) if known else None,
        raw=dict(payload) if isinstance(payload, Mapping) else {},
        monthly_quota=found.get("quota"),
        used_this_month=found.get("used"),
        month=found.get("month"),
    )


def parse_last_crawl(payload: Any, where: str) -> datetime | None:
    """``related.lastCrawlDate`` of a series page; ``None`` when absent or not a date (it only saves calls)."""
    related = as_dict(as_dict(payload).get("related"))
    try:
        return parse_datetime(related.get("lastCrawlDate"), where, "related.lastCrawlDate")
    except SoundchartsError:
        return None


#: The lists of ``currentstatsresponse`` (artist: social..score; song: audience, popularity, score).
CURRENT_STATS_GROUPS = ("social", "streaming", "audience", "popularity", "retention", "score")


def parse_current_stats(payload: Any, uuid: str, where: str) -> CurrentStats:
    """Every ``{platform, value, date, evolution, percentEvolution}`` item; ``related`` an object or a list.

    Items without a platform or a date are skipped: the schema is documented but no captured answer exists.
    """
    raw = as_dict(payload)
    if isinstance(raw.get("object"), Mapping):
        raw = raw["object"]
    related_raw = raw.get("related")
    related = as_dict(related_raw[0] if isinstance(related_raw, list) and related_raw else related_raw)
    stats: list[CurrentStat] = []
    for group in CURRENT_STATS_GROUPS:
        for item in as_list(raw.get(group)):
            if not isinstance(item, Mapping) or not opt_str(item.get("platform")):
                continue
            day = parse_day(item.get("date"), where, f"{group}[].date")
            if day is None:
                continue
            stats.append(
                CurrentStat(
                    group=group,
                    platform=str(item["platform"]),
                    value=opt_int(item.get("value")),
                    date=day,
                    evolution=opt_float(item.get("evolution")),
                    percent_evolution=opt_float(item.get("percentEvolution")),
                )
            )
    return CurrentStats(
        uuid=opt_str(related.get("uuid")) or uuid, period=opt_int(related.get("period")), stats=tuple(stats)
    )

"""Current stats (reference §11.2): the latest crawled point of each series, with its evolution.

Every value is read back from the very series function the series endpoints serve, at the series' last
crawl on or before today, so a client storing current stats stores the number the series endpoint gives
for that date. ``evolution`` compares it with the last crawl on or before ``period`` days earlier; both
evolution fields are left out when that older point does not exist (a song younger than the period).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any

from soundcharts_assets.emulator.catalogue import Catalogue
from soundcharts_assets.emulator.platforms import LISTENING, SOCIAL_PLATFORMS, SONG_PLATFORMS

DEFAULT_PERIOD = 7
MAX_PERIOD = 365

PointValue = Callable[[date], tuple[int, str] | None]
"""The value and served date string of a series' point on a crawled day."""


def _item(platform: str, value_at: PointValue, last: date | None, previous: date | None) -> dict[str, Any] | None:
    if last is None or (point := value_at(last)) is None:
        return None
    value, served = point
    item: dict[str, Any] = {"platform": platform, "value": value, "date": served}
    before = value_at(previous) if previous is not None else None
    if before is not None:
        item["evolution"] = value - before[0]
        item["percentEvolution"] = round(100 * (value - before[0]) / before[0], 2) if before[0] else 0.0
    return item


def _series_item(
    catalogue: Catalogue, kind: str, uuid: str, source: str, platform: str, period: int, value_at: PointValue
) -> dict[str, Any] | None:
    cadence = catalogue.cadence(kind, uuid, source)
    last = cadence.last_crawl(catalogue.today())
    previous = cadence.last_crawl(last - timedelta(days=period)) if last is not None else None
    return _item(platform, value_at, last, previous)


def artist_current_stats(
    catalogue: Catalogue, uuid: str, period: int, platforms: Iterable[str]
) -> dict[str, list[dict[str, Any]]]:
    """``social`` (followers per account) and ``streaming`` (Spotify monthly listeners); the emulator has
    no popularity, retention or score series, so those lists are empty. ``platforms``: the ones in plan."""
    record = catalogue.artist_record(uuid)
    assert record is not None
    allowed = set(platforms)

    def followers(platform: str) -> PointValue:
        def at(day: date) -> tuple[int, str] | None:
            points = catalogue.artist_audience(uuid, platform, day, day)
            return (points[0]["followerCount"], points[0]["date"]) if points else None

        return at

    def listeners(day: date) -> tuple[int, str] | None:
        points = catalogue.monthly_listeners(uuid, day, day)
        return (points[0]["value"], points[0]["date"]) if points else None

    social = [
        _series_item(catalogue, "artist", uuid, p, p, period, followers(p))
        for p in SOCIAL_PLATFORMS
        if p in record.platforms and p in allowed
    ]
    streaming = (
        [_series_item(catalogue, "artist", uuid, LISTENING, "spotify", period, listeners)]
        if "spotify" in allowed
        else []
    )
    return {
        "social": [i for i in social if i],
        "streaming": [i for i in streaming if i],
        "popularity": [],
        "retention": [],
        "score": [],
    }


def song_current_stats(
    catalogue: Catalogue, uuid: str, period: int, platforms: Iterable[str]
) -> dict[str, list[dict[str, Any]]]:
    """``audience`` per platform the song is on (no airplay), the value summed over the platform's ids
    (the series has one plot per id); no popularity or score series."""
    record = catalogue.song_record(uuid)
    assert record is not None
    allowed = set(platforms)

    def total(platform: str) -> PointValue:
        def at(day: date) -> tuple[int, str] | None:
            points = catalogue.song_audience(uuid, platform, day, day)
            return (sum(p["value"] for p in points[0]["plots"]), points[0]["date"]) if points else None

        return at

    audience = [
        _series_item(catalogue, "song", uuid, p, p, period, total(p))
        for p in SONG_PLATFORMS
        if p in record.identifiers and p in allowed
    ]
    return {"audience": [i for i in audience if i], "popularity": [], "score": []}

"""Audience and airplay time series as pure functions of (seed, entity, platform, date).

Any window gives the same values for the same day, so a client can fetch overlapping 90-day windows and
the emulator never stores a series. Realism that clients must cope with: a day has a point only when the
series was crawled that day (``crawls.py``: social audiences every 2 to 15 days, the rest daily, ~7 % of
crawls failed), older days carry a ``+02:00`` offset, metrics a platform does not track are ``null``.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

from soundcharts_assets.emulator.crawls import Cadence, social_interval_days
from soundcharts_assets.emulator.entities import COUNTRY_NAMES, ArtistRecord, SongRecord, iso_day
from soundcharts_assets.emulator.platforms import LISTENING, SOCIAL_PLATFORMS, SONG_PLATFORMS
from soundcharts_assets.emulator.randomness import normal, unit

OLD_OFFSET_AFTER_DAYS = 45
_EPOCH = date(2015, 1, 1)

_ALL_ARTIST_METRICS = ("likeCount", "followerCount", "followingCount", "postCount", "viewCount")

RADIOS: list[dict[str, Any]] = [
    {"slug": slug, "name": name, "cityName": city, "countryCode": cc, "countryName": COUNTRY_NAMES[cc], "timeZone": tz}
    for slug, name, city, cc, tz in [
        ("bbc-2", "BBC Radio 2", "London", "GB", "Europe/London"),
        ("bbc-london", "BBC Radio London", "London", "GB", "Europe/London"),
        ("capital-fm-london", "Capital FM", "London", "GB", "Europe/London"),
        ("kiis-fm", "KIIS FM", "Los Angeles", "US", "America/Los_Angeles"),
        ("z100", "Z100", "New York", "US", "America/New_York"),
        ("hot-97", "Hot 97", "New York", "US", "America/New_York"),
        ("power-106", "Power 106", "Los Angeles", "US", "America/Los_Angeles"),
        ("nrj-paris", "NRJ", "Paris", "FR", "Europe/Paris"),
        ("fun-radio", "Fun Radio", "Paris", "FR", "Europe/Paris"),
        ("1live", "1LIVE", "Cologne", "DE", "Europe/Berlin"),
        ("bayern-3", "Bayern 3", "Munich", "DE", "Europe/Berlin"),
        ("jovem-pan", "Jovem Pan FM", "Sao Paulo", "BR", "America/Sao_Paulo"),
        ("los-40-mx", "Los 40 Mexico", "Mexico City", "MX", "America/Mexico_City"),
        ("los-40-es", "Los 40", "Madrid", "ES", "Europe/Madrid"),
        ("triple-j", "triple j", "Sydney", "AU", "Australia/Sydney"),
        ("virgin-radio-it", "Virgin Radio Italia", "Milan", "IT", "Europe/Rome"),
        ("mix-fm-se", "Mix Megapol", "Stockholm", "SE", "Europe/Stockholm"),
        ("cool-fm", "Cool FM", "Lagos", "NG", "Africa/Lagos"),
    ]
]


def day_range(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def served_date(seed: int, day: date, anchor: date) -> str:
    """Older days carry ``+02:00`` on about half of the dates, like older Soundcharts data. "Older" is
    relative to the catalogue's anchor (its first today), so moving the clock never re-dates a point."""
    old = (anchor - day).days > OLD_OFFSET_AFTER_DAYS
    return iso_day(day, "+02:00" if old and unit(seed, "offset", day) < 0.5 else "+00:00")


# cadences --------------------------------------------------------------------------------------
def _artist_base(artist: ArtistRecord) -> float:
    return float(2.0e4 * artist.popularity**1.4)


def account_size(artist: ArtistRecord, platform: str) -> float:
    """The account's follower level without trend or noise: what decides its crawl cadence."""
    scale = SOCIAL_PLATFORMS[platform].metrics["followerCount"]
    return _artist_base(artist) * artist.account_scale.get(platform, 1.0) * scale


def song_cadence(seed: int, song: SongRecord, platform: str) -> Cadence:
    """Streams, views and Shazam counts are crawled daily from the release on."""
    return Cadence(seed, song.uuid, platform, since=song.release_date)


def airplay_cadence(seed: int, song: SongRecord) -> Cadence:
    """Radio monitoring never stops: daily, without failed days."""
    return Cadence(seed, song.uuid, "airplay", since=song.release_date, gaps=False)


def artist_cadence(seed: int, artist: ArtistRecord, platform: str, by_size: bool = True) -> Cadence:
    """Every 2 days above 5k followers, up to 15 for tiny accounts; daily when ``by_size`` is off."""
    interval = social_interval_days(account_size(artist, platform)) if by_size else 1
    return Cadence(seed, artist.uuid, platform, interval)


def listening_cadence(seed: int, artist: ArtistRecord) -> Cadence:
    return Cadence(seed, artist.uuid, LISTENING)


# series -----------------------------------------------------------------------------------------
def song_audience(
    seed: int, song: SongRecord, platform: str, start: date, end: date, today: date, anchor: date | None = None
) -> list[dict[str, Any]]:
    """Cumulative streams/views/Shazams per platform id; empty before release and after today."""
    scale = SONG_PLATFORMS[platform]
    cadence = song_cadence(seed, song, platform)
    items = []
    for day in day_range(max(start, song.release_date), min(end, today)):
        if not cadence.crawled(day):
            continue
        age = (day - song.release_date).days + 1
        plots = []
        for rank, identifier in enumerate(song.identifiers[platform]):
            share = 1.0 if rank == 0 else 0.03 + 0.05 * unit(seed, identifier, "share")
            noise = 1 + 0.0005 * normal(seed, identifier, day)
            value = scale * song.popularity * share * age**0.85 * noise
            plots.append({"identifier": identifier, "value": round(value)})
        items.append({"date": served_date(seed, day, anchor or today), "plots": plots})
    return items


def artist_audience(
    seed: int,
    artist: ArtistRecord,
    platform: str,
    start: date,
    end: date,
    today: date,
    cadence: Cadence | None = None,
    anchor: date | None = None,
) -> list[dict[str, Any]]:
    """Follower-style counts growing at the artist's yearly rate; metrics the platform lacks are null."""
    tracked = SOCIAL_PLATFORMS[platform].metrics
    base = _artist_base(artist) * artist.account_scale.get(platform, 1.0)
    cadence = cadence or artist_cadence(seed, artist, platform)
    items = []
    for day in day_range(start, min(end, today)):
        if not cadence.crawled(day):
            continue
        trend = (1 + artist.growth) ** ((day - _EPOCH).days / 365)
        point: dict[str, Any] = {"date": served_date(seed, day, anchor or today)}
        for metric in _ALL_ARTIST_METRICS:
            if metric in tracked:
                noise = 1 + 0.002 * normal(seed, artist.uuid, platform, metric, day)
                point[metric] = max(0, round(base * tracked[metric] * trend * noise))
            else:
                point[metric] = None
        items.append(point)
    return items


def monthly_listeners(
    seed: int, artist: ArtistRecord, start: date, end: date, today: date, anchor: date | None = None
) -> list[dict[str, Any]]:
    """Spotify monthly listeners: a growing trend with a seasonal wave and day-to-day noise."""
    base = 6.0e4 * artist.popularity**1.2
    cadence = listening_cadence(seed, artist)
    items = []
    for day in day_range(start, min(end, today)):
        if not cadence.crawled(day):
            continue
        days = (day - _EPOCH).days
        trend = (1 + artist.growth / 2) ** (days / 365) * (1 + 0.08 * math.sin(days / 58))
        value = base * trend * (1 + 0.01 * normal(seed, artist.uuid, LISTENING, day))
        items.append({"date": served_date(seed, day, anchor or today), "value": round(value)})
    return items


def broadcast_groups(seed: int, song: SongRecord, start: date, end: date, today: date) -> list[dict[str, Any]]:
    """Spins per radio over the window; popular songs play on more radios, local acts on local radios.

    A radio plays a song a whole number of times each day (its rate's running total, floored, day over day),
    so windows add up: two adjacent weeks' counts sum to the fortnight's, as real spin counts do.
    """
    first, last = max(start, song.release_date), min(end, today)
    days = (last - first).days + 1
    if days <= 0:
        return []
    offset = (first - song.release_date).days
    items = []
    for radio in RADIOS:
        local = radio["countryCode"] == song.country_code
        reach = min(0.95, 0.04 * math.log1p(song.popularity) ** 2 + (0.25 if local else 0))
        if unit(seed, song.uuid, radio["slug"], "rotation") >= reach:
            continue
        per_day = (0.5 + 3 * unit(seed, song.uuid, radio["slug"], "spins")) * (1.5 if local else 1.0)
        count = math.floor(per_day * (offset + days)) - math.floor(per_day * offset)
        if count > 0:
            items.append({"playCount": count, "radio": dict(radio)})
    items.sort(key=lambda item: (-int(item["playCount"]), str(item["radio"]["slug"])))  # type: ignore[call-overload,index]
    return items

"""The audience sources, one row each: every audience series the project fetches, where the API serves it, how
the warehouse stores it, and its refresh defaults.

Every layer derives from :data:`AUDIENCE_SOURCES`, like httpx's one table of supported decoders: the cascade
fetches a row through its endpoint (``cascade/audience.py``), the warehouse stores it under its
``(platform, metric)`` and records each fetch under its name (``warehouse/audience.py``), settings accept its
name (``SOUNDCHARTS_REFRESH_MIN_HOURS=instagram=72``), the refresh policy takes its defaults
(``refresh_policy.py``), current stats find it by its list and platform, the cost model and the forecast count
it, insight and alerts name its series. So adding a source the client can already fetch (an artist's Deezer fans
on ``/audience/{platform}``) is one row here, plus the emulator's data for it.

Read the table through the functions below, never by importing a derived constant: they read
:data:`AUDIENCE_SOURCES` when called, so a test can add a row for the length of a test. Imports only the
vocabulary, so any layer but the client (which knows nothing of the app) can use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from soundcharts_assets.vocabulary import EntityKind

__all__ = [
    "AUDIENCE_SOURCES",
    "AudienceSource",
    "Endpoint",
    "audience_source",
    "audience_sources",
    "series_label",
    "source_names",
    "sources_named",
]


class Endpoint(Enum):
    """The API's series endpoints (the value is the route the API and the emulator know it by); the cascade
    maps each to its client method (``cascade/audience.py`` ``fetch_series``)."""

    SONG_AUDIENCE = "/api/v2/song/{uuid}/audience/{platform}"
    """A value per platform id and day (streams, views, Shazams...): ``client.get_song_audience``."""
    SONG_AIRPLAY = "/api/v2/song/{uuid}/broadcast-groups"
    """Spins per radio summed over a window, not a crawled point: ``client.get_song_airplay``."""
    ARTIST_AUDIENCE = "/api/v2/artist/{uuid}/audience/{platform}"
    """Followers per social account and day (``followerCount``, plus likes or views where tracked)."""
    ARTIST_LISTENING = "/api/v2/artist/{uuid}/streaming/{platform}/listening"
    """Monthly listeners per streaming platform and day."""


@dataclass(frozen=True)
class AudienceSource:
    """One audience series of a song or an artist: one API call per entity each time it is due."""

    name: str
    """The source's word: ``audience_fetches.platform``, leases, reports and per-source settings. A song's and
    an artist's source may share a name (``spotify``); they then share their refresh defaults."""
    entity: EntityKind
    endpoint: Endpoint
    platform: str
    """The API's platform code in the endpoint's path, and the ``platform`` its points are stored under."""
    metric: str
    """What a value counts. Artists: the ``artist_audience.metric`` that says how far the stored series goes
    (as the client names it: ``followers`` from ``followerCount``, ``monthly_listeners``). Songs: a name for
    alerts and pictures (``track_audience`` has one value per platform id)."""
    label: str
    """How people call the series, in alerts and reports."""
    current_stats: str | None = None
    """The list of a current-stats answer holding the series' latest value (``social``, ``streaming``,
    ``audience``) under ``platform``; None when current stats do not give it (airplay)."""
    primary: bool = False
    """Refreshed every freshness window by default (what charts rank by); the others are context, fetched
    every ``refresh_policy.CONTEXT_WINDOWS`` windows."""
    min_hours: float = 0.0
    """A built-in minimum interval, above any setting (airplay's week: see ``refresh_policy.py``)."""

    @property
    def windowed(self) -> bool:
        """Sums over a window rather than crawled points: windows tile from the last fetch instead of resuming
        at the last stored day, and the value is no running count (alerts leave it out)."""
        return self.endpoint is Endpoint.SONG_AIRPLAY

    @property
    def series(self) -> tuple[str, str]:
        """``(platform, metric)``: the stored series this source lands in."""
        return self.platform, self.metric


_SONG, _ARTIST = EntityKind.SONG, EntityKind.ARTIST

AUDIENCE_SOURCES: tuple[AudienceSource, ...] = (
    AudienceSource("spotify", _SONG, Endpoint.SONG_AUDIENCE, "spotify", "streams", "Spotify streams",
                   current_stats="audience", primary=True),
    AudienceSource("youtube", _SONG, Endpoint.SONG_AUDIENCE, "youtube", "views", "YouTube views",
                   current_stats="audience"),
    AudienceSource("shazam", _SONG, Endpoint.SONG_AUDIENCE, "shazam", "shazams", "Shazam count",
                   current_stats="audience"),
    AudienceSource("airplay", _SONG, Endpoint.SONG_AIRPLAY, "airplay", "spins", "Airplay spins",
                   min_hours=7 * 24.0),
    AudienceSource("spotify", _ARTIST, Endpoint.ARTIST_AUDIENCE, "spotify", "followers", "Spotify followers",
                   current_stats="social", primary=True),
    AudienceSource("youtube", _ARTIST, Endpoint.ARTIST_AUDIENCE, "youtube", "followers", "YouTube subscribers",
                   current_stats="social"),
    AudienceSource("instagram", _ARTIST, Endpoint.ARTIST_AUDIENCE, "instagram", "followers", "Instagram followers",
                   current_stats="social"),
    AudienceSource("tiktok", _ARTIST, Endpoint.ARTIST_AUDIENCE, "tiktok", "followers", "TikTok followers",
                   current_stats="social"),
    AudienceSource("spotify_listening", _ARTIST, Endpoint.ARTIST_LISTENING, "spotify", "monthly_listeners",
                   "Spotify monthly listeners", current_stats="streaming"),
)  # fmt: skip
"""Every audience source, songs first, in the order settings list them. Airplay's week: fetched once a week,
each window starting where the last one ended, every spin is stored once for a seventh of the calls
(``SOUNDCHARTS_REFRESH_MIN_HOURS=airplay=24`` stores daily spins at one call a day)."""


def audience_sources(entity: str | None = None) -> tuple[AudienceSource, ...]:
    """The rows of one kind of entity (``song``, ``artist``), or all of them, in table order."""
    return tuple(source for source in AUDIENCE_SOURCES if entity is None or source.entity == entity)


def source_names(entity: str | None = None) -> tuple[str, ...]:
    """The sources' names, each once (a song's and an artist's ``spotify`` are one name)."""
    return tuple(dict.fromkeys(source.name for source in audience_sources(entity)))


def audience_source(entity: str, name: str) -> AudienceSource:
    """The row of ``entity`` named ``name``; a one-line ValueError listing the names otherwise."""
    for source in audience_sources(entity):
        if source.name == name:
            return source
    raise ValueError(f"unknown {entity} audience source {name!r}; use one of {', '.join(source_names(entity))}")


def sources_named(entity: str, names: Iterable[str]) -> dict[str, AudienceSource]:
    """``{name: row}`` for the given names of ``entity`` (each checked by :func:`audience_source`)."""
    return {name: audience_source(entity, name) for name in dict.fromkeys(names)}


def series_label(platform: str, metric: str) -> str:
    """How people call the stored series ``(platform, metric)``: its source's label, else the words."""
    for source in AUDIENCE_SOURCES:
        if source.series == (platform, metric):
            return source.label
    return f"{platform} {metric.replace('_', ' ')}"

"""The Soundcharts API client: a small library in the httpx mould (see docs/architecture.md, "Client contract").

Layout: ``config`` (settings types), ``models`` and ``parsing``/``fields`` (typed payloads), ``errors``,
``endpoints/`` (one mixin per noun), ``transport`` (one attempt) and ``retry`` (the policy), ``responses``
(classifying answers), ``auth`` (``httpx.Auth`` flows), ``pagination``, ``quota`` and ``client``.

``SoundchartsClient`` is imported lazily (module ``__getattr__``): the warehouse, notebooks and the
emulator's tests import the models, errors and config from here without loading httpx.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .config import ApiSettings, OAuthCredentials
from .errors import (
    ApiUnreachableError,
    AuthenticationError,
    MalformedPayloadError,
    NotFoundError,
    PlanRestrictedError,
    QuotaExhaustedError,
    QuotaFloorReachedError,
    RateLimitedError,
    RequestRejectedError,
    ServiceUnavailableError,
    SoundchartsError,
)
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

if TYPE_CHECKING:
    from .client import SoundchartsClient

__all__ = [
    "AirplayCount",
    "ApiSettings",
    "ApiUnreachableError",
    "Artist",
    "ArtistAudiencePoint",
    "ArtistRef",
    "AuthenticationError",
    "Chart",
    "ChartRanking",
    "Genre",
    "Label",
    "MalformedPayloadError",
    "NotFoundError",
    "OAuthCredentials",
    "PlanRestrictedError",
    "QuotaExhaustedError",
    "QuotaFloorReachedError",
    "RankingEntry",
    "RateLimitedError",
    "RequestRejectedError",
    "ServiceUnavailableError",
    "Song",
    "SongAudiencePoint",
    "SongRef",
    "SoundchartsClient",
    "SoundchartsError",
    "TeamUsage",
]


def __getattr__(name: str) -> Any:
    if name == "SoundchartsClient":
        from .client import SoundchartsClient

        return SoundchartsClient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

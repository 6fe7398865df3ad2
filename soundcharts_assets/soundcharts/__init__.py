"""The Soundcharts API client: typed models, our errors, rate limiting, pagination and retries.

``SoundchartsClient`` is the one entry point; see docs/architecture.md for the contract.
"""

from .client import SoundchartsClient
from .errors import (
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
from .ratelimit import RateLimiter, TokenBucketLimiter

__all__ = [
    "AirplayCount",
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
    "PlanRestrictedError",
    "QuotaExhaustedError",
    "QuotaFloorReachedError",
    "RankingEntry",
    "RateLimitedError",
    "RateLimiter",
    "RequestRejectedError",
    "ServiceUnavailableError",
    "Song",
    "SongAudiencePoint",
    "SongRef",
    "SoundchartsClient",
    "SoundchartsError",
    "TeamUsage",
    "TokenBucketLimiter",
]

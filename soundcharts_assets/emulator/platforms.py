"""The audience platforms the emulator serves, one row each: which entities are on them and what they count.

The emulator keeps its own table (it imports nothing of the app); the tests check that it serves every row of
the app's ``sources.py``. A new artist platform on ``/audience/{platform}`` is one row of
:data:`SOCIAL_PLATFORMS`: its accounts, crawl cadence, series, current stats and spikes follow from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class SocialPlatform:
    """An artist audience platform (``/api/v2/artist/{uuid}/audience/{platform}``)."""

    account_share: float
    """Share of artists with an account there; 1.0: every artist, and never a small account."""
    metrics: Mapping[str, float]
    """The metrics it tracks (the others are null), with a scale relative to the artist's followers."""


SOCIAL_PLATFORMS: dict[str, SocialPlatform] = {
    "spotify": SocialPlatform(1.0, {"followerCount": 1.0}),
    "youtube": SocialPlatform(0.9, {"followerCount": 0.4, "viewCount": 90.0, "postCount": 0.00002}),
    "instagram": SocialPlatform(0.8, {"followerCount": 0.8, "followingCount": 0.000004, "postCount": 0.00001}),
    "tiktok": SocialPlatform(0.55, {"followerCount": 0.5, "followingCount": 0.000002, "likeCount": 12.0}),
}
"""Read when used (never copied at import), so a test may add a platform for the length of a test."""

SONG_PLATFORMS: dict[str, float] = {"spotify": 2.0e4, "youtube": 6.0e3, "shazam": 4.0e2}
"""Song audience platforms (``/api/v2/song/{uuid}/audience/{platform}``) and the scale of their running
count (streams, views, Shazams); airplay is ``/broadcast-groups``."""

LISTENING_PLATFORMS: tuple[str, ...] = ("spotify",)
"""Platforms of monthly listeners (``/api/v2/artist/{uuid}/streaming/{platform}/listening``)."""
LISTENING = "listening"
"""The emulator's name for the monthly-listeners series (crawl cadence, spikes)."""

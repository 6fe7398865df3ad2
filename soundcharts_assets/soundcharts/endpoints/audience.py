"""Audience time series: song audience and airplay, artist audience and monthly listeners.

Each splits ``[start, end]`` into windows of at most 90 days, follows every page, and merges the windows:
points are de-duplicated (windows and pages may overlap) and sorted; airplay is summed per radio.
"""

from __future__ import annotations

from datetime import date

from .. import parsing
from ..models import AirplayCount, ArtistAudiencePoint, CurrentStats, Series, SongAudiencePoint
from .base import EndpointBase, seg


class AudienceEndpoints(EndpointBase):
    def get_song_audience(self, uuid: str, platform: str, start: date, end: date) -> Series[SongAudiencePoint]:
        path = f"/api/v2/song/{seg(uuid)}/audience/{seg(platform)}"
        points = self._series(
            "song_audience", path, start, end, f"{platform} audience of song '{uuid}'", parsing.parse_song_audience
        )
        unique = {(p.date, p.identifier): p for p in points}
        return Series((unique[key] for key in sorted(unique)), points.last_crawl_at)

    def get_song_airplay(self, uuid: str, start: date, end: date) -> list[AirplayCount]:
        """Spins per radio over ``[start, end]``, summed across the 90-day windows."""
        path = f"/api/v2/song/{seg(uuid)}/broadcast-groups"
        counts = self._series("song_airplay", path, start, end, f"airplay of song '{uuid}'", parsing.parse_airplay)
        by_radio: dict[str, AirplayCount] = {}
        for count in counts:
            seen = by_radio.get(count.radio_slug)
            by_radio[count.radio_slug] = (
                count
                if seen is None
                else AirplayCount(
                    seen.radio_slug, seen.radio_name, seen.country_code, seen.play_count + count.play_count
                )
            )
        return sorted(by_radio.values(), key=lambda c: (-c.play_count, c.radio_slug))

    def get_artist_audience(self, uuid: str, platform: str, start: date, end: date) -> Series[ArtistAudiencePoint]:
        path = f"/api/v2/artist/{seg(uuid)}/audience/{seg(platform)}"
        points = self._series(
            "artist_audience",
            path,
            start,
            end,
            f"{platform} audience of artist '{uuid}'",
            parsing.parse_artist_audience,
        )
        return _dedupe_artist_points(points)

    def get_artist_monthly_listeners(
        self, uuid: str, start: date, end: date, platform: str = "spotify"
    ) -> Series[ArtistAudiencePoint]:
        path = f"/api/v2/artist/{seg(uuid)}/streaming/{seg(platform)}/listening"
        points = self._series(
            "artist_listening",
            path,
            start,
            end,
            f"{platform} listeners of artist '{uuid}'",
            parsing.parse_artist_listening,
        )
        return _dedupe_artist_points(points)

    def get_song_current_stats(self, uuid: str, period: int = 7) -> CurrentStats:
        """Today's value of every platform of a song in one call (no airplay, no per-id split); plan-gated:
        a plan without it answers 403 (:class:`PlanRestrictedError`)."""
        path = f"/api/v2/song/{seg(uuid)}/current/stats"
        data = self._get("song_current_stats", path, {"period": period}, subject=f"song '{uuid}'").data
        return parsing.parse_current_stats(data, uuid, f"song_current_stats (GET {path})")

    def get_artist_current_stats(self, uuid: str, period: int = 7) -> CurrentStats:
        """Today's followers on every platform and monthly listeners of an artist in one call; plan-gated."""
        path = f"/api/v2/artist/{seg(uuid)}/current/stats"
        data = self._get("artist_current_stats", path, {"period": period}, subject=f"artist '{uuid}'").data
        return parsing.parse_current_stats(data, uuid, f"artist_current_stats (GET {path})")


def _dedupe_artist_points(points: Series[ArtistAudiencePoint]) -> Series[ArtistAudiencePoint]:
    unique = {(p.date, p.metric): p for p in points}
    return Series((unique[key] for key in sorted(unique)), points.last_crawl_at)

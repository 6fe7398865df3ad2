"""The Soundcharts API as typed Python calls: one method per endpoint of docs/architecture.md.

This module only knows paths, versions, parameters and which parser reads which answer; reliability (retries,
pacing, quota) is in ``transport.py``, credentials in ``auth.py``, paging in ``pagination.py``. It knows nothing
of Dagster or the warehouse, so the CLI, the assets and the tests use it the same way.
"""

from __future__ import annotations

import random as random_module
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime, timezone
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from ..settings import ApiSettings, api_settings_from_env
from . import parsing
from .auth import ApiKeyAuth, Authenticator, OAuthClientCredentials
from .errors import NotFoundError
from .models import (
    AirplayCount,
    Artist,
    ArtistAudiencePoint,
    Chart,
    ChartRanking,
    Song,
    SongAudiencePoint,
    TeamUsage,
)
from .pagination import Page, date_windows, iter_pages
from .quota import CallCounters, QuotaTracker
from .ratelimit import RateLimiter, TokenBucketLimiter
from .transport import ApiResponse, ApiTransport, RetryPolicy

BATCH_SIZE = 10
T = TypeVar("T")


def _seg(value: str) -> str:
    """One path segment, percent-encoded so a slug or uuid can never add a '/' or a query."""
    return quote(str(value), safe="")


def atom(at: datetime) -> str:
    """ATOM (``2024-05-10T00:00:00+00:00``) in UTC, '+' percent-encoded as the ranking path needs."""
    at = at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)
    return quote(at.strftime("%Y-%m-%dT%H:%M:%S+00:00"), safe=":")


class SoundchartsClient:
    """A thread-safe Soundcharts client owning one ``httpx.Client``; use one per process and close it."""

    def __init__(
        self,
        settings: ApiSettings,
        limiter: RateLimiter | None = None,
        transport: httpx.BaseTransport | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = random_module.random,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._http = httpx.Client(
            base_url=settings.base_url,
            timeout=httpx.Timeout(settings.timeout_seconds, connect=settings.connect_timeout_seconds),
            transport=transport,
            headers={"accept": "application/json", "user-agent": "soundcharts-assets"},
        )
        policy = RetryPolicy(
            max_retries=settings.max_retries,
            backoff_base=settings.backoff_base_seconds,
            backoff_max=settings.backoff_max_seconds,
            max_rate_limit_wait=settings.max_rate_limit_wait_seconds,
            random=random,
        )
        self._auth: Authenticator
        if settings.oauth is not None:
            self._auth = OAuthClientCredentials(
                settings.oauth, self._http, clock=clock, sleep=sleep, backoff=policy.backoff,
                max_retries=settings.max_retries,
            )
        else:
            self._auth = ApiKeyAuth(settings.app_id, settings.api_key)
        self._quota = QuotaTracker(settings.quota_floor, clock=clock)
        self._counters = CallCounters()
        self._api = ApiTransport(
            self._http,
            auth=self._auth,
            limiter=limiter or TokenBucketLimiter(settings.rate_limit_per_minute, sleep=sleep),
            policy=policy,
            quota=self._quota,
            counters=self._counters,
            max_in_flight=settings.max_in_flight,
            sleep=sleep,
        )

    @classmethod
    def from_env(cls, **kwargs: Any) -> SoundchartsClient:
        return cls(api_settings_from_env(), **kwargs)

    # --- lifecycle and bookkeeping ---------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SoundchartsClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SoundchartsClient(base_url={self.settings.base_url!r}, auth={self._auth.kind!r})"

    @property
    def quota_remaining(self) -> int | None:
        return self._quota.remaining

    @property
    def calls_made(self) -> int:
        return self._counters.total

    @property
    def calls_by_endpoint(self) -> dict[str, int]:
        return self._counters.by_endpoint

    # --- plumbing ---------------------------------------------------------------------------------------

    def _get(self, endpoint: str, path: str, params: Mapping[str, Any] | None = None, *,
             subject: str | None = None, free: bool = False) -> ApiResponse:
        return self._api.get_json(endpoint, path, params, subject=subject, free=free)

    def _pages(self, endpoint: str, path: str, params: Mapping[str, Any] | None = None, *,
               subject: str | None = None, page_size: int = 100) -> Iterator[Page]:
        def fetch(p: str, q: Mapping[str, Any] | None) -> Any:
            return self._get(endpoint, p, q, subject=subject).data

        return iter_pages(fetch, path, params, where=f"{endpoint} (GET {path})", page_size=page_size)

    def _all_items(self, endpoint: str, path: str, params: Mapping[str, Any] | None = None, *,
                   subject: str | None = None) -> list[Any]:
        return [item for page in self._pages(endpoint, path, params, subject=subject) for item in page.items]

    def _series(self, endpoint: str, path: str, start: date, end: date, subject: str,
                parse: Callable[[list[Any], str], list[T]]) -> list[T]:
        """Every point of ``[start, end]``: ≤ 90-day windows, every page, parsed."""
        points: list[T] = []
        for window_start, window_end in date_windows(start, end):
            params = {"startDate": window_start.isoformat(), "endDate": window_end.isoformat()}
            points.extend(parse(self._all_items(endpoint, path, params, subject=subject), f"{endpoint} (GET {path})"))
        return points

    # --- charts -----------------------------------------------------------------------------------------

    def list_song_chart_platforms(self) -> list[str]:
        path = "/api/v2/chart/song/platforms"
        return parsing.parse_chart_platforms(self._get("chart_platforms", path).data, f"chart_platforms (GET {path})")

    def list_song_charts(self, platform: str, country_code: str | None = None) -> list[Chart]:
        path = f"/api/v2/chart/song/by-platform/{_seg(platform)}"
        params = {"countryCode": country_code} if country_code else {}
        items = self._all_items("charts_by_platform", path, params, subject=f"platform '{platform}'")
        return [parsing.parse_chart(item, f"charts_by_platform (GET {path})") for item in items]

    def get_chart_ranking(self, slug: str, at: datetime | None = None) -> ChartRanking:
        """The latest edition when ``at`` is None, else the edition at ``at`` (see :meth:`list_ranking_dates`)."""
        endpoint = "ranking_latest" if at is None else "ranking_at"
        path = f"/api/v2.14/chart/song/{_seg(slug)}/ranking/{'latest' if at is None else atom(at)}"
        where = f"{endpoint} (GET {path})"
        pages = list(self._pages(endpoint, path, subject=f"chart '{slug}'"))
        chart, when = parsing.parse_ranking_related(pages[0].payload, where, slug, at)
        return parsing.build_ranking(chart, when, [i for page in pages for i in page.items], where)

    def list_ranking_dates(self, slug: str, max_items: int | None = None) -> list[datetime]:
        """Dates of the chart's editions, newest first.

        With ``max_items`` paging stops once that many are known: the API lists editions newest first, so a
        sensor asking for the latest edition costs one call instead of the whole history.
        """
        path = f"/api/v2/chart/song/{_seg(slug)}/available-rankings"
        where = f"ranking_dates (GET {path})"
        page_size = min(100, max_items) if max_items else 100
        dates: list[datetime] = []
        for page in self._pages("ranking_dates", path, subject=f"chart '{slug}'", page_size=page_size):
            dates.extend(parsing.parse_ranking_dates(page.items, where))
            if max_items is not None and len(dates) >= max_items:
                break
        dates = sorted(set(dates), reverse=True)
        return dates[:max_items] if max_items is not None else dates

    # --- songs and artists ------------------------------------------------------------------------------

    def get_song(self, uuid: str) -> Song:
        path = f"/api/v2.25/song/{_seg(uuid)}"
        data = self._get("song", path, subject=f"song '{uuid}'").data
        return parsing.parse_song(parsing.envelope_object(data, f"song (GET {path})"), f"song (GET {path})")

    def get_songs(self, uuids: Iterable[str]) -> dict[str, Song]:
        """Songs by uuid through the batch endpoint (10 per call); unknown uuids are absent from the result."""
        return self._batch(uuids, "/api/v2.25/song", "song_batch", self.get_song, parsing.parse_song)

    def get_artist(self, uuid: str) -> Artist:
        path = f"/api/v2.9/artist/{_seg(uuid)}"
        data = self._get("artist", path, subject=f"artist '{uuid}'").data
        return parsing.parse_artist(parsing.envelope_object(data, f"artist (GET {path})"), f"artist (GET {path})")

    def get_artists(self, uuids: Iterable[str]) -> dict[str, Artist]:
        """Artists by uuid through the batch endpoint (10 per call); unknown uuids are absent from the result."""
        return self._batch(uuids, "/api/v2.9/artist", "artist_batch", self.get_artist, parsing.parse_artist)

    def _batch(self, uuids: Iterable[str], prefix: str, endpoint: str, get_one: Callable[[str], T],
               parse: Callable[[Any, str], T]) -> dict[str, T]:
        wanted = list(dict.fromkeys(u for u in uuids if u))
        found: dict[str, T] = {}
        for i in range(0, len(wanted), BATCH_SIZE):
            chunk = wanted[i : i + BATCH_SIZE]
            if len(chunk) == 1:  # "/song/{uuid}" with one uuid is the single endpoint and its envelope
                try:
                    entity = get_one(chunk[0])
                except NotFoundError:
                    continue
                if entity.uuid == chunk[0]:  # type: ignore[attr-defined]  # as in a batch: another uuid
                    found[chunk[0]] = entity  # (a merged entity) is not an answer for this one
                continue
            path = f"{prefix}/{','.join(_seg(u) for u in chunk)}"
            where = f"{endpoint} (GET {path})"
            try:
                data = self._get(endpoint, path, subject=f"all of {len(chunk)} uuids").data
            except NotFoundError:  # the whole batch unknown
                continue
            for item in parsing.page_items(data, where):
                obj = item["object"] if isinstance(item, Mapping) and isinstance(item.get("object"), Mapping) else item
                entity = parse(obj, where)
                if entity.uuid in chunk:  # type: ignore[attr-defined]
                    found[entity.uuid] = entity  # type: ignore[attr-defined]
        return {u: found[u] for u in wanted if u in found}

    # --- time series ------------------------------------------------------------------------------------

    def get_song_audience(self, uuid: str, platform: str, start: date, end: date) -> list[SongAudiencePoint]:
        path = f"/api/v2/song/{_seg(uuid)}/audience/{_seg(platform)}"
        points = self._series("song_audience", path, start, end, f"{platform} audience of song '{uuid}'",
                              parsing.parse_song_audience)
        unique = {(p.date, p.identifier): p for p in points}
        return [unique[key] for key in sorted(unique)]

    def get_song_airplay(self, uuid: str, start: date, end: date) -> list[AirplayCount]:
        """Spins per radio over ``[start, end]``, summed across the 90-day windows."""
        path = f"/api/v2/song/{_seg(uuid)}/broadcast-groups"
        counts = self._series("song_airplay", path, start, end, f"airplay of song '{uuid}'", parsing.parse_airplay)
        by_radio: dict[str, AirplayCount] = {}
        for count in counts:
            seen = by_radio.get(count.radio_slug)
            by_radio[count.radio_slug] = count if seen is None else AirplayCount(
                seen.radio_slug, seen.radio_name, seen.country_code, seen.play_count + count.play_count
            )
        return sorted(by_radio.values(), key=lambda c: (-c.play_count, c.radio_slug))

    def get_artist_audience(self, uuid: str, platform: str, start: date, end: date) -> list[ArtistAudiencePoint]:
        path = f"/api/v2/artist/{_seg(uuid)}/audience/{_seg(platform)}"
        points = self._series("artist_audience", path, start, end, f"{platform} audience of artist '{uuid}'",
                              parsing.parse_artist_audience)
        return _dedupe_artist_points(points)

    def get_artist_monthly_listeners(self, uuid: str, start: date, end: date,
                                     platform: str = "spotify") -> list[ArtistAudiencePoint]:
        path = f"/api/v2/artist/{_seg(uuid)}/streaming/{_seg(platform)}/listening"
        points = self._series("artist_listening", path, start, end, f"{platform} listeners of artist '{uuid}'",
                              parsing.parse_artist_listening)
        return _dedupe_artist_points(points)

    # --- account ----------------------------------------------------------------------------------------

    def get_team_usage(self) -> TeamUsage:
        """Quota and usage; free, so it is allowed even below the quota floor."""
        response = self._get("team_usage", "/api/v2/team/usage", free=True)
        header = response.headers.get("x-quota-remaining", "")
        return parsing.parse_team_usage(response.data, int(header) if header.strip().isdigit() else None)


def _dedupe_artist_points(points: list[ArtistAudiencePoint]) -> list[ArtistAudiencePoint]:
    unique = {(p.date, p.metric): p for p in points}
    return [unique[key] for key in sorted(unique)]

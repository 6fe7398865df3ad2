"""The seed-style cascade the benchmark compares against: one sequential call per entity, nothing shared.

The issue's baseline: no batch endpoints, no thread pool and no reuse. It walks the chart the way the
project's first scripts did, entry by entry: the song, its audience, then each credited artist and that
artist's audience, so an artist credited on three ranked songs is fetched three times (``reuse=False``).

``reuse=True`` is a stricter baseline the issue did not ask for: it fetches each distinct song and artist of
the chart once, so what is left between it and the cascade is batching and concurrency alone.

Paging is done correctly (stop at ``page.total``) and the 90-day lookback is one window, exactly like our
client, so the comparison measures the design, not bugs. Plain httpx on purpose: it shares no code with the
client under test.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx

SANDBOX_HEADERS = {"x-app-id": "soundcharts", "x-api-key": "soundcharts"}
SONG_SOURCES = ("audience/spotify", "audience/youtube", "audience/shazam")
ARTIST_SOURCES = (
    "audience/spotify",
    "audience/youtube",
    "audience/instagram",
    "audience/tiktok",
    "streaming/spotify/listening",
)
AIRPLAY_DAYS = 7


@dataclass(frozen=True)
class BaselineResult:
    calls: int
    seconds: float
    songs: int
    """Songs fetched: ranking entries without reuse, distinct songs with it."""
    artists: int
    """Artists fetched: credits without reuse, distinct artists with it."""


class _Counter:
    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.calls = 0

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self.calls += 1
        response = self.http.get(path, params=params)
        if response.status_code == 404:
            return {"items": [], "page": None}
        response.raise_for_status()
        return response.json()

    def pages(self, path: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        offset, received = 0, 0
        while True:
            page = self.get(path, {**(params or {}), "offset": offset, "limit": 100})
            items = page.get("items") or []
            yield page
            received += len(items)
            total = (page.get("page") or {}).get("total")
            if not items or not page.get("page", {}).get("next") or (total is not None and received >= total):
                return
            offset += 100


def run_baseline(
    base_url: str, slug: str, today: date | None = None, lookback_days: int = 90, reuse: bool = False
) -> BaselineResult:
    """Fetch ``slug``'s latest ranking, then every song, artist and audience series, one call at a time."""
    today = today or date.today()
    window = {"startDate": (today - timedelta(days=lookback_days - 1)).isoformat(), "endDate": today.isoformat()}
    airplay = {"startDate": (today - timedelta(days=AIRPLAY_DAYS - 1)).isoformat(), "endDate": today.isoformat()}
    started = time.monotonic()
    with httpx.Client(base_url=base_url, headers=SANDBOX_HEADERS, timeout=30) as http:
        api = _Counter(http)
        ranking = [i for p in api.pages(f"/api/v2.14/chart/song/{slug}/ranking/latest") for i in p["items"]]
        seen: set[str] = set()
        songs = artists = 0
        for item in ranking:
            uuid = item["song"]["uuid"]
            if reuse and uuid in seen:
                continue
            seen.add(uuid)
            songs += 1
            song = api.get(f"/api/v2.25/song/{uuid}").get("object") or {}
            _song_audience(api, uuid, window, airplay)
            for artist in [a["uuid"] for a in song.get("artists") or [] if a.get("uuid")]:
                if reuse and artist in seen:
                    continue
                seen.add(artist)
                artists += 1
                api.get(f"/api/v2.9/artist/{artist}")
                for source in ARTIST_SOURCES:
                    list(api.pages(f"/api/v2/artist/{artist}/{source}", window))
    return BaselineResult(api.calls, time.monotonic() - started, songs, artists)


def _song_audience(api: _Counter, uuid: str, window: dict[str, str], airplay: dict[str, str]) -> None:
    for source in SONG_SOURCES:
        list(api.pages(f"/api/v2/song/{uuid}/{source}", window))
    list(api.pages(f"/api/v2/song/{uuid}/broadcast-groups", airplay))


def baseline_calls(ranking_pages: int, songs: int, artists: int) -> int:
    """What the baseline spends on one chart with that many songs and artists (one page per series).

    Without reuse, ``songs`` counts ranking entries and ``artists`` counts credits; with reuse, distinct ones.
    """
    return ranking_pages + songs + artists + songs * (len(SONG_SOURCES) + 1) + artists * len(ARTIST_SOURCES)

"""The seed-style cascade the benchmark compares against: one sequential call per entity, nothing shared.

No batch endpoints, no thread pool, no reuse of what another chart already fetched: the way the project's
first scripts talked to Soundcharts. Paging is done correctly (stop at ``page.total``) and the 90-day lookback
is one window, exactly like our client, so the comparison isolates batching, concurrency and reuse rather
than bugs. Plain httpx on purpose: it shares no code with the client under test.
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
ARTIST_SOURCES = ("audience/spotify", "audience/youtube", "audience/instagram", "audience/tiktok",
                  "streaming/spotify/listening")
AIRPLAY_DAYS = 7


@dataclass(frozen=True)
class BaselineResult:
    calls: int
    seconds: float
    songs: int
    artists: int


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


def run_baseline(base_url: str, slug: str, today: date | None = None, lookback_days: int = 90) -> BaselineResult:
    """Fetch ``slug``'s latest ranking, then every song, artist and audience series, one call at a time."""
    today = today or date.today()
    window = {"startDate": (today - timedelta(days=lookback_days - 1)).isoformat(), "endDate": today.isoformat()}
    airplay = {"startDate": (today - timedelta(days=AIRPLAY_DAYS - 1)).isoformat(), "endDate": today.isoformat()}
    started = time.monotonic()
    with httpx.Client(base_url=base_url, headers=SANDBOX_HEADERS, timeout=30) as http:
        api = _Counter(http)
        ranking = [i for p in api.pages(f"/api/v2.14/chart/song/{slug}/ranking/latest") for i in p["items"]]
        songs = list(dict.fromkeys(item["song"]["uuid"] for item in ranking))
        artists: list[str] = []
        for uuid in songs:
            song = api.get(f"/api/v2.25/song/{uuid}").get("object") or {}
            artists.extend(a["uuid"] for a in song.get("artists") or [] if a.get("uuid"))
        artists = list(dict.fromkeys(artists))
        for uuid in artists:
            api.get(f"/api/v2.9/artist/{uuid}")
        for uuid in songs:
            for source in SONG_SOURCES:
                list(api.pages(f"/api/v2/song/{uuid}/{source}", window))
            list(api.pages(f"/api/v2/song/{uuid}/broadcast-groups", airplay))
        for uuid in artists:
            for source in ARTIST_SOURCES:
                list(api.pages(f"/api/v2/artist/{uuid}/{source}", window))
    return BaselineResult(api.calls, time.monotonic() - started, len(songs), len(artists))


def baseline_calls(ranking_pages: int, songs: int, artists: int) -> int:
    """What the baseline spends on one chart with that many distinct songs and artists (one page each)."""
    return ranking_pages + songs + artists + songs * (len(SONG_SOURCES) + 1) + artists * len(ARTIST_SOURCES)

"""Audience endpoints (``endpoints/audience.py``): paths of song and artist audience, airplay summed per radio,
an artist without that social account."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from soundcharts_assets.soundcharts import NotFoundError
from tests.unit.soundcharts.harness import (
    Harness,
    error,
    ok,
    page,
)


def test_song_audience_and_artist_audience_paths() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "/song/" in request.url.path:
            return ok(
                page(
                    [
                        {
                            "date": "2024-05-10T00:00:00+00:00",
                            "plots": [{"identifier": "id2", "value": 2}, {"identifier": "id1", "value": 1}],
                        }
                    ]
                )
            )
        return ok(page([{"date": "2024-05-10T00:00:00+00:00", "followerCount": 9, "likeCount": 3}]))

    h = Harness(handler)
    song = h.client.get_song_audience("s1", "spotify", date(2024, 5, 1), date(2024, 5, 10))
    artist = h.client.get_artist_audience("a1", "instagram", date(2024, 5, 1), date(2024, 5, 10))
    assert [(p.identifier, p.value) for p in song] == [("id1", 1), ("id2", 2)]
    assert [(p.metric, p.value) for p in artist] == [("followers", 9), ("likes", 3)]
    assert [r.url.path for r in h.requests] == [
        "/api/v2/song/s1/audience/spotify",
        "/api/v2/artist/a1/audience/instagram",
    ]


def test_airplay_is_summed_per_radio_across_windows() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v2/song/s1/broadcast-groups"
        return ok(page([{"playCount": 3, "radio": {"slug": "bbc-2", "name": "BBC 2", "countryCode": "GB"}}]))

    h = Harness(handler)
    counts = h.client.get_song_airplay("s1", date(2024, 1, 1), date(2024, 4, 30))  # 2 windows
    assert len(h.requests) == 2
    assert [(c.radio_slug, c.play_count) for c in counts] == [("bbc-2", 6)]


def test_no_social_account_is_not_found() -> None:
    h = Harness(lambda request: error(404, "No social account found for artist"))
    with pytest.raises(NotFoundError, match="No social account found for artist"):
        h.client.get_artist_audience("a1", "tiktok", date(2024, 1, 1), date(2024, 1, 2))

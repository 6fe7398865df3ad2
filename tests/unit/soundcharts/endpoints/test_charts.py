"""Chart endpoints (``endpoints/charts.py``): a ranking at a date, the edition dates, platforms and charts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx

from tests.unit.soundcharts.harness import (
    CHART,
    Harness,
    ok,
    page,
    params,
    ranking_item,
)


def test_ranking_at_datetime_is_atom_with_encoded_plus() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return ok(page([ranking_item(1)], None, related={"chart": CHART, "date": "2024-05-10T00:00:00+00:00"}))

    h = Harness(handler)
    h.client.get_chart_ranking("global-28", at=datetime(2024, 5, 10, 2, tzinfo=timezone(timedelta(hours=2))))
    assert (
        h.requests[0]
        .url.raw_path.decode()
        .startswith("/api/v2.14/chart/song/global-28/ranking/2024-05-10T00:00:00%2B00:00?")
    )
    assert h.client.calls_by_endpoint == {"ranking_at": 1}


def test_ranking_dates_newest_first_and_max_items() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(params(request)["offset"])
        limit = int(params(request)["limit"])
        items = [f"2024-01-{d:02d}T00:00:00+00:00" for d in range(1 + offset, 1 + offset + limit) if d <= 28]
        return ok(page(items, f"/api/v2/chart/song/c/available-rankings?offset={offset + limit}&limit={limit}"))

    h = Harness(handler)
    dates = h.client.list_ranking_dates("c", max_items=5)
    assert len(h.requests) == 1 and params(h.requests[0])["limit"] == "5"
    assert dates == sorted(dates, reverse=True) and len(dates) == 5


def test_chart_platforms_and_charts_by_platform() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v2/chart/song/platforms":
            return ok(page([{"code": "spotify", "name": "Spotify"}, {"code": "airplay", "name": "Airplay"}]))
        assert request.url.path == "/api/v2/chart/song/by-platform/spotify"
        assert params(request) == {"countryCode": "FR", "offset": "0", "limit": "100"}
        return ok(page([CHART]))

    h = Harness(handler)
    assert h.client.list_song_chart_platforms() == ["spotify", "airplay"]
    assert [c.slug for c in h.client.list_song_charts("spotify", country_code="FR")] == ["global-28"]
    assert h.client.calls_by_endpoint == {"chart_platforms": 1, "charts_by_platform": 1}

"""Walking collections (``pagination.py``): following ``page.next`` from offset 0, stopping at ``page.total``
or at a repeated link, and splitting long ranges into 90-day windows."""

from __future__ import annotations

from datetime import date, datetime, timezone

import httpx
import pytest

from soundcharts_assets.soundcharts import MalformedPayloadError
from tests.unit.soundcharts.harness import (
    CHART,
    Harness,
    ok,
    page,
    params,
    ranking_item,
)


def test_ranking_latest_follows_next_and_sends_offset_zero() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(params(request)["offset"])
        items = [ranking_item(i) for i in range(offset + 1, min(offset + 100, 150) + 1)] if offset < 150 else []
        nxt = f"/api/v2.14/chart/song/global-28/ranking/latest?offset={offset + 100}&limit=100"
        return ok(page(items, nxt, related={"chart": CHART, "date": "2024-05-10T00:00:00+00:00"}))

    h = Harness(handler)
    ranking = h.client.get_chart_ranking("global-28")
    assert [e.position for e in ranking.entries] == list(range(1, 151))
    assert ranking.date == datetime(2024, 5, 10, tzinfo=timezone.utc) and ranking.chart.slug == "global-28"
    first, second, third = h.requests  # the third page is empty although next is set: stop there
    assert first.url.path == "/api/v2.14/chart/song/global-28/ranking/latest"
    assert params(first) == {"offset": "0", "limit": "100"}
    assert params(second) == {"offset": "100", "limit": "100"}
    assert params(third) == {"offset": "200", "limit": "100"}
    assert h.client.calls_made == 3 and h.client.calls_by_endpoint == {"ranking_latest": 3}


def test_paging_stops_at_page_total_without_fetching_the_phantom_page() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(params(request)["offset"])
        items = [ranking_item(i) for i in range(offset + 1, min(offset + 100, 150) + 1)] if offset < 150 else []
        nxt = f"/api/v2.14/chart/song/global-28/ranking/latest?offset={offset + 100}&limit=100"
        body = page(items, nxt, related={"chart": CHART, "date": "2024-05-10T00:00:00+00:00"})
        body["page"]["total"] = 150
        return ok(body)

    h = Harness(handler)
    assert len(h.client.get_chart_ranking("global-28").entries) == 150
    assert h.client.calls_made == 2  # every page is a paid call: the empty third one is never asked for


def test_pagination_stops_when_next_repeats() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return ok(
            page(["2024-05-10T00:00:00+00:00"], "/api/v2/chart/song/global-28/available-rankings?offset=1&limit=100")
        )

    h = Harness(handler)
    dates = h.client.list_ranking_dates("global-28")
    assert len(h.requests) == 2  # first page, then the next link once; its repeat is not followed
    assert dates == [datetime(2024, 5, 10, tzinfo=timezone.utc)]


def test_time_series_split_into_90_day_windows_deduped_and_sorted() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        p = params(request)
        # every window answers its last day and, to mimic overlap, the first day of the whole range
        items = [
            {"date": f"{p['endDate']}T00:00:00+00:00", "value": 2},
            {"date": "2024-01-01T00:00:00+02:00", "value": 1},
        ]
        return ok(page(items))

    h = Harness(handler)
    points = h.client.get_artist_monthly_listeners("a1", date(2024, 1, 1), date(2024, 7, 18))
    windows = [(params(r)["startDate"], params(r)["endDate"]) for r in h.requests]
    assert windows == [("2024-01-01", "2024-03-30"), ("2024-03-31", "2024-06-28"), ("2024-06-29", "2024-07-18")]
    assert all(params(r)["offset"] == "0" and params(r)["limit"] == "100" for r in h.requests)
    assert h.requests[0].url.path == "/api/v2/artist/a1/streaming/spotify/listening"
    assert [p.date for p in points] == [date(2024, 1, 1), date(2024, 3, 30), date(2024, 6, 28), date(2024, 7, 18)]
    assert {p.metric for p in points} == {"monthly_listeners"}
    assert h.client.calls_by_endpoint == {"artist_listening": 3}


def test_items_not_a_list_is_malformed_naming_the_endpoint() -> None:
    h = Harness(lambda request: ok({"items": {"oops": 1}, "page": {}}))
    with pytest.raises(MalformedPayloadError, match="ranking_dates"):
        h.client.list_ranking_dates("global-28")

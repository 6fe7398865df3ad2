"""What the emulator serves, read with plain httpx (not our client): the independent side of comparisons."""

from __future__ import annotations

from datetime import datetime

import httpx

SANDBOX = {"x-app-id": "soundcharts", "x-api-key": "soundcharts"}


def served_ranking(api_url: str, slug: str) -> list[dict]:
    """Every item of the chart's latest edition, by position."""
    items, path = [], f"/api/v2.14/chart/song/{slug}/ranking/latest?offset=0&limit=100"
    with httpx.Client(base_url=api_url, headers=SANDBOX, timeout=10) as client:
        while path:
            page = client.get(path).raise_for_status().json()
            if not page["items"]:
                break
            items += page["items"]
            path = page["page"]["next"]
    return sorted(items, key=lambda item: item["position"])


def served_latest_date(api_url: str, slug: str) -> datetime:
    response = httpx.get(
        f"{api_url}/api/v2/chart/song/{slug}/available-rankings?offset=0&limit=1", headers=SANDBOX, timeout=10
    )
    return datetime.fromisoformat(response.raise_for_status().json()["items"][0])


def api_requests(stats: dict) -> int:
    """Requests the emulator answered on /api/ routes (its own /__emulator control routes left out)."""
    return sum(count for route, count in stats["by_route"].items() if route.startswith("/api/"))

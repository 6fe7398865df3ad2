"""The quota bookkeeping (``quota.py``): the floor refuses before sending (team usage is free), and the lowest
recent ``x-quota-remaining`` wins until the monthly reset."""

from __future__ import annotations

import httpx
import pytest

from soundcharts_assets.soundcharts import QuotaFloorReachedError
from tests.unit.soundcharts.harness import Harness, ok


def test_quota_floor_refuses_before_sending_but_allows_team_usage() -> None:
    h = Harness(lambda request: ok({"object": {"uuid": "s1", "name": "x"}}, quota=5), quota_floor=5)
    h.client.get_song("s1")
    assert h.client.quota_remaining == 5
    with pytest.raises(QuotaFloorReachedError, match="quota floor reached: 5 calls left, floor is 5"):
        h.client.get_song("s1")
    assert h.client.calls_made == 1
    assert h.client.get_team_usage().quota_remaining == 5
    assert h.client.calls_by_endpoint == {"song": 1, "team_usage": 1}


def test_quota_remaining_keeps_lowest_recent_value() -> None:
    quotas = iter([100, 98, 99])
    h = Harness(lambda request: ok({"object": {"uuid": "s1", "name": "x"}}, quota=next(quotas)))
    for _ in range(3):
        h.client.get_song("s1")
    assert h.client.quota_remaining == 98  # the late answer carrying 99 is stale
    h.now += 3600  # an hour later a higher value is believed (the monthly reset)
    h2_quota = iter([5000])
    h.client._http._transport = httpx.MockTransport(  # type: ignore[attr-defined]
        lambda request: ok({"object": {"uuid": "s1", "name": "x"}}, quota=next(h2_quota))
    )
    h.client.get_song("s1")
    assert h.client.quota_remaining == 5000

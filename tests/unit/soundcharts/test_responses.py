"""Classifying answers (``responses.py``): the per-minute rate limit and the monthly quota look alike on the wire."""

from __future__ import annotations

import pytest

from tests.unit.soundcharts.harness import error


@pytest.mark.parametrize(
    ("message", "headers", "rate_limited"),
    [
        ("You have reached the maximum request count per minute", {}, True),
        ("slow down", {"x-ratelimit-reset": "3"}, True),
        ("Your quota has been consumed", {"x-ratelimit-reset": "3"}, False),
        ("Too many requests", {}, False),
    ],
)
def test_429_classification(message: str, headers: dict, rate_limited: bool) -> None:
    from soundcharts_assets.soundcharts.responses import api_error_message, is_rate_limit

    response = error(429, message, headers)
    assert is_rate_limit(response, api_error_message(response)) is rate_limited

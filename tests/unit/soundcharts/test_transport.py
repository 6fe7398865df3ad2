"""One request at a time made reliable (``transport.py``): thread-safe counters, bounded requests in flight,
rate tokens taken only by requests about to be sent."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from soundcharts_assets.ratelimit.memory import UnlimitedLimiter
from soundcharts_assets.soundcharts import SoundchartsClient
from soundcharts_assets.soundcharts.config import ApiSettings, SecretStr
from tests.unit.soundcharts.harness import (
    API_KEY,
    BASE,
    Harness,
    ok,
)


def test_counters_are_thread_safe() -> None:
    h = Harness(lambda request: ok({"object": {"uuid": "s1", "name": "x"}}, quota=50), max_in_flight=4)
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda _: h.client.get_song("s1"), range(200)))
    assert h.client.calls_made == 200 and h.client.calls_by_endpoint == {"song": 200}


def test_in_flight_is_bounded() -> None:
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}
    gate = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        gate.wait(0.05)
        with lock:
            state["now"] -= 1
        return ok({"object": {"uuid": "s1", "name": "x"}})

    h = Harness(handler, max_in_flight=3)
    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(lambda _: h.client.get_song("s1"), range(20)))
    assert state["peak"] <= 3


def test_rate_tokens_are_taken_by_requests_in_flight_only() -> None:
    """A token is taken right before its request goes out: threads queued for a slot hold none, so they
    cannot bank tokens and send them in a burst above the rate once slots free up."""
    lock = threading.Lock()
    state = {"taken": 0, "answered": 0, "peak_unsent": 0}

    class CountingLimiter(UnlimitedLimiter):
        def acquire(self) -> None:
            with lock:
                state["taken"] += 1
                state["peak_unsent"] = max(state["peak_unsent"], state["taken"] - state["answered"])

    def handler(request: httpx.Request) -> httpx.Response:
        threading.Event().wait(0.02)
        with lock:
            state["answered"] += 1
        return ok({"object": {"uuid": "s1", "name": "x"}})

    settings = ApiSettings(base_url=BASE, app_id="my-app", api_key=SecretStr(API_KEY), max_in_flight=3)
    client = SoundchartsClient(settings, limiter=CountingLimiter(), transport=httpx.MockTransport(handler))
    with client, ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(lambda _: client.get_song("s1"), range(60)))
    assert state["taken"] == 60
    assert state["peak_unsent"] <= 3, state

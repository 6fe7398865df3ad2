"""The client's wiring (``client.py``): a context manager that closes its session, timeouts from the settings,
built from the environment's settings."""

from __future__ import annotations

import httpx
import pytest

from soundcharts_assets.soundcharts import SoundchartsClient
from soundcharts_assets.soundcharts.config import ApiSettings
from tests.unit.soundcharts.harness import API_KEY, BASE, ok


def test_context_manager_closes_and_timeouts_come_from_settings() -> None:
    settings = ApiSettings(base_url=BASE, timeout_seconds=12.0, connect_timeout_seconds=3.0)
    with SoundchartsClient(settings, transport=httpx.MockTransport(lambda r: ok({}))) as client:
        timeout = client._http.timeout  # type: ignore[attr-defined]
        assert (timeout.connect, timeout.read) == (3.0, 12.0)
    assert client._http.is_closed  # type: ignore[attr-defined]


def test_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    from soundcharts_assets.settings import api_settings_from_env

    monkeypatch.setenv("SOUNDCHARTS_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("SOUNDCHARTS_API_KEY", API_KEY)
    with SoundchartsClient(api_settings_from_env()) as client:
        assert repr(client) == "SoundchartsClient(base_url='http://127.0.0.1:9', auth='api-key')"

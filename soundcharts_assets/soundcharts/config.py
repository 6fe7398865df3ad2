"""What the client needs to know to reach the API: base URL, credentials, timeouts, retry and pacing knobs.

These types live in the client library (as ``httpx._config`` does in httpx) so the client imports nothing
from the application: ``soundcharts_assets.settings`` reads the environment and builds an
:class:`ApiSettings`, a notebook or a test builds one by hand. Secrets are pydantic ``SecretStr``, whose
``repr``/``str`` never show the value, so settings can be logged, put in an exception or shown in the Dagster
UI without leaking a key; the value is read with ``get_secret_value()`` only where a header is built.
Importing this module does not import httpx.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import SecretStr

__all__ = [
    "DEFAULT_AUTH_URL",
    "DEFAULT_BASE_URL",
    "SANDBOX_API_KEY",
    "SANDBOX_APP_ID",
    "ApiSettings",
    "OAuthCredentials",
    "SecretStr",
]

DEFAULT_BASE_URL = "https://customer.api.soundcharts.com"
DEFAULT_AUTH_URL = "https://account.soundcharts.com/oauth/token"
# Soundcharts' public sandbox credentials: they work against the real sandbox and the emulator accepts them.
SANDBOX_APP_ID = "soundcharts"
SANDBOX_API_KEY = "soundcharts"


@dataclass(frozen=True)
class OAuthCredentials:
    """An OAuth2 client-credentials grant: exchanged at ``token_url`` for short-lived bearer tokens."""

    client_id: str
    client_secret: SecretStr
    team_id: str
    token_url: str = DEFAULT_AUTH_URL


@dataclass(frozen=True)
class ApiSettings:
    """How to reach the Soundcharts API (or the emulator, which speaks the same protocol).

    OAuth is used when ``oauth`` is set, else the legacy ``x-app-id``/``x-api-key`` pair.
    """

    base_url: str = DEFAULT_BASE_URL
    app_id: str = SANDBOX_APP_ID
    api_key: SecretStr = field(default_factory=lambda: SecretStr(SANDBOX_API_KEY))
    oauth: OAuthCredentials | None = None
    timeout_seconds: float = 30.0
    connect_timeout_seconds: float = 10.0
    max_retries: int = 5
    backoff_base_seconds: float = 0.5
    backoff_max_seconds: float = 30.0
    max_rate_limit_wait_seconds: float = 120.0
    rate_limit_per_minute: int = 6000
    max_in_flight: int = 12
    quota_floor: int = 0

    @property
    def uses_sandbox_credentials(self) -> bool:
        return (
            self.oauth is None
            and self.app_id == SANDBOX_APP_ID
            and (self.api_key.get_secret_value() == SANDBOX_API_KEY)
        )

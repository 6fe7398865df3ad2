"""The one place that reads settings from the environment.

Every other module receives typed settings objects; nothing else calls ``os.environ``. Secrets are
held in :class:`Secret`, whose ``repr``/``str`` never shows the value, so a settings object can be
logged, put in an exception or shown in the Dagster UI without leaking a key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_BASE_URL = "https://customer.api.soundcharts.com"
DEFAULT_AUTH_URL = "https://account.soundcharts.com/oauth/token"
SANDBOX_APP_ID = "soundcharts"
SANDBOX_API_KEY = "soundcharts"


class SettingsError(ValueError):
    """A setting has a value we cannot use; the message names the variable and what to do."""


class Secret:
    """A string that never shows itself in ``repr``, ``str`` or f-strings."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


@dataclass(frozen=True)
class OAuthCredentials:
    client_id: str
    client_secret: Secret
    team_id: str
    token_url: str = DEFAULT_AUTH_URL


@dataclass(frozen=True)
class ApiSettings:
    """How to reach the Soundcharts API (or the emulator, which speaks the same protocol)."""

    base_url: str = DEFAULT_BASE_URL
    app_id: str = SANDBOX_APP_ID
    api_key: Secret = field(default_factory=lambda: Secret(SANDBOX_API_KEY))
    oauth: OAuthCredentials | None = None
    timeout_seconds: float = 30.0
    connect_timeout_seconds: float = 10.0
    max_retries: int = 5
    backoff_base_seconds: float = 0.5
    backoff_max_seconds: float = 30.0
    max_rate_limit_wait_seconds: float = 120.0
    rate_limit_per_minute: int = 6000
    max_in_flight: int = 8
    quota_floor: int = 0

    @property
    def uses_sandbox_credentials(self) -> bool:
        return self.oauth is None and self.app_id == SANDBOX_APP_ID and (
            self.api_key.reveal() == SANDBOX_API_KEY
        )


@dataclass(frozen=True)
class FreshnessSettings:
    """How old a stored entity may be before a materialization fetches it again."""

    metadata_hours: float = 7 * 24
    audience_hours: float = 24
    audience_lookback_days: int = 90


@dataclass(frozen=True)
class Settings:
    api: ApiSettings
    warehouse_url: str
    data_dir: Path
    freshness: FreshnessSettings


def _env_int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a whole number; set it to e.g. {default}") from None
    if value < minimum:
        raise SettingsError(f"{name}={value} is below {minimum}; set it to e.g. {default}")
    return value


def _env_float(env: Mapping[str, str], name: str, default: float, minimum: float = 0.0) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number; set it to e.g. {default}") from None
    if value < minimum:
        raise SettingsError(f"{name}={value} is below {minimum}; set it to e.g. {default}")
    return value


def _oauth_from_env(env: Mapping[str, str]) -> OAuthCredentials | None:
    names = ("SOUNDCHARTS_CLIENT_ID", "SOUNDCHARTS_CLIENT_SECRET", "SOUNDCHARTS_TEAM_ID")
    present = [n for n in names if env.get(n)]
    if not present:
        return None
    missing = [n for n in names if not env.get(n)]
    if missing:
        raise SettingsError(f"OAuth needs {', '.join(names)}; {', '.join(missing)} is not set")
    return OAuthCredentials(
        client_id=env["SOUNDCHARTS_CLIENT_ID"],
        client_secret=Secret(env["SOUNDCHARTS_CLIENT_SECRET"]),
        team_id=env["SOUNDCHARTS_TEAM_ID"],
        token_url=env.get("SOUNDCHARTS_AUTH_URL") or DEFAULT_AUTH_URL,
    )


def api_settings_from_env(env: Mapping[str, str] | None = None) -> ApiSettings:
    env = os.environ if env is None else env
    base_url = (env.get("SOUNDCHARTS_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
    if not base_url.startswith(("http://", "https://")):
        raise SettingsError(f"SOUNDCHARTS_BASE_URL={base_url!r} must start with http:// or https://")
    app_id = env.get("SOUNDCHARTS_APP_ID") or SANDBOX_APP_ID
    api_key = env.get("SOUNDCHARTS_API_KEY") or SANDBOX_API_KEY
    return ApiSettings(
        base_url=base_url,
        app_id=app_id,
        api_key=Secret(api_key),
        oauth=_oauth_from_env(env),
        timeout_seconds=_env_float(env, "SOUNDCHARTS_TIMEOUT_SECONDS", 30.0, minimum=0.1),
        max_retries=_env_int(env, "SOUNDCHARTS_MAX_RETRIES", 5),
        rate_limit_per_minute=_env_int(env, "SOUNDCHARTS_RATE_LIMIT_PER_MINUTE", 6000, minimum=1),
        max_in_flight=_env_int(env, "SOUNDCHARTS_MAX_IN_FLIGHT", 8, minimum=1),
        quota_floor=_env_int(env, "SOUNDCHARTS_QUOTA_FLOOR", 0),
    )


def data_dir_from_env(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("SOUNDCHARTS_DATA_DIR") or Path.cwd() / "data").resolve()


def warehouse_url_from_env(env: Mapping[str, str] | None = None) -> str:
    """``SOUNDCHARTS_WAREHOUSE_URL`` or a SQLite file in the data directory."""
    env = os.environ if env is None else env
    url = env.get("SOUNDCHARTS_WAREHOUSE_URL")
    if url:
        return url
    return f"sqlite:///{data_dir_from_env(env) / 'warehouse.sqlite'}"


def freshness_from_env(env: Mapping[str, str] | None = None) -> FreshnessSettings:
    env = os.environ if env is None else env
    return FreshnessSettings(
        metadata_hours=_env_float(env, "SOUNDCHARTS_METADATA_FRESHNESS_HOURS", 7 * 24),
        audience_hours=_env_float(env, "SOUNDCHARTS_AUDIENCE_FRESHNESS_HOURS", 24),
        audience_lookback_days=_env_int(env, "SOUNDCHARTS_AUDIENCE_LOOKBACK_DAYS", 90, minimum=1),
    )


def settings_from_env(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    return Settings(
        api=api_settings_from_env(env),
        warehouse_url=warehouse_url_from_env(env),
        data_dir=data_dir_from_env(env),
        freshness=freshness_from_env(env),
    )


def project_root() -> Path | None:
    """The checkout this package runs from (editable install), where dagster.yaml and workspace.yaml live."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "workspace.yaml").is_file() else None


def dagster_home_from_env(env: Mapping[str, str] | None = None) -> Path:
    """``DAGSTER_HOME``, or ``<data dir>/dagster_home`` for the embedded default instance."""
    env = os.environ if env is None else env
    if env.get("DAGSTER_HOME"):
        return Path(env["DAGSTER_HOME"]).resolve()
    return data_dir_from_env(env) / "dagster_home"


DEFAULT_CELERY_BROKER_URL = "amqp://guest:guest@127.0.0.1:5672//"
DEFAULT_CELERY_BACKEND_URL = "rpc://"
EXECUTORS = ("multiprocess", "celery")


@dataclass(frozen=True)
class CelerySettings:
    """The opt-in Celery deployment (deploy/celery/README.md): steps run on Celery workers across hosts.

    ``enabled`` is ``SOUNDCHARTS_EXECUTOR=celery``; the default stays the preloaded multiprocess executor.
    The run process and every worker read the same variables, so they agree on broker, backend and queues.
    """

    enabled: bool = False
    broker_url: str = field(default=DEFAULT_CELERY_BROKER_URL, repr=False)  # URLs may carry a password
    backend_url: str = field(default=DEFAULT_CELERY_BACKEND_URL, repr=False)
    step_start_timeout_seconds: int = 120
    """How long a step may wait in a queue that no worker consumes before its run fails."""
    broker_connect_timeout_seconds: int = 10

    def safe_broker_url(self) -> str:
        """The broker URL with its password hidden, for messages and logs."""
        scheme, sep, rest = self.broker_url.partition("://")
        userinfo, at, host = rest.rpartition("@")
        if not at or ":" not in userinfo:
            return self.broker_url
        return f"{scheme}{sep}{userinfo.split(':', 1)[0]}:***@{host}"


def celery_settings_from_env(env: Mapping[str, str] | None = None) -> CelerySettings:
    env = os.environ if env is None else env
    executor = (env.get("SOUNDCHARTS_EXECUTOR") or "multiprocess").strip().lower()
    if executor not in EXECUTORS:
        raise SettingsError(f"SOUNDCHARTS_EXECUTOR={executor!r} is unknown; set it to one of {', '.join(EXECUTORS)}")
    return CelerySettings(
        enabled=executor == "celery",
        broker_url=env.get("SOUNDCHARTS_CELERY_BROKER_URL") or DEFAULT_CELERY_BROKER_URL,
        backend_url=env.get("SOUNDCHARTS_CELERY_BACKEND_URL") or DEFAULT_CELERY_BACKEND_URL,
        step_start_timeout_seconds=_env_int(env, "SOUNDCHARTS_CELERY_STEP_START_TIMEOUT_SECONDS", 120, minimum=1),
        broker_connect_timeout_seconds=_env_int(env, "SOUNDCHARTS_CELERY_BROKER_TIMEOUT_SECONDS", 10, minimum=1),
    )

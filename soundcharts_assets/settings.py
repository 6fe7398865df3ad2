"""The one place that reads settings from the environment: it reads variables, the domain decides what they
mean (the refresh bounds per source: ``refresh_policy.py``).

Every other module receives typed settings objects; nothing else calls ``os.environ``. Each group of
variables is a pydantic model (:class:`EnvSettings`) whose field aliases are the variable names, so a type, a
minimum and a default are declared once beside the name, and :func:`read_env` reads it. The opt-in Celery
deployment's group lives beside the Celery definitions (``defs/celery_settings.py``), read the same way. Any bad value (not a number, negative, below the minimum)
becomes one :class:`SettingsError` line naming the variable and what to do: the CLI prints it, and a
Dagster code location fails with it instead of a traceback. An empty variable counts as unset.
Secrets are pydantic ``SecretStr``; the client's own types (``ApiSettings``...) live in
``soundcharts/config.py`` so the client does not depend on this module.

Longer than 300 lines on purpose: every variable of every layer is declared here, next to the one-line error
wording they share.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, ValidationError

from soundcharts_assets.local_setup import read_local_setup, record_path
from soundcharts_assets.soundcharts.config import (
    DEFAULT_AUTH_URL,
    DEFAULT_BASE_URL,
    SANDBOX_API_KEY,
    SANDBOX_APP_ID,
    ApiSettings,
    OAuthCredentials,
)
from soundcharts_assets.sources import source_names

__all__ = [
    "AlertSettings",
    "AutomationSettings",
    "BudgetSettings",
    "EnvSettings",
    "FreshnessSettings",
    "SettingsError",
    "SourceHours",
    "alert_settings_from_env",
    "api_settings_from_env",
    "automation_settings_from_env",
    "budget_from_env",
    "dagster_home_from_env",
    "data_dir_from_env",
    "freshness_from_env",
    "has_real_credentials",
    "project_root",
    "read_env",
    "today_from_env",
    "warehouse_url_from_env",
]

Model = TypeVar("Model", bound=BaseModel)


class SettingsError(ValueError):
    """A setting has a value we cannot use; the message names the variable and what to do."""


class EnvSettings(BaseModel):
    """Read by alias (the variable name) from the environment, or by field name from code."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")


@dataclass(frozen=True)
class SourceHours:
    """Hours per audience source: ``default`` for every source, ``by_source`` overrides some.

    Read from ``48`` (every source), ``instagram=360,tiktok=360`` (those two; the rest keep the default) or
    ``48,instagram=360`` (both).
    """

    default: float | None = None
    by_source: dict[str, float] = field(default_factory=dict)

    def hours(self, source: str, fallback: float) -> float:
        if source in self.by_source:
            return self.by_source[source]
        return fallback if self.default is None else self.default


def parse_source_hours(raw: Any) -> SourceHours:
    """``SourceHours`` from its text form; a negative or non-numeric value or an unknown source is a ValueError."""
    if isinstance(raw, SourceHours):
        return raw
    if isinstance(raw, int | float):
        raw = str(raw)
    default: float | None = None
    by_source: dict[str, float] = {}
    for item in (part.strip() for part in str(raw).split(",")):
        if not item:
            continue
        name, _, number = item.rpartition("=")
        name = name.strip()
        if name and name not in source_names():
            raise ValueError(f"unknown source {name!r}; use one of {', '.join(source_names())}")
        try:
            hours = float(number)
        except ValueError:
            raise ValueError(f"{number.strip()!r} is not a number of hours") from None
        if hours < 0 or hours != hours:
            raise ValueError(f"{number.strip()} hours is negative; use 0 or more")
        if name:
            by_source[name] = hours
        else:
            default = hours
    return SourceHours(default, by_source)


SourceHoursSetting = Annotated[SourceHours, BeforeValidator(parse_source_hours)]


class FreshnessSettings(EnvSettings):
    """How old a stored entity may be before a materialization fetches it again.

    Audience series are refreshed when new data can exist (``due.py``), within bounds per source that
    ``refresh_policy.py`` derives from these fields and the sources' rows: ``SOUNDCHARTS_REFRESH_MIN_HOURS``
    (default ``SOUNDCHARTS_AUDIENCE_FRESHNESS_HOURS`` for Spotify, twice that for the other sources, a week for
    airplay) and ``SOUNDCHARTS_REFRESH_MAX_HOURS`` (default 360 h = the slowest crawl).
    ``SOUNDCHARTS_CURRENT_STATS=1`` takes today's values of a series with no gap from one current-stats
    call per entity.
    """

    metadata_hours: float = Field(7 * 24.0, ge=0.0, alias="SOUNDCHARTS_METADATA_FRESHNESS_HOURS")
    audience_hours: float = Field(24.0, ge=0.0, alias="SOUNDCHARTS_AUDIENCE_FRESHNESS_HOURS")
    audience_lookback_days: int = Field(90, ge=1, alias="SOUNDCHARTS_AUDIENCE_LOOKBACK_DAYS")
    refresh_min: SourceHoursSetting = Field(SourceHours(), alias="SOUNDCHARTS_REFRESH_MIN_HOURS")
    refresh_max: SourceHoursSetting = Field(SourceHours(), alias="SOUNDCHARTS_REFRESH_MAX_HOURS")
    current_stats: bool = Field(False, alias="SOUNDCHARTS_CURRENT_STATS")


class BudgetSettings(EnvSettings):
    """``SOUNDCHARTS_MONTHLY_BUDGET``: calls the project may spend per calendar month (unset: no cap)."""

    monthly_budget: int | None = Field(None, ge=1, alias="SOUNDCHARTS_MONTHLY_BUDGET")


class _TodayEnv(EnvSettings):
    today: date | None = Field(None, alias="SOUNDCHARTS_TODAY")


class AutomationSettings(EnvSettings):
    """How often the sensors look: new chart editions (a paid call per chart), the automation sensor, the
    chart registry (partitions added in the UI; no call unless one was added), and succeeded cascade runs (the
    alerts they start; no call)."""

    editions_sensor_interval_seconds: int = Field(3600, ge=1, alias="SOUNDCHARTS_EDITIONS_SENSOR_INTERVAL_SECONDS")
    automation_sensor_interval_seconds: int = Field(30, ge=1, alias="SOUNDCHARTS_AUTOMATION_SENSOR_INTERVAL_SECONDS")
    registry_sensor_interval_seconds: int = Field(30, ge=1, alias="SOUNDCHARTS_REGISTRY_SENSOR_INTERVAL_SECONDS")
    alerts_sensor_interval_seconds: int = Field(1, ge=1, alias="SOUNDCHARTS_ALERTS_SENSOR_INTERVAL_SECONDS")
    """1: at every pass of the daemon over its sensors, which comes every 5 s (Dagster's sensor loop). An interval of
    5 met a pass a few milliseconds short of it half of the time, so the alerts sensors ticked every 5 or 10 s."""


DEFAULT_MILESTONES = (1_000_000, 10_000_000, 100_000_000, 1_000_000_000)


def parse_milestones(raw: Any) -> tuple[int, ...]:
    """``1000000,10M,2.5B`` -> whole numbers, sorted; a bad item is a ValueError naming it."""
    if isinstance(raw, tuple | list):
        return tuple(sorted(int(v) for v in raw))
    found = []
    for item in (part.strip() for part in str(raw).split(",")):
        if not item:
            continue
        scale = {"k": 10**3, "m": 10**6, "b": 10**9}.get(item[-1].lower(), 1)
        number = item[:-1] if scale > 1 else item
        try:
            value = float(number.replace("_", "")) * scale
        except ValueError:
            raise ValueError(f"{item!r} is not a number (e.g. 1000000 or 1M)") from None
        if value < 1 or value != value:
            raise ValueError(f"{item!r} is not a positive number")
        found.append(int(value))
    return tuple(sorted(set(found)))


class AlertSettings(EnvSettings):
    """Alerts (issue 23): the channels digests go to, and what counts as an event.

    The channel URLs are secrets (a Slack webhook URL is its own credential, an SMTP URL carries a password):
    ``SecretStr``, checked when a channel is built (``alerts/channels.py``), which words a malformed one
    without showing it. A channel left unset is not used.
    """

    slack_webhook_url: SecretStr | None = Field(None, alias="SOUNDCHARTS_ALERTS_SLACK_WEBHOOK_URL")
    smtp_url: SecretStr | None = Field(None, alias="SOUNDCHARTS_ALERTS_SMTP_URL")
    email_to: str | None = Field(None, alias="SOUNDCHARTS_ALERTS_EMAIL_TO")
    email_from: str = Field("soundcharts-assets@localhost", alias="SOUNDCHARTS_ALERTS_EMAIL_FROM")
    webhook_url: SecretStr | None = Field(None, alias="SOUNDCHARTS_ALERTS_WEBHOOK_URL")
    timeout_seconds: float = Field(10.0, ge=0.1, alias="SOUNDCHARTS_ALERTS_TIMEOUT_SECONDS")
    spike_k: float = Field(6.0, gt=0, alias="SOUNDCHARTS_ALERTS_SPIKE_K")
    baseline_days: int = Field(28, ge=7, alias="SOUNDCHARTS_ALERTS_BASELINE_DAYS")
    lookback_days: int = Field(7, ge=1, alias="SOUNDCHARTS_ALERTS_LOOKBACK_DAYS")
    milestones: Annotated[tuple[int, ...], BeforeValidator(parse_milestones)] = Field(
        DEFAULT_MILESTONES, alias="SOUNDCHARTS_ALERTS_MILESTONES"
    )


def alert_settings_from_env(env: Mapping[str, str] | None = None) -> AlertSettings:
    """The ``SOUNDCHARTS_ALERTS_*`` variables; a bad number is one SettingsError line."""
    return read_env(AlertSettings, env)


class _ApiEnv(EnvSettings):
    """The ``SOUNDCHARTS_*`` variables of :class:`ApiSettings`; OAuth is read apart (all three or none)."""

    base_url: str = Field(DEFAULT_BASE_URL, alias="SOUNDCHARTS_BASE_URL")
    app_id: str = Field(SANDBOX_APP_ID, alias="SOUNDCHARTS_APP_ID")
    api_key: SecretStr = Field(SecretStr(SANDBOX_API_KEY), alias="SOUNDCHARTS_API_KEY")
    timeout_seconds: float = Field(30.0, ge=0.1, alias="SOUNDCHARTS_TIMEOUT_SECONDS")
    max_retries: int = Field(5, ge=0, alias="SOUNDCHARTS_MAX_RETRIES")
    rate_limit_per_minute: int = Field(6000, ge=1, alias="SOUNDCHARTS_RATE_LIMIT_PER_MINUTE")
    max_in_flight: int = Field(ApiSettings.max_in_flight, ge=1, alias="SOUNDCHARTS_MAX_IN_FLIGHT")
    quota_floor: int = Field(0, ge=0, alias="SOUNDCHARTS_QUOTA_FLOOR")


def read_env(model: type[Model], env: Mapping[str, str] | None = None) -> Model:
    """``model`` from the environment (empty variables count as unset); a bad value is one SettingsError."""
    env = os.environ if env is None else env
    names = {field.alias or name for name, field in model.model_fields.items()}
    given = {name: env[name] for name in names if env.get(name, "").strip()}
    try:
        return model.model_validate(given)
    except ValidationError as error:
        raise SettingsError(_one_line(model, error)) from None


def _one_line(model: type[BaseModel], error: ValidationError) -> str:
    """The first problem, worded as before pydantic: ``NAME='x' is not a whole number; set it to e.g. 5``."""
    problem = error.errors()[0]
    name = str(problem["loc"][0])
    field = next(f for n, f in model.model_fields.items() if (f.alias or n) == name)
    default: Any = field.default.get_secret_value() if isinstance(field.default, SecretStr) else field.default
    default = _EXAMPLES.get(name, default)
    raw, kind = problem.get("input"), problem["type"]
    if kind in ("int_parsing", "int_from_float"):
        return f"{name}={raw!r} is not a whole number; set it to e.g. {default}"
    if kind == "float_parsing":
        return f"{name}={raw!r} is not a number; set it to e.g. {default}"
    if kind == "value_error":
        reason = str(problem.get("ctx", {}).get("error", problem["msg"]))
        return f"{name}={raw!r}: {reason}; set it to e.g. {default}"
    if kind in ("date_from_datetime_parsing", "date_parsing", "date_from_datetime_inexact", "date_type"):
        return f"{name}={raw!r} is not a date; set it to e.g. 2026-12-01 (YYYY-MM-DD) or unset it"
    if kind in ("bool_parsing", "bool_type"):
        return f"{name}={raw!r} is not on or off; set it to 1 or 0"
    if kind == "greater_than":
        return f"{name}={raw} must be above {problem.get('ctx', {}).get('gt')}; set it to e.g. {default}"
    if kind == "greater_than_equal":
        return f"{name}={raw} is below {problem.get('ctx', {}).get('ge')}; set it to e.g. {default}"
    return f"{name}={raw!r} is not usable ({problem['msg']}); set it to e.g. {default}"


_EXAMPLES = {
    "SOUNDCHARTS_REFRESH_MIN_HOURS": "24 or instagram=48,tiktok=48",
    "SOUNDCHARTS_REFRESH_MAX_HOURS": "360 or instagram=360,tiktok=360",
    "SOUNDCHARTS_MONTHLY_BUDGET": "500000 (calls per month) or unset it",
    "SOUNDCHARTS_ALERTS_MILESTONES": "1M,10M,100M,1B",
}


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
        client_secret=SecretStr(env["SOUNDCHARTS_CLIENT_SECRET"]),
        team_id=env["SOUNDCHARTS_TEAM_ID"],
        token_url=env.get("SOUNDCHARTS_AUTH_URL") or DEFAULT_AUTH_URL,
    )


REAL_CREDENTIAL_VARIABLES = ("SOUNDCHARTS_API_KEY", "SOUNDCHARTS_CLIENT_ID")
"""Set, they mean the real API: `dev` starts no emulator, and a recorded one is not used."""


def has_real_credentials(env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return any(env.get(name, "").strip() for name in REAL_CREDENTIAL_VARIABLES)


def api_settings_from_env(env: Mapping[str, str] | None = None) -> ApiSettings:
    """How to reach the API: ``SOUNDCHARTS_BASE_URL``, the credentials, and the reliability knobs.

    Without ``SOUNDCHARTS_BASE_URL`` and real credentials, the emulator that `make dev` or `make demo` recorded in
    the data directory (``local_setup.py``); an :class:`EmulatorStoppedError` when its process has ended.
    """
    env = os.environ if env is None else env
    read = read_env(_ApiEnv, env)
    base_url = read.base_url.rstrip("/")
    if not env.get("SOUNDCHARTS_BASE_URL", "").strip() and not has_real_credentials(env):
        base_url = _recorded_emulator_url(env) or base_url
    if not base_url.startswith(("http://", "https://")):
        raise SettingsError(f"SOUNDCHARTS_BASE_URL={base_url!r} must start with http:// or https://")
    return ApiSettings(
        base_url=base_url,
        app_id=read.app_id,
        api_key=read.api_key,
        oauth=_oauth_from_env(env),
        timeout_seconds=read.timeout_seconds,
        max_retries=read.max_retries,
        rate_limit_per_minute=read.rate_limit_per_minute,
        max_in_flight=read.max_in_flight,
        quota_floor=read.quota_floor,
    )


def _recorded_emulator_url(env: Mapping[str, str]) -> str | None:
    data_dir = data_dir_from_env(env)
    setup = read_local_setup(data_dir)
    if setup is None or setup.emulator_url is None:
        return None
    if not setup.emulator_running():
        raise setup.stopped_error(record_path(data_dir))
    return setup.emulator_url.rstrip("/")


def freshness_from_env(env: Mapping[str, str] | None = None) -> FreshnessSettings:
    return read_env(FreshnessSettings, env)


def budget_from_env(env: Mapping[str, str] | None = None) -> BudgetSettings:
    """``SOUNDCHARTS_MONTHLY_BUDGET``: a whole number of calls, at least 1; unset means no cap."""
    return read_env(BudgetSettings, env)


def today_from_env(env: Mapping[str, str] | None = None) -> date | None:
    """``SOUNDCHARTS_TODAY=YYYY-MM-DD``: the day simulations and tests pretend it is; unset in production."""
    return read_env(_TodayEnv, env).today


def automation_settings_from_env(env: Mapping[str, str] | None = None) -> AutomationSettings:
    """The sensors' intervals: ``SOUNDCHARTS_EDITIONS_SENSOR_INTERVAL_SECONDS`` (default 3600),
    ``SOUNDCHARTS_AUTOMATION_SENSOR_INTERVAL_SECONDS`` and ``SOUNDCHARTS_REGISTRY_SENSOR_INTERVAL_SECONDS``
    (default 30 each), ``SOUNDCHARTS_ALERTS_SENSOR_INTERVAL_SECONDS`` (default 1: each pass of the daemon, every 5 s)."""
    return read_env(AutomationSettings, env)


def data_dir_from_env(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("SOUNDCHARTS_DATA_DIR") or Path.cwd() / "data").resolve()


def warehouse_url_from_env(env: Mapping[str, str] | None = None) -> str:
    """``SOUNDCHARTS_WAREHOUSE_URL``, or a SQLite file in the data directory, which is created for it (a URL
    given by hand names a folder that must exist: a typo must not become an empty warehouse)."""
    env = os.environ if env is None else env
    url = env.get("SOUNDCHARTS_WAREHOUSE_URL")
    if url:
        return url
    data_dir = data_dir_from_env(env)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SettingsError(
            f"SOUNDCHARTS_DATA_DIR={str(data_dir)!r}: cannot create it ({error.strerror}); point it at a writable folder"
        ) from None
    return f"sqlite:///{data_dir / 'warehouse.sqlite'}"


def project_root() -> Path | None:
    """The checkout this package runs from (editable install), where dagster.yaml and workspace.yaml live."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "workspace.yaml").is_file() else None


def dagster_home_from_env(env: Mapping[str, str] | None = None) -> Path:
    """``DAGSTER_HOME``, else the instance `make dev` or `make demo` recorded in the data directory, else
    ``<data dir>/dagster_home`` for the embedded default instance."""
    env = os.environ if env is None else env
    if env.get("DAGSTER_HOME"):
        return Path(env["DAGSTER_HOME"]).resolve()
    data_dir = data_dir_from_env(env)
    setup = read_local_setup(data_dir)
    return Path(setup.dagster_home) if setup is not None else data_dir / "dagster_home"


class _OutageEnv(EnvSettings):
    wait_seconds: float = Field(30.0, ge=0, alias="SOUNDCHARTS_DB_OUTAGE_WAIT_SECONDS")


def db_outage_wait_seconds_from_env(env: Mapping[str, str] | None = None) -> float:
    """``SOUNDCHARTS_DB_OUTAGE_WAIT_SECONDS`` (default 30): how long a Postgres outage is waited out.

    A warehouse transaction (or the shared rate limiter's) that finds the server gone, refused or restarting is
    retried with backoff for this long before the step fails; 0 fails at once. SQLite never waits.
    """
    return read_env(_OutageEnv, env).wait_seconds

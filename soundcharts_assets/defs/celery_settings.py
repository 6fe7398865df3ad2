"""The opt-in Celery deployment's settings (deploy/celery/README.md): ``SOUNDCHARTS_EXECUTOR`` and the
``SOUNDCHARTS_CELERY_*`` variables, the one place that reads them.

Beside the Celery definitions that use them (``celery_executor.py``, ``celery_worker.py``); read like every other
group (``settings.read_env``: one :class:`~soundcharts_assets.settings.SettingsError` line per bad value). The run
process and every worker read the same variables, so they agree on broker, backend and queues. Importing this
module imports no Celery: ``definitions.py`` reads it to decide whether Celery is wanted at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import Field

from soundcharts_assets.settings import EnvSettings, SettingsError, read_env

__all__ = ["CelerySettings", "celery_settings_from_env"]

DEFAULT_CELERY_BROKER_URL = "amqp://guest:guest@127.0.0.1:5672//"
DEFAULT_CELERY_BACKEND_URL = "rpc://"
EXECUTORS = ("multiprocess", "celery")


@dataclass(frozen=True)
class CelerySettings:
    """Steps run on Celery workers across hosts.

    ``enabled`` is ``SOUNDCHARTS_EXECUTOR=celery``; the default stays the preloaded multiprocess executor.
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


class _CeleryEnv(EnvSettings):
    executor: str = Field("multiprocess", alias="SOUNDCHARTS_EXECUTOR")
    broker_url: str = Field(DEFAULT_CELERY_BROKER_URL, alias="SOUNDCHARTS_CELERY_BROKER_URL")
    backend_url: str = Field(DEFAULT_CELERY_BACKEND_URL, alias="SOUNDCHARTS_CELERY_BACKEND_URL")
    step_start_timeout_seconds: int = Field(120, ge=1, alias="SOUNDCHARTS_CELERY_STEP_START_TIMEOUT_SECONDS")
    broker_connect_timeout_seconds: int = Field(10, ge=1, alias="SOUNDCHARTS_CELERY_BROKER_TIMEOUT_SECONDS")


def celery_settings_from_env(env: Mapping[str, str] | None = None) -> CelerySettings:
    """``SOUNDCHARTS_EXECUTOR`` and the ``SOUNDCHARTS_CELERY_*`` variables; a bad value is one SettingsError."""
    raw = read_env(_CeleryEnv, env)
    executor = raw.executor.strip().lower()
    if executor not in EXECUTORS:
        raise SettingsError(f"SOUNDCHARTS_EXECUTOR={executor!r} is unknown; set it to one of {', '.join(EXECUTORS)}")
    return CelerySettings(
        enabled=executor == "celery",
        broker_url=raw.broker_url,
        backend_url=raw.backend_url,
        step_start_timeout_seconds=raw.step_start_timeout_seconds,
        broker_connect_timeout_seconds=raw.broker_connect_timeout_seconds,
    )

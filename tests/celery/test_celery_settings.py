"""The Celery deployment's settings and worker command line, without a broker."""

from __future__ import annotations

import pytest

from soundcharts_assets.defs.celery_settings import CelerySettings, celery_settings_from_env
from soundcharts_assets.settings import SettingsError

pytestmark = pytest.mark.celery


def test_the_default_stays_the_multiprocess_executor():
    assert celery_settings_from_env({}) == CelerySettings()
    assert not CelerySettings().enabled and CelerySettings().backend_url == "rpc://"


def test_settings_from_the_environment_hide_the_broker_password():
    settings = celery_settings_from_env(
        {
            "SOUNDCHARTS_EXECUTOR": "Celery",
            "SOUNDCHARTS_CELERY_BROKER_URL": "amqp://user:s3cret@mq:5672/prod",
            "SOUNDCHARTS_CELERY_STEP_START_TIMEOUT_SECONDS": "30",
        }
    )
    assert settings.enabled and settings.step_start_timeout_seconds == 30
    assert settings.safe_broker_url() == "amqp://user:***@mq:5672/prod"
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize(
    "env, names",
    [
        ({"SOUNDCHARTS_EXECUTOR": "k8s"}, "SOUNDCHARTS_EXECUTOR"),
        ({"SOUNDCHARTS_CELERY_STEP_START_TIMEOUT_SECONDS": "soon"}, "SOUNDCHARTS_CELERY_STEP_START_TIMEOUT_SECONDS"),
        ({"SOUNDCHARTS_CELERY_BROKER_TIMEOUT_SECONDS": "0"}, "SOUNDCHARTS_CELERY_BROKER_TIMEOUT_SECONDS"),
    ],
)
def test_bad_values_name_their_variable(env, names):
    with pytest.raises(SettingsError, match=names):
        celery_settings_from_env(env)


def test_the_worker_command_keeps_every_queue():
    from soundcharts_assets.defs.celery_worker import celery_worker_argv

    argv = celery_worker_argv(["-n", "api-1", "-q", "dagster", "-q", "soundcharts_api", "--", "-c", "4"])
    assert argv[:3] == ["-A", "soundcharts_assets.defs.celery_worker", "worker"]
    assert argv[argv.index("-Q") + 1] == "dagster,soundcharts_api"
    assert argv[argv.index("-n") + 1] == "api-1@%h" and argv[-2:] == ["-c", "4"]
    with pytest.raises(SystemExit, match="usage"):
        celery_worker_argv(["--bogus"])


def test_api_steps_go_to_their_own_queue():
    from soundcharts_assets.definitions import CASCADE_ASSETS

    queues = {a.key.to_user_string(): a.op.tags.get("dagster-celery/queue") for a in CASCADE_ASSETS}
    assert queues == {
        "chart_rankings": "soundcharts_api",
        "tracks": "soundcharts_api",
        "artists": None,
        "artist_metadata": "soundcharts_api",
        "track_audience": "soundcharts_api",
        "artist_audience": "soundcharts_api",
    }

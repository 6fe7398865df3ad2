"""Settings from the environment: defaults, and one line naming the variable for every bad value."""

from __future__ import annotations

import pytest

from soundcharts_assets.settings import (
    SettingsError,
    api_settings_from_env,
    automation_settings_from_env,
    freshness_from_env,
)


def test_defaults_and_empty_variables() -> None:
    api = api_settings_from_env({"SOUNDCHARTS_MAX_RETRIES": "", "SOUNDCHARTS_BASE_URL": "http://127.0.0.1:9/"})
    assert (api.base_url, api.max_retries, api.rate_limit_per_minute, api.quota_floor) == (
        "http://127.0.0.1:9",
        5,
        6000,
        0,
    )
    assert api.uses_sandbox_credentials and api.oauth is None
    fresh = freshness_from_env({})
    assert (fresh.metadata_hours, fresh.audience_hours, fresh.audience_lookback_days) == (168, 24, 90)
    auto = automation_settings_from_env({})
    assert (auto.editions_sensor_interval_seconds, auto.automation_sensor_interval_seconds) == (3600, 30)


def test_values_are_read() -> None:
    api = api_settings_from_env(
        {
            "SOUNDCHARTS_API_KEY": "k-123",
            "SOUNDCHARTS_APP_ID": "me",
            "SOUNDCHARTS_TIMEOUT_SECONDS": "2.5",
            "SOUNDCHARTS_QUOTA_FLOOR": "100",
        }
    )
    assert api.api_key.get_secret_value() == "k-123" and "k-123" not in repr(api)
    assert (api.app_id, api.timeout_seconds, api.quota_floor) == ("me", 2.5, 100)
    auto = automation_settings_from_env(
        {"SOUNDCHARTS_EDITIONS_SENSOR_INTERVAL_SECONDS": "60", "SOUNDCHARTS_AUTOMATION_SENSOR_INTERVAL_SECONDS": "5"}
    )
    assert (auto.editions_sensor_interval_seconds, auto.automation_sensor_interval_seconds) == (60, 5)
    oauth = api_settings_from_env(
        {"SOUNDCHARTS_CLIENT_ID": "c", "SOUNDCHARTS_CLIENT_SECRET": "s", "SOUNDCHARTS_TEAM_ID": "t"}
    ).oauth
    assert oauth is not None and oauth.client_secret.get_secret_value() == "s" and "'s'" not in repr(oauth)


@pytest.mark.parametrize(
    ("read", "name", "value", "expected"),
    [
        (
            api_settings_from_env,
            "SOUNDCHARTS_MAX_RETRIES",
            "five",
            "SOUNDCHARTS_MAX_RETRIES='five' is not a whole number; set it to e.g. 5",
        ),
        (
            api_settings_from_env,
            "SOUNDCHARTS_MAX_RETRIES",
            "-1",
            "SOUNDCHARTS_MAX_RETRIES=-1 is below 0; set it to e.g. 5",
        ),
        (
            api_settings_from_env,
            "SOUNDCHARTS_TIMEOUT_SECONDS",
            "slow",
            "SOUNDCHARTS_TIMEOUT_SECONDS='slow' is not a number; set it to e.g. 30.0",
        ),
        (
            api_settings_from_env,
            "SOUNDCHARTS_TIMEOUT_SECONDS",
            "0.01",
            "SOUNDCHARTS_TIMEOUT_SECONDS=0.01 is below 0.1; set it to e.g. 30.0",
        ),
        (
            api_settings_from_env,
            "SOUNDCHARTS_RATE_LIMIT_PER_MINUTE",
            "0",
            "SOUNDCHARTS_RATE_LIMIT_PER_MINUTE=0 is below 1; set it to e.g. 6000",
        ),
        (
            api_settings_from_env,
            "SOUNDCHARTS_MAX_IN_FLIGHT",
            "2.5",
            "SOUNDCHARTS_MAX_IN_FLIGHT='2.5' is not a whole number; set it to e.g. 12",
        ),
        (
            api_settings_from_env,
            "SOUNDCHARTS_BASE_URL",
            "api.example",
            "SOUNDCHARTS_BASE_URL='api.example' must start with http:// or https://",
        ),
        (
            freshness_from_env,
            "SOUNDCHARTS_AUDIENCE_FRESHNESS_HOURS",
            "-3",
            "SOUNDCHARTS_AUDIENCE_FRESHNESS_HOURS=-3 is below 0.0; set it to e.g. 24.0",
        ),
        (
            freshness_from_env,
            "SOUNDCHARTS_AUDIENCE_LOOKBACK_DAYS",
            "0",
            "SOUNDCHARTS_AUDIENCE_LOOKBACK_DAYS=0 is below 1; set it to e.g. 90",
        ),
        (
            automation_settings_from_env,
            "SOUNDCHARTS_EDITIONS_SENSOR_INTERVAL_SECONDS",
            "1h",
            "SOUNDCHARTS_EDITIONS_SENSOR_INTERVAL_SECONDS='1h' is not a whole number; set it to e.g. 3600",
        ),
        (
            automation_settings_from_env,
            "SOUNDCHARTS_AUTOMATION_SENSOR_INTERVAL_SECONDS",
            "0",
            "SOUNDCHARTS_AUTOMATION_SENSOR_INTERVAL_SECONDS=0 is below 1; set it to e.g. 30",
        ),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(read, name: str, value: str, expected: str) -> None:
    with pytest.raises(SettingsError) as info:
        read({name: value})
    assert str(info.value) == expected
    assert (info.value.__cause__ is None and info.value.__context__ is None) or info.value.__suppress_context__


def test_oauth_needs_all_three_variables() -> None:
    with pytest.raises(SettingsError, match="SOUNDCHARTS_TEAM_ID is not set"):
        api_settings_from_env({"SOUNDCHARTS_CLIENT_ID": "c", "SOUNDCHARTS_CLIENT_SECRET": "s"})

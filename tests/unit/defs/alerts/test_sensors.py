"""The alerts sensors tick at every pass of the daemon over its sensors, not every other one."""

from __future__ import annotations

from dagster._daemon import sensor as sensor_daemon

from soundcharts_assets.defs.alerts.sensors import ALERTS_INTERVAL_SECONDS, alerts_when_stored_sensor
from soundcharts_assets.settings import automation_settings_from_env


def test_the_default_alerts_interval_is_shorter_than_the_daemons_pass() -> None:
    """The daemon passes over its sensors every ``MIN_INTERVAL_LOOP_TIME`` (5 s) and skips a sensor whose interval
    has not fully passed: an interval of 5 s ticked every 5 or 10 s, and a fleet's alerts waited for the later one.
    A Dagster upgrade that renames the constant or slows the pass fails here."""
    assert automation_settings_from_env({}).alerts_sensor_interval_seconds == ALERTS_INTERVAL_SECONDS == 1
    assert alerts_when_stored_sensor.minimum_interval_seconds == 1 < sensor_daemon.MIN_INTERVAL_LOOP_TIME == 5

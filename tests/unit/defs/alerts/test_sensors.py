"""The alerts sensors tick at every pass of the daemon over its sensors, not every other one."""

from __future__ import annotations

from dagster._daemon import sensor as sensor_daemon

from soundcharts_assets.defs.alerts.definitions import defs
from soundcharts_assets.settings import automation_settings_from_env


def test_the_alerts_sensors_interval_is_shorter_than_the_daemons_pass() -> None:
    """The daemon passes over its sensors every ``MIN_INTERVAL_LOOP_TIME`` and skips a sensor whose interval has
    not fully passed: an interval of 5 s (the pass's own) ticked every 5 or 10 s, and a fleet's alerts waited
    for the later one. A Dagster upgrade that renames the constant, or passes more often than our default, fails
    here."""
    default = automation_settings_from_env({}).alerts_sensor_interval_seconds
    intervals = {sensor.name: sensor.minimum_interval_seconds for sensor in defs.sensors or []}
    assert set(intervals) == {"alerts_when_stored", "alerts_after_cascade", "alerts_after_failed_cascade"}
    assert set(intervals.values()) == {default}
    assert default < sensor_daemon.MIN_INTERVAL_LOOP_TIME

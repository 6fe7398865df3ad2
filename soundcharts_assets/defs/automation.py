"""Declarative automation: a landed ranking pulls the rest of the cascade, whoever materialized it.

The sensor evaluates the eager conditions of the downstream assets and makes no API calls.
"""

import dagster as dg

from soundcharts_assets.settings import automation_settings_from_env

#: Evaluates the eager conditions of the downstream assets (no API calls), so a landed ranking pulls the
#: rest of the cascade, whoever materialized it.
cascade_automation_sensor = dg.AutomationConditionSensorDefinition(
    "cascade_automation",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=automation_settings_from_env().automation_sensor_interval_seconds,
    description="Runs downstream chart assets when their upstream partition updates.",
)

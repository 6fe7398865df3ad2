"""Declarative automation: a landed ranking pulls the rest of the cascade, whoever materialized it.

The sensor evaluates the eager conditions of the downstream assets and makes no API calls.
"""

import os

import dagster as dg

#: Evaluates the eager conditions of the downstream assets (no API calls), so a landed ranking pulls the
#: rest of the cascade, whoever materialized it.
cascade_automation_sensor = dg.AutomationConditionSensorDefinition(
    "cascade_automation",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=int(os.environ.get("SOUNDCHARTS_AUTOMATION_SENSOR_INTERVAL_SECONDS", 30)),
    description="Runs downstream chart assets when their upstream partition updates.",
)

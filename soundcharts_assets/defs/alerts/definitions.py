"""The alerts group: the ``alerts`` asset and its job, run beside or after the cascade in runs of their own, and
the sensors that start them as soon as a cascade run has stored what they read, or ends."""

import dagster as dg

from soundcharts_assets.defs.alerts.assets import alerts, chart_alerts_job
from soundcharts_assets.defs.alerts.sensors import (
    alerts_after_cascade_sensor,
    alerts_after_failed_cascade_sensor,
    alerts_when_stored_sensor,
)

defs = dg.Definitions(
    assets=[alerts],
    jobs=[chart_alerts_job],
    sensors=[alerts_when_stored_sensor, alerts_after_cascade_sensor, alerts_after_failed_cascade_sensor],
)

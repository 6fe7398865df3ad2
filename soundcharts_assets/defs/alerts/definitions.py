"""The alerts group: the ``alerts`` asset and its job, run after the cascade in runs of their own."""

import dagster as dg

from soundcharts_assets.defs.alerts.assets import alerts, chart_alerts_job

defs = dg.Definitions(assets=[alerts], jobs=[chart_alerts_job])

"""The charts group: the ranking, the cascade job that refreshes a chart, and what starts it (new editions,
the sync schedules, partitions added in the UI)."""

import dagster as dg

from soundcharts_assets.defs.charts.assets import chart_rankings
from soundcharts_assets.defs.charts.jobs import chart_cascade_job
from soundcharts_assets.defs.charts.registry import chart_registry_sensor
from soundcharts_assets.defs.charts.schedules import daily_charts_schedule, weekly_charts_schedule
from soundcharts_assets.defs.charts.sensors import new_chart_editions_sensor
from soundcharts_assets.defs.freshness import with_freshness

ASSETS = with_freshness([chart_rankings])

defs = dg.Definitions(
    assets=ASSETS,
    jobs=[chart_cascade_job],
    sensors=[new_chart_editions_sensor, chart_registry_sensor],
    schedules=[daily_charts_schedule, weekly_charts_schedule],
)

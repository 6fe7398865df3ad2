"""The insight group: movers, artist growth and track momentum, computed on read from the warehouse."""

import dagster as dg

from soundcharts_assets.defs.insight.assets import INSIGHT_ASSETS

defs = dg.Definitions(assets=INSIGHT_ASSETS)

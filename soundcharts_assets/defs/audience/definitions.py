"""The audience group: each chart's track and artist audience, one series per (entity, source)."""

import dagster as dg

from soundcharts_assets.defs.audience.assets import artist_audience, track_audience
from soundcharts_assets.defs.freshness import with_freshness

ASSETS = with_freshness([track_audience, artist_audience])

defs = dg.Definitions(assets=ASSETS)

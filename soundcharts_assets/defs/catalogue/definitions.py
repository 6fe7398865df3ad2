"""The catalogue group: song metadata, the artists a chart credits, and their metadata."""

import dagster as dg

from soundcharts_assets.defs.catalogue.assets import artist_metadata, artists, tracks
from soundcharts_assets.defs.freshness import with_freshness

ASSETS = with_freshness([tracks, artists, artist_metadata])

defs = dg.Definitions(assets=ASSETS)

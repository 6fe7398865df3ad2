"""The one job of the graph: the whole cascade for one chart partition."""

import dagster as dg

from soundcharts_assets.defs.assets import CASCADE_ASSETS
from soundcharts_assets.defs.partitions import chart_partitions

CASCADE_JOB_NAME = "chart_cascade"

chart_cascade_job = dg.define_asset_job(
    CASCADE_JOB_NAME,
    selection=dg.AssetSelection.assets(*CASCADE_ASSETS),
    partitions_def=chart_partitions,
    description="Ranking, tracks, artists, artist metadata and both audiences for one chart.",
)

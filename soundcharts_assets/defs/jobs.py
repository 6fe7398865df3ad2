"""The one job of the graph: the whole cascade and its insight, for one chart or a range of charts."""

import dagster as dg

from soundcharts_assets.defs.audience.assets import artist_audience, track_audience
from soundcharts_assets.defs.catalogue.assets import artist_metadata, artists, tracks
from soundcharts_assets.defs.charts.assets import chart_rankings
from soundcharts_assets.defs.insight.assets import INSIGHT_ASSETS
from soundcharts_assets.defs.names import CASCADE_JOB_NAME
from soundcharts_assets.defs.partitions import chart_partitions

CASCADE_ASSETS = [chart_rankings, tracks, artists, artist_metadata, track_audience, artist_audience]

chart_cascade_job = dg.define_asset_job(
    CASCADE_JOB_NAME,
    selection=dg.AssetSelection.assets(*CASCADE_ASSETS, *INSIGHT_ASSETS),
    partitions_def=chart_partitions,
    description=(
        "Ranking, tracks, artists, artist metadata, both audiences and the insight (movers, growth, momentum) "
        "for one chart or a fleet of charts in one run."
    ),
)

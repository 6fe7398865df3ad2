"""The cascade job: the whole refresh of one chart or a fleet of charts, its insight included.

It selects the groups a refresh runs by name, not by importing their assets: groups import nothing of each
other (import-linter), and an asset added to one of them joins the job without an edit here.
"""

import dagster as dg

from soundcharts_assets.defs.names import CASCADE_JOB_NAME
from soundcharts_assets.defs.partitions import chart_partitions

CASCADE_GROUPS = ("charts", "catalogue", "audience", "insight")
"""The asset groups of a refresh; ``alerts`` runs after it, in runs of its own (``defs/alerts/``)."""

chart_cascade_job = dg.define_asset_job(
    CASCADE_JOB_NAME,
    selection=dg.AssetSelection.groups(*CASCADE_GROUPS),
    partitions_def=chart_partitions,
    description=(
        "Ranking, tracks, artists, artist metadata, both audiences and the insight (movers, growth, momentum) "
        "for one chart or a fleet of charts in one run."
    ),
)

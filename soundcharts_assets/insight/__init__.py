"""Analyst insight on top of the cascade: movers, artist growth, track momentum, pictures and reports.

Pure pandas over frames from ``warehouse.loaders``: no Dagster, no SQL, no HTTP. ``reads.py`` is the one
module that reads the warehouse (through the loaders) on behalf of the assets, the report and notebooks;
``selections.py`` is what each picture and table shows, and its title, for the assets and the report alike.
"""

from soundcharts_assets.insight.errors import ChartNotStoredError
from soundcharts_assets.insight.growth import artist_growth, chart_share, fastest_growing
from soundcharts_assets.insight.momentum import track_momentum
from soundcharts_assets.insight.movers import chart_movers, split_editions

__all__ = [
    "ChartNotStoredError",
    "artist_growth",
    "chart_movers",
    "chart_share",
    "fastest_growing",
    "split_editions",
    "track_momentum",
]

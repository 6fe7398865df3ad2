"""The chart cascade as plain functions: ranking -> tracks -> artists -> artist metadata, and audiences.

Each step asks the warehouse what is missing or due, asks the client for exactly that, writes each answer
back as soon as it arrives (so a killed run or an exhausted quota keeps everything fetched so far), and
returns a :class:`StepReport` per chart. A step takes one chart or a whole fleet: it works over the union of
its charts' entities, so a song shared by 30 charts is fetched once. Dagster assets are thin wrappers around these functions; tests call them
directly with a real client and a real warehouse.

One module per noun: ``ranking``, ``catalogue`` (song and artist metadata), ``audience``; ``leases`` keeps
overlapping runs from paying twice, ``report`` holds what a step tells its asset.
"""

from soundcharts_assets.cascade.audience import refresh_artist_audience, refresh_track_audience
from soundcharts_assets.cascade.catalogue import link_artists, refresh_artist_metadata, refresh_tracks
from soundcharts_assets.cascade.ranking import refresh_rankings
from soundcharts_assets.cascade.step_reports import StepReport, total

__all__ = [
    "StepReport",
    "link_artists",
    "refresh_artist_audience",
    "refresh_artist_metadata",
    "refresh_rankings",
    "refresh_track_audience",
    "refresh_tracks",
    "total",
]

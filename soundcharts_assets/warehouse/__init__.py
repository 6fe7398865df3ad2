"""The warehouse: SQLAlchemy Core schema, alembic migrations, idempotent upserts, reads and pandas loaders.

Operations are grouped by noun (``charts``, ``catalogue``, ``audience``, ``leases``); ``Warehouse`` combines them.

SQLite by default, Postgres by ``SOUNDCHARTS_WAREHOUSE_URL``. Knows nothing of HTTP or Dagster.
"""

from soundcharts_assets.warehouse.catalogue import TrackRow
from soundcharts_assets.warehouse.charts import ChartRow
from soundcharts_assets.warehouse.errors import WarehouseError, WarehouseUrlError
from soundcharts_assets.warehouse.loaders import (
    load_artist_audience,
    load_artists,
    load_chart,
    load_ranking_history,
    load_track_audience,
    load_tracks,
)
from soundcharts_assets.warehouse.warehouse import Warehouse

__all__ = [
    "ChartRow",
    "TrackRow",
    "Warehouse",
    "WarehouseError",
    "WarehouseUrlError",
    "load_artist_audience",
    "load_artists",
    "load_chart",
    "load_ranking_history",
    "load_track_audience",
    "load_tracks",
]

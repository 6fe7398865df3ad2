"""The warehouse: SQLAlchemy Core schema, alembic migrations, idempotent upserts, reads and pandas loaders.

Operations are grouped by noun (``charts``, ``catalogue``, ``audience``, ``leases``); ``Warehouse`` combines them.

SQLite by default, Postgres by ``SOUNDCHARTS_WAREHOUSE_URL``. Knows nothing of HTTP or Dagster.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from soundcharts_assets.warehouse.catalogue import TrackRow
from soundcharts_assets.warehouse.charts import ChartRow
from soundcharts_assets.warehouse.errors import WarehouseError, WarehouseUrlError
from soundcharts_assets.warehouse.warehouse import Warehouse

if TYPE_CHECKING:
    from soundcharts_assets.warehouse.loaders import (
        load_artist_audience,
        load_artists,
        load_chart,
        load_ranking_history,
        load_track_audience,
        load_tracks,
    )

_LOADERS = frozenset(
    {"load_artist_audience", "load_artists", "load_chart", "load_ranking_history", "load_track_audience", "load_tracks"}
)


def __getattr__(name: str) -> Any:
    """The pandas loaders, imported on first use: pandas costs ~0.5 s and 60 MB to every process that opens the
    warehouse (``status``, the sensors, every API step), and only the insight steps and notebooks read frames."""
    if name in _LOADERS:
        from soundcharts_assets.warehouse import loaders

        return getattr(loaders, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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

"""Errors a user can cause when asking for a chart's insight: a chart the warehouse does not hold."""

from __future__ import annotations

from soundcharts_assets.warehouse import WarehouseError


class ChartNotStoredError(WarehouseError):
    """No ranking of this chart is stored; a subclass of ``WarehouseError`` so the CLI and the assets
    already print it as one line."""


class ChartNotFollowedError(ChartNotStoredError):
    """Nothing at all is stored for this slug: the chart was never followed (bad usage on the command line)."""

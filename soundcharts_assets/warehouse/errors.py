"""Errors a user can cause through the warehouse: a URL we cannot use, a schedule we do not know.

Each carries a one-line message that says what to do, so the CLI can print it and exit without a traceback.
Messages never include a password: URLs are rendered with ``hide_password=True``.
"""

from __future__ import annotations


class WarehouseError(Exception):
    """The warehouse cannot do what was asked; the message says why and what to change."""


class WarehouseUrlError(WarehouseError):
    """``SOUNDCHARTS_WAREHOUSE_URL`` cannot be parsed, names an unknown driver or reaches nothing."""

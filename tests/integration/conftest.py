"""Fixtures of the integration tests: a migrated warehouse on SQLite and on Postgres."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from soundcharts_assets.warehouse import Warehouse


@pytest.fixture
def wh(warehouse_url: str) -> Iterator[Warehouse]:
    warehouse = Warehouse(warehouse_url)
    warehouse.migrate()
    yield warehouse
    warehouse.dispose()

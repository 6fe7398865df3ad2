"""Fixtures of the integration tests: a migrated warehouse on SQLite and on Postgres, the CLI's environment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from soundcharts_assets.warehouse import Warehouse
from tests.support.cli import cli_environment


@pytest.fixture
def wh(warehouse_url: str) -> Iterator[Warehouse]:
    warehouse = Warehouse(warehouse_url)
    warehouse.migrate()
    yield warehouse
    warehouse.dispose()


@pytest.fixture
def cli_env(emulator_for_test, tmp_path: Path) -> dict[str, str]:
    """The environment of the CLI run in a subprocess: a fresh data folder and instance, and the test's own
    emulator when it asks for ``emulator``, else the session's."""
    return cli_environment(emulator_for_test.url, tmp_path)

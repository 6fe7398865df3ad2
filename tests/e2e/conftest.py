"""Fixtures of the end-to-end tests: a real deployment (webserver + daemon on Postgres) and a browser.

Each test gets a deployment of its own (fresh Postgres databases for the instance and the warehouse, a fresh
emulator, a fresh DAGSTER_HOME), except where a file shares one between tests that change nothing the others
look at (``test_browser.py``: a deployment costs ~10 s of CPU to start and ~8 s a minute to keep running).
When a test fails, the tails of the webserver's and the daemon's logs are added to its report.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster_deployment import REPO_ROOT, Deployment, new_deployment, serving

from tests.support.databases import create_database, drop_database

ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    deployment = getattr(item, "e2e_deployment", None)
    if deployment is not None and report.failed:
        report.sections.append((f"dagster logs ({report.when})", deployment.all_log_tails()))


@pytest.fixture
def warehouse_db(postgres_admin_url: str) -> Iterator[str]:
    """The warehouse of the deployment: a Postgres database of its own."""
    url = create_database(postgres_admin_url, prefix="sca_e2e_warehouse")
    yield url
    drop_database(postgres_admin_url, url)


@pytest.fixture
def deployment(
    request: pytest.FixtureRequest, postgres_admin_url: str, warehouse_db: str, emulator, tmp_path: Path
) -> Iterator[Deployment]:
    """dagster-webserver and one dagster-daemon on a Postgres instance, ready to answer GraphQL; the sensors a
    test names with ``@pytest.mark.sensors_stopped(...)`` are stopped before the daemon starts."""
    marker = request.node.get_closest_marker("sensors_stopped")
    stopped = tuple(marker.args) if marker else ()
    running, instance_db = new_deployment(
        postgres_admin_url, warehouse_db, emulator.url, tmp_path / "dagster_home", stopped
    )
    request.node.e2e_deployment = running
    with serving(running, postgres_admin_url, instance_db):
        yield running


@pytest.fixture
def artifacts_dir(request: pytest.FixtureRequest) -> Path:
    """test-artifacts/<test name>/ (gitignored): screenshots a person can look at after the run."""
    path = ARTIFACTS_DIR / request.node.name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's Chromium with `apt-get install -y chromium`")
    return CHROMIUM

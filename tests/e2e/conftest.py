"""Fixtures of the end-to-end tests: a real deployment (webserver + daemon on Postgres) and a browser.

Each test gets a deployment of its own: fresh Postgres databases for the instance and the warehouse, a fresh
emulator, a fresh DAGSTER_HOME. When a test fails, the tails of the webserver's and the daemon's logs are
added to its report.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster_deployment import REPO_ROOT, Deployment, deployment_env

from tests.support.databases import create_database, drop_database
from tests.support.ports import free_port

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
    instance_db = create_database(postgres_admin_url, prefix="sca_e2e_instance")
    home = tmp_path / "dagster_home"
    marker = request.node.get_closest_marker("sensors_stopped")
    running = Deployment(
        home,
        deployment_env(home, instance_db, warehouse_db, emulator.url),
        free_port(),
        stopped_sensors=tuple(marker.args) if marker else (),
    )
    request.node.e2e_deployment = running
    try:
        running.start()
        yield running
    finally:
        running.stop()
        drop_database(postgres_admin_url, instance_db)


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

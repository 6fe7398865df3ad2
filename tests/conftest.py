"""Fixtures shared by the whole suite: a real emulator on a socket, real SQLite files, real Postgres databases.

Postgres: the server at ``SOUNDCHARTS_TEST_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``)
is the admin connection; each test that needs Postgres gets a database of its own, created for it and dropped
after, so runs never see each other's rows. When the server is installed but stopped, it is started once.

Every test that reaches Postgres carries the ``postgres`` mark (the Postgres half of ``warehouse_url`` through
its parameter, any other user of ``postgres_admin_url`` at collection), so ``-m "not postgres"`` leaves them all
out. A server that cannot be reached fails those tests with one line naming the URL and how to start it; outside
CI (no ``CI`` variable) ``SOUNDCHARTS_TEST_SKIP_POSTGRES=1`` skips them instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support.databases import create_database, drop_database

ADMIN_URL = os.environ.get("SOUNDCHARTS_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
#: Fixtures that reach the server: a test whose fixture closure holds one of them is a Postgres test.
POSTGRES_FIXTURES = frozenset({"postgres_admin_url", "postgres_url"})
START_COMMAND = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"


def _skip_postgres_requested() -> bool:
    """Asked to skip the Postgres tests, and allowed to: CI never skips them."""
    return bool(os.environ.get("SOUNDCHARTS_TEST_SKIP_POSTGRES")) and not os.environ.get("CI")


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by mark, and before xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip = pytest.mark.skip(reason="SOUNDCHARTS_TEST_SKIP_POSTGRES is set")
    for item in items:
        if POSTGRES_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)
        if _skip_postgres_requested() and item.get_closest_marker("postgres"):
            item.add_marker(skip)
        item.add_marker(_tier(item))
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(_group(item)))
    weights: dict[str, int] = {}
    for item in items:
        group = _group(item)
        weights[group] = weights.get(group, 0) + _weight(item)
    items.sort(key=lambda item: -weights[_group(item)])  # stable: a group's tests keep their order


class _GroupsKept:
    """Refuse to run when ``--dist loadgroup`` lost the groups: files would run split across processes (the
    Celery tests beside each other, one restarting the broker under another), as pytest 9.2 with pytest-xdist
    3.8 did without a word."""

    @pytest.hookimpl(trylast=True)  # after pytest-xdist's worker has put each test's group into its nodeid
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        if getattr(config.option, "loadgroup", False) and items and not all("@" in item.nodeid for item in items):
            raise pytest.UsageError(
                "pytest-xdist did not apply the tests' xdist_group (pytest and pytest-xdist versions disagree): "
                "reinstall with `make install` (pyproject.toml pins a pytest that works) or run with TEST_PROCESSES=0"
            )


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(_GroupsKept(), "soundcharts-groups-kept")


#: The suite's tiers, one folder each: every test carries its folder's mark (``pytest -m unit``,
#: ``-m "integration and not postgres"``). Files inside unit/ and integration/ mirror the package
#: (tests/unit/soundcharts/test_retry.py tests soundcharts_assets/soundcharts/retry.py).
TIERS = ("unit", "integration", "reliability", "e2e", "celery")
TESTS = Path(__file__).resolve().parent


def _tier(item: pytest.Item) -> pytest.MarkDecorator:
    folder = item.path.resolve().relative_to(TESTS).parts[0]
    if folder not in TIERS:
        raise pytest.UsageError(f"{item.nodeid}: a test lives in one of the tier folders {', '.join(TIERS)}")
    return getattr(pytest.mark, folder)


#: Folders whose files must not run beside each other: the Celery tests restart the one RabbitMQ broker that
#: every Celery deployment on the machine shares (tests/celery/test_faults.py).
SERIAL_FOLDERS = {"tests/celery/": "celery"}


def _group(item: pytest.Item) -> str:
    """The xdist group of a test (``make test`` runs ``--dist loadgroup``): its file, so module fixtures are
    shared as with ``--dist loadfile``, or its folder's group when that folder runs serially."""
    path = item.nodeid.split("::", 1)[0]
    return next((group for folder, group in SERIAL_FOLDERS.items() if path.startswith(folder)), path)


def _weight(item: pytest.Item) -> int:
    """A rough cost, to start the heaviest groups first and keep the many short files for the end, where they
    even out the two processes: a test that starts a deployment, a slow one, the rest."""
    if item.get_closest_marker("celery") or item.get_closest_marker("e2e"):
        return 30
    return 10 if item.get_closest_marker("slow") else 0


def _postgres_reachable(url: str) -> bool:
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


def _start_local_postgres() -> None:
    """Start the Debian cluster when it is installed but stopped (a fresh machine after a reboot)."""
    versions = Path("/etc/postgresql")
    if not shutil.which("pg_ctlcluster") or not versions.is_dir():
        return
    for version in sorted(p.name for p in versions.iterdir()):
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
            check=False,
            capture_output=True,
        )


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    if not _postgres_reachable(ADMIN_URL):
        _start_local_postgres()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not _postgres_reachable(ADMIN_URL):
            time.sleep(0.5)
    if not _postgres_reachable(ADMIN_URL):
        where = sa.make_url(ADMIN_URL).render_as_string(hide_password=True)
        instead = "" if os.environ.get("CI") else ", or leave it out with -m 'not postgres'"
        pytest.fail(
            f"PostgreSQL is not reachable at {where}: start it with `{START_COMMAND}` "
            f"or set SOUNDCHARTS_TEST_POSTGRES_URL{instead}",
            pytrace=False,
        )
    return ADMIN_URL


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A fresh, empty Postgres database for one test."""
    url = create_database(postgres_admin_url)
    yield url
    drop_database(postgres_admin_url, url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'warehouse.sqlite'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Run a test once on SQLite and once on Postgres."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
        return
    admin = request.getfixturevalue("postgres_admin_url")
    url = create_database(admin)
    yield url
    drop_database(admin, url)


@pytest.fixture
def emulator():
    """A fresh emulator on a free loopback port, default knobs (no latency, no faults, no limit)."""
    from soundcharts_assets.emulator import EmulatorConfig, EmulatorServer

    with EmulatorServer(EmulatorConfig(seed=7)) as server:
        yield server


@pytest.fixture(scope="session")
def shared_emulator():
    """One emulator for read-only tests that do not look at its counters."""
    from soundcharts_assets.emulator import EmulatorConfig, EmulatorServer

    with EmulatorServer(EmulatorConfig(seed=7)) as server:
        yield server


@pytest.fixture
def emulator_for_test(request: pytest.FixtureRequest):
    """The emulator a fixture points the settings at: the test's own ``emulator`` when the test asks for it (it
    tunes the knobs or reads the counters), else the session's. One fixture then serves both kinds of test, and
    a test that asks for ``emulator`` always counts the server its settings reach."""
    name = "emulator" if "emulator" in request.fixturenames else "shared_emulator"
    return request.getfixturevalue(name)


@pytest.fixture(autouse=True)
def clock_reads_today_afresh() -> Iterator[None]:
    """The clock reads ``SOUNDCHARTS_TODAY`` once per process: each test starts from the environment it sets,
    and a test that changes it halfway calls ``clock.reset()`` (as a simulation does)."""
    from soundcharts_assets import clock

    clock.reset()
    yield
    clock.reset()

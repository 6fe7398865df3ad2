"""A Celery deployment per test: PostgreSQL instance and warehouse, the emulator, a RabbitMQ vhost, two workers.

Worker ``host-a`` runs on this machine; worker ``host-b`` runs on a second "host" (``celerykit.NamespaceHost``)
and reaches every service through the veth link. The runs execute in subprocesses (``run_cascades.py``), one per
chart, as run workers would. Skipped locally, with the reason, when RabbitMQ is unreachable; in CI (CI set) an
unreachable RabbitMQ fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from celerykit import (
    NAMESPACE_HOSTNAME,
    RABBITMQ,
    REPO_ROOT,
    VENV_BIN,
    Forwarder,
    NamespaceHost,
    RabbitVhost,
    Worker,
    port_open,
    ready_workers,
    wait_for,
    worker_command,
)

from tests.support.databases import create_database, drop_database

QUEUES = ("dagster", "soundcharts_api")
WORKER_START_TIMEOUT = 90
RUN_TIMEOUT = 180
FOREIGN_PREFIXES = ("DAGSTER_", "SOUNDCHARTS_", "CELERY_")


@pytest.fixture(scope="session")
def rabbitmq() -> Iterator[RabbitVhost]:
    """A vhost of its own on the local RabbitMQ, deleted (with its queues and exchanges) at the end."""
    if not port_open(*RABBITMQ):
        reason = f"RabbitMQ is not reachable at {RABBITMQ[0]}:{RABBITMQ[1]} (start it: rabbitmq-server -detached)"
        if os.environ.get("CI"):
            pytest.fail(reason + "; CI must run the Celery tests")
        pytest.skip(reason)
    if os.geteuid() != 0 or not shutil.which("rabbitmqctl") or not shutil.which("unshare"):
        pytest.fail("the Celery tests need root, rabbitmqctl, ip and unshare (a vhost and a network namespace)")
    vhost = RabbitVhost("sca_celery").create()
    yield vhost
    vhost.delete()


@dataclass
class CeleryDeployment:
    """Everything one test's cascade runs on; ``close`` removes all of it."""

    root: Path
    admin_url: str
    vhost: RabbitVhost
    emulator: Any
    backend: str = "rpc"
    rate_limit_per_minute: int = 3000
    extra_env: dict[str, str] = field(default_factory=dict)
    namespace: NamespaceHost | None = None
    forwarder: Forwarder | None = None
    workers: dict[str, Worker] = field(default_factory=dict)
    databases: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.instance_db = self._create_database()
        self.warehouse_db = self._create_database()
        self.databases += [self.instance_db, self.warehouse_db]
        self.home = self.root / "dagster_home"
        self.home.mkdir(parents=True, exist_ok=True)
        self.instance_yaml = (REPO_ROOT / "deploy" / "postgres" / "dagster.yaml").read_text()
        (self.home / "dagster.yaml").write_text(self.instance_yaml)
        if self.backend == "db":  # results in PostgreSQL, which a broker restart does not touch
            self.results_db = self._create_database()
            self.databases.append(self.results_db)

    def _create_database(self) -> str:
        """A database of this deployment's own; its name."""
        return str(sa.make_url(create_database(self.admin_url, prefix="sca_celery")).database)

    # addresses as seen from one host or the other ------------------------------------------------------------
    def _pg(self, host: str, database: str) -> str:
        url = sa.make_url(self.admin_url).set(drivername="postgresql+psycopg2", host=host, port=5432, database=database)
        return url.render_as_string(hide_password=False)

    def env(self, host: str = "127.0.0.1", home: Path | str | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN_PREFIXES)}
        backend = "rpc://" if self.backend == "rpc" else "db+" + self._pg(host, self.results_db)
        env.update(
            DAGSTER_HOME=str(home or self.home),
            DAGSTER_POSTGRES_URL=self._pg(host, self.instance_db),
            SOUNDCHARTS_WAREHOUSE_URL=self._pg(host, self.warehouse_db),
            SOUNDCHARTS_BASE_URL=f"http://{host}:{self.emulator.port}",
            SOUNDCHARTS_DATA_DIR=str(Path(home or self.home) / "data"),
            SOUNDCHARTS_RATE_LIMIT_PER_MINUTE=str(self.rate_limit_per_minute),
            SOUNDCHARTS_EXECUTOR="celery",
            SOUNDCHARTS_CELERY_BROKER_URL=self.vhost.url(host),
            SOUNDCHARTS_CELERY_BACKEND_URL=backend,
            SOUNDCHARTS_CELERY_STEP_START_TIMEOUT_SECONDS="60",
            PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        return env

    # workers ---------------------------------------------------------------------------------------------------
    def start_host_worker(
        self,
        name: str = "host-a",
        queues: tuple[str, ...] = QUEUES,
        env: dict[str, str] | None = None,
        concurrency: int = 2,
    ) -> Worker:
        worker = Worker(
            name, worker_command(name, queues, concurrency), env or self.env(), self.root / f"worker-{name}.log"
        ).start()
        self.workers[name] = worker
        return worker

    def start_namespace_worker(
        self, name: str = "host-b", queues: tuple[str, ...] = QUEUES, concurrency: int = 2
    ) -> Worker:
        if self.namespace is None:
            self.namespace = NamespaceHost().create()
            ports = [5672, 5432, self.emulator.port]
            self.forwarder = Forwarder(self.namespace.host_ip, ports).start()
        env = self.env(self.namespace.host_ip, home=self.namespace.home)
        command = self.namespace.wrap(worker_command(name, queues, concurrency), NAMESPACE_HOSTNAME, self.instance_yaml)
        worker = Worker(name, command, env, self.root / f"worker-{name}.log").start()
        self.workers[name] = worker
        return worker

    def celery_app(self) -> Any:
        from dagster_celery.make_app import make_app

        from soundcharts_assets.defs.celery_executor import celery_app_args
        from soundcharts_assets.defs.celery_settings import celery_settings_from_env

        return make_app(celery_app_args(celery_settings_from_env(self.env())))

    def wait_for_workers(self, *names: str) -> dict[str, list[str]]:
        app = self.celery_app()

        def all_ready() -> dict[str, list[str]] | None:
            nodes = ready_workers(app)
            ready = {name for name in names if any(node.startswith(f"{name}@") for node in nodes)}
            return nodes if ready == set(names) else None

        def alive() -> None:
            for name in names:
                self.workers[name].check_alive()

        return wait_for(
            f"workers {', '.join(names)} to consume their queues",
            all_ready,
            WORKER_START_TIMEOUT,
            interval=1.0,
            on_poll=alive,
        )

    # runs --------------------------------------------------------------------------------------------------------
    def add_partitions(self, slugs: list[str]) -> None:
        with self.instance() as instance:
            instance.add_dynamic_partitions(
                "charts", [s for s in slugs if not instance.has_dynamic_partition("charts", s)]
            )
            # Runs that start together on a fresh instance race to create the pool's row and one fails
            # (dagster-io/dagster#33552, PostgreSQL): create it once first, as the first run would.
            # Only when absent: the same call on an existing row fails on PostgreSQL (the same issue).
            if "soundcharts_api" not in instance.event_log_storage.get_concurrency_keys():
                instance.event_log_storage.initialize_concurrency_limit_to_default("soundcharts_api")

    def start_runs(self, slugs: list[str]) -> dict[str, subprocess.Popen]:
        self.add_partitions(slugs)
        script = str(Path(__file__).parent / "run_cascades.py")
        runs = {}
        for slug in slugs:
            out = (self.root / f"run-{slug}.log").open("wb")
            runs[slug] = subprocess.Popen(
                [sys.executable, script, slug],
                cwd=REPO_ROOT,
                env=self.env(),
                stdout=subprocess.PIPE,
                stderr=out,
                start_new_session=True,
            )
        return runs

    def finish_runs(self, runs: dict[str, subprocess.Popen], timeout: float = RUN_TIMEOUT) -> dict[str, dict]:
        outcomes = {}
        for slug, process in runs.items():
            try:
                stdout, _ = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                stdout, _ = process.communicate()
                raise AssertionError(f"the run of {slug} did not end in {timeout} s:\n{self.logs()}") from None
            lines = [line for line in stdout.decode().splitlines() if line.startswith("{")]
            if not lines:
                raise AssertionError(f"the run process of {slug} printed no outcome:\n{self.logs()}")
            outcomes[slug] = json.loads(lines[-1])
        return outcomes

    def run_charts(self, slugs: list[str]) -> dict[str, dict]:
        return self.finish_runs(self.start_runs(slugs))

    def instance(self) -> Any:
        import dagster as dg

        os.environ["DAGSTER_POSTGRES_URL"] = self._pg("127.0.0.1", self.instance_db)
        return dg.DagsterInstance.from_config(str(self.home))

    def step_workers(self, run_id: str) -> dict[str, list[str]]:
        """Step key -> the Celery worker nodes (name@hostname) that started it, from the run's event log."""
        steps: dict[str, list[str]] = {}
        with self.instance() as instance:
            for entry in instance.all_logs(run_id):
                event = entry.dagster_event
                if event is None or not event.is_engine_event or event.engine_event_data is None:
                    continue
                node = event.engine_event_data.metadata.get("Celery worker")
                if node is not None:
                    steps.setdefault(event.step_key or "", []).append(str(node.value))
        return steps

    def warehouse(self) -> Any:
        from soundcharts_assets.warehouse import Warehouse

        return Warehouse(self._pg("127.0.0.1", self.warehouse_db))

    def logs(self) -> str:
        parts = []
        for path in sorted(self.root.glob("*.log")):
            text = path.read_text(errors="replace").splitlines()[-40:]
            parts.append(f"----- {path.name} -----\n" + "\n".join(text))
        return "\n".join(parts)

    def close(self) -> None:
        for worker in self.workers.values():
            worker.stop()
        if self.forwarder is not None:
            self.forwarder.stop()
        if self.namespace is not None:
            self.namespace.delete()
        for name in self.databases:
            drop_database(self.admin_url, self._pg("127.0.0.1", name))


@pytest.fixture
def deployment_factory(rabbitmq, postgres_admin_url, tmp_path) -> Iterator[Any]:
    """Build a deployment (emulator knobs and deployment options as keywords); all of it is removed after."""
    from soundcharts_assets.emulator import EmulatorConfig, EmulatorServer

    made: list[tuple[CeleryDeployment, Any]] = []

    def make(emulator_config: EmulatorConfig | None = None, **options: Any) -> CeleryDeployment:
        server = EmulatorServer(emulator_config or EmulatorConfig(seed=7)).start()
        try:
            deployment = CeleryDeployment(tmp_path / f"d{len(made)}", postgres_admin_url, rabbitmq, server, **options)
        except BaseException:
            server.stop()
            raise
        made.append((deployment, server))
        return deployment

    yield make
    for deployment, server in made:
        try:
            deployment.close()
        finally:
            server.stop()

"""What the Celery tests build: a RabbitMQ vhost (tests/support/rabbitmq.py), a second "host" (network
namespace), TCP forwarders, workers.

The second host is a network namespace with its own hostname (``unshare --uts``) and a private filesystem
(``unshare --mount``: a tmpfs of its own holding its DAGSTER_HOME and TMPDIR, and a tmpfs over /tmp unless the
checkout or the venv lives there, as a CI clone may). It reaches RabbitMQ, PostgreSQL, Redis and
the emulator, which all listen on loopback, through a veth link (a private /30) and a small asyncio forwarder
on the host end of the link. Everything made here is removed by its ``close``/``stop``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.paths import REPO_ROOT
from tests.support.ports import free_port  # noqa: F401  (re-exported for test_bad_config.py)
from tests.support.rabbitmq import RabbitVhost  # noqa: F401  (re-exported for conftest.py)
from tests.support.waiting import wait_for  # noqa: F401  (re-exported for the tests that import it from here)

VENV_BIN = Path(sys.executable).parent
RABBITMQ = ("127.0.0.1", 5672)


def port_open(host: str, port: int, timeout: float = 2.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def run(*command: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=check, capture_output=True, text=True, timeout=60)


# RabbitMQ ------------------------------------------------------------------------------------------------
def restart_broker() -> None:
    """``stop_app``/``start_app`` on the shared broker (only these tests use it), then wait until it serves."""
    run("rabbitmqctl", "-q", "stop_app")
    run("rabbitmqctl", "-q", "start_app")
    run("rabbitmqctl", "-q", "await_startup")


# the second host ------------------------------------------------------------------------------------------
async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


class Forwarder:
    """Listens on ``listen_host`` at each port and forwards every connection to 127.0.0.1 at the same port."""

    def __init__(self, listen_host: str, ports: Iterable[int]) -> None:
        self.listen_host = listen_host
        self.ports = sorted(set(ports))
        self._loop = asyncio.new_event_loop()
        self._servers: list[asyncio.base_events.Server] = []
        self._writers: set[asyncio.StreamWriter] = set()
        self._thread = threading.Thread(target=self._loop.run_forever, name="celery-test-forwarder", daemon=True)

    async def _serve(self, port: int) -> asyncio.base_events.Server:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                writer.close()
                return
            self._writers.update((writer, up_writer))
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer), return_exceptions=True)

        return await asyncio.start_server(handle, self.listen_host, port, reuse_address=True)

    def start(self) -> Forwarder:
        self._thread.start()
        for port in self.ports:
            self._servers.append(asyncio.run_coroutine_threadsafe(self._serve(port), self._loop).result(10))
        return self

    def stop(self) -> None:
        async def close() -> None:
            for server in self._servers:
                server.close()
            for writer in self._writers:  # every pipe then reads EOF and ends
                writer.close()
            tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            await asyncio.wait(tasks, timeout=5) if tasks else None

        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)


@dataclass
class NamespaceHost:
    """A network namespace joined to this host by a veth pair on a private /30."""

    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    host_ip: str = ""
    ns_ip: str = ""

    @property
    def netns(self) -> str:
        return f"sca-celery-{self.tag}"

    def create(self) -> NamespaceHost:
        used = run("ip", "-4", "-o", "addr").stdout
        while True:  # a /30 inside 10.213.0.0/16 that no interface uses
            net = ipaddress.ip_network(f"10.213.{random.randrange(256)}.{random.randrange(64) * 4}/30")
            hosts = [str(h) for h in net.hosts()]
            if not any(h in used for h in hosts):
                break
        self.host_ip, self.ns_ip = hosts
        host_end, ns_end = f"vsc{self.tag}h", f"vsc{self.tag}n"
        run("ip", "netns", "add", self.netns)
        try:
            run("ip", "link", "add", host_end, "type", "veth", "peer", "name", ns_end)
            run("ip", "link", "set", ns_end, "netns", self.netns)
            run("ip", "addr", "add", f"{self.host_ip}/30", "dev", host_end)
            run("ip", "link", "set", host_end, "up")
            run("ip", "netns", "exec", self.netns, "ip", "addr", "add", f"{self.ns_ip}/30", "dev", ns_end)
            run("ip", "netns", "exec", self.netns, "ip", "link", "set", ns_end, "up")
            run("ip", "netns", "exec", self.netns, "ip", "link", "set", "lo", "up")
        except BaseException:
            self.delete()
            raise
        return self

    def delete(self) -> None:
        run("ip", "link", "del", f"vsc{self.tag}h", check=False)  # removes both ends
        run("ip", "netns", "del", self.netns, check=False)
        shutil.rmtree(self.private_dir, ignore_errors=True)

    @property
    def private_dir(self) -> str:
        """The second host's own disk: a tmpfs mounted (inside its mount namespace) over this empty folder."""
        return f"/run/sca-celery-{self.tag}"

    @property
    def home(self) -> str:
        return f"{self.private_dir}/dagster_home"

    def wrap(self, command: list[str], hostname: str, dagster_yaml: str) -> list[str]:
        """``command`` on the second host: own hostname, its own tmpfs with DAGSTER_HOME and TMPDIR, and a tmpfs
        over /tmp when that hides neither the checkout nor the venv."""
        os.makedirs(self.private_dir, exist_ok=True)
        shared = (str(Path(__file__).resolve()), sys.prefix)
        hide_tmp = (
            "mount -t tmpfs -o size=256m tmpfs /tmp && " if not any(p.startswith("/tmp/") for p in shared) else ""
        )
        script = (
            f'hostname "$1"; mount -t tmpfs -o size=512m tmpfs {self.private_dir} && {hide_tmp}'
            f"mkdir -p {self.home} && "
            f'printf "%s" "$2" > {self.home}/dagster.yaml && export TMPDIR={self.private_dir} && shift 2 && exec "$@"'
        )
        return [
            "ip",
            "netns",
            "exec",
            self.netns,
            "unshare",
            "--uts",
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            script,
            "sh",
            hostname,
            dagster_yaml,
            *command,
        ]


NAMESPACE_HOSTNAME = "celery-host-b"
"""The second host's hostname, as its worker's node name and the event log show it."""


def this_hostname() -> str:
    return socket.gethostname()


# workers -------------------------------------------------------------------------------------------------
@dataclass
class Worker:
    """One ``python -m soundcharts_assets.defs.celery_worker`` process tree (its own session, killed as a whole)."""

    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = None

    def start(self) -> Worker:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.command, cwd=REPO_ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def check_alive(self) -> None:
        if not self.alive():
            raise RuntimeError(f"worker {self.name} exited:\n{self.log_tail()}")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """At the end of a test: no warm shutdown (its unacknowledged messages go with the vhost)."""
        if self.alive():
            self.kill(signal.SIGKILL)
        if self.process is not None:
            try:  # children left behind by a parent that exited first
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def worker_command(name: str, queues: Iterable[str], concurrency: int = 2) -> list[str]:
    queue_args = [arg for queue in queues for arg in ("-q", queue)]
    return [
        sys.executable,
        "-m",
        "soundcharts_assets.defs.celery_worker",
        "-n",
        name,
        *queue_args,
        "--loglevel",
        "INFO",
        "--",
        "-c",
        str(concurrency),
    ]


def ready_workers(app: Any, timeout: float = 2.0) -> dict[str, list[str]]:
    """Worker node name -> queues it consumes, from a broadcast."""
    try:  # a connection of its own: a pooled one may predate a broker restart
        with app.connection_for_write() as connection:
            replies = app.control.inspect(timeout=timeout, connection=connection).active_queues() or {}
    except OSError:  # the broker is restarting
        return {}
    return {node: sorted(q["name"] for q in queues or []) for node, queues in replies.items()}

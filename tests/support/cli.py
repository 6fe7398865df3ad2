"""The CLI as users type it, for the tests that run it in a subprocess: one environment, one runner."""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from soundcharts_assets.warehouse import Warehouse
from tests.support.paths import REPO_ROOT

CLI = [sys.executable, "-m", "soundcharts_assets.cli"]


def cli_environment(api_url: str, tmp_path: Path) -> dict[str, str]:
    """This process's environment without our settings, pointed at ``api_url`` and a fresh data folder and
    instance under ``tmp_path``; no rate limit of ours in the way."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOUNDCHARTS_", "DAGSTER_"))}
    env.update(
        SOUNDCHARTS_BASE_URL=api_url,
        SOUNDCHARTS_DATA_DIR=str(tmp_path / "data"),
        SOUNDCHARTS_RATE_LIMIT_PER_MINUTE="1000000",
        DAGSTER_HOME=str(tmp_path / "dagster_home"),
    )
    return env


def run_cli(env: dict, *args: str, timeout: float = 240, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess:
    """The command ``soundcharts-assets ARGS`` in a process of its own, its output captured: forked from this
    test process's zygote (``cli_zygote.py``, Dagster imported once), or a fresh interpreter per command with
    ``SOUNDCHARTS_TEST_CLI_FORK=0``."""
    if os.environ.get("SOUNDCHARTS_TEST_CLI_FORK", "1") == "0":
        return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=cwd)
    return _zygote().run(list(args), env, timeout, cwd)


class _Zygote:
    """One ``cli_zygote.py`` per test process, started at its first command; one command at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("cli_zygote.py"))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=REPO_ROOT,
            env={k: v for k, v in os.environ.items() if not k.startswith(("SOUNDCHARTS_", "DAGSTER_"))},
        )
        self._folder = Path(tempfile.mkdtemp(prefix="cli-zygote-"))
        self._pending = b""
        assert self._answer(timeout=120) == {"ready": True}

    def run(self, argv: list[str], env: dict, timeout: float, cwd: Path) -> subprocess.CompletedProcess:
        with self._lock:
            out, err = self._folder / "stdout", self._folder / "stderr"
            request = {"argv": argv, "env": dict(env), "cwd": str(cwd), "stdout": str(out), "stderr": str(err)}
            assert self._process.stdin is not None
            self._process.stdin.write(json.dumps(request).encode() + b"\n")
            self._process.stdin.flush()
            pid = self._answer(timeout=30)["pid"]
            try:
                status = self._answer(timeout=timeout)["status"]
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
                self._answer(timeout=30)
                raise subprocess.TimeoutExpired([*CLI, *argv], timeout) from None
            code = os.waitstatus_to_exitcode(status)
            return subprocess.CompletedProcess(
                [*CLI, *argv], code, out.read_text(errors="replace"), err.read_text(errors="replace")
            )

    def _answer(self, timeout: float) -> dict:
        """The zygote's next line: read from the descriptor, not a buffered file, so a line already read ahead
        is never left waiting behind ``select``."""
        assert self._process.stdout is not None
        fd, deadline = self._process.stdout.fileno(), time.monotonic() + timeout
        while b"\n" not in self._pending:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise subprocess.TimeoutExpired(["cli_zygote"], timeout)
            chunk = os.read(fd, 65536)
            if not chunk:
                raise RuntimeError(f"the CLI zygote exited ({self._process.wait()})")
            self._pending += chunk
        line, _, self._pending = self._pending.partition(b"\n")
        return json.loads(line)

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait(timeout=30)
        shutil.rmtree(self._folder, ignore_errors=True)


@functools.cache
def _zygote() -> _Zygote:
    zygote = _Zygote()
    atexit.register(zygote.close)
    return zygote


def warehouse_of(env: dict) -> Warehouse:
    """The SQLite warehouse the CLI of ``env`` writes."""
    return Warehouse(f"sqlite:///{Path(env['SOUNDCHARTS_DATA_DIR']) / 'warehouse.sqlite'}")

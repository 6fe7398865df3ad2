"""The emulator in its own process, driven over its control routes, for the benchmark.

The real API runs on other machines. An emulator thread inside the benchmark process would share that
process's interpreter lock with Dagster's run coordinator (``execute_job`` polls its steps from the same
process), so the "API" would slow down whenever the orchestrator works, and the measurement would charge
that to the cascade. A separate process keeps only what cannot be avoided on one machine: the CPU.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

import httpx

from tests.support.ports import free_port

STARTUP_TIMEOUT_SECONDS = 30.0


class EmulatorProcess:
    """``with EmulatorProcess(latency_ms=50, ...) as emulator:`` then ``emulator.url``, ``.stats()``."""

    def __init__(
        self,
        *,
        seed: int,
        latency_ms: float,
        latency_jitter_ms: float,
        rate_limit_per_minute: int | None,
        extra_args: Sequence[str] = (),
    ) -> None:
        """``extra_args``: more emulator CLI flags, e.g. ``("--charts", "120", "--today", "2026-12-01")``."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._args = [
            sys.executable,
            "-m",
            "soundcharts_assets.emulator",
            "--port",
            str(self.port),
            "--seed",
            str(seed),
            "--latency-ms",
            str(latency_ms),
            "--latency-jitter-ms",
            str(latency_jitter_ms),
        ]
        if rate_limit_per_minute:
            self._args += ["--rate-limit-per-minute", str(rate_limit_per_minute)]
        self._args += list(extra_args)
        self._process: subprocess.Popen[bytes] | None = None
        self._control = httpx.Client(base_url=self.url, timeout=10)

    def __enter__(self) -> EmulatorProcess:
        self._process = subprocess.Popen(self._args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while True:
            if self._process.poll() is not None:
                error = (self._process.stderr.read() if self._process.stderr else b"").decode(errors="replace")
                raise RuntimeError(f"the emulator exited with {self._process.returncode}: {error.strip()[-500:]}")
            try:
                self.stats()
                return self
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    self.__exit__()
                    raise RuntimeError(f"the emulator did not answer on {self.url}") from None
                time.sleep(0.1)

    def __exit__(self, *_exc: object) -> None:
        self._control.close()
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def stats(self) -> dict[str, Any]:
        response = self._control.get("/__emulator/stats")
        response.raise_for_status()
        return dict(response.json())

    def warm(self, slugs: Sequence[str]) -> None:
        """Have the emulator build these charts' histories now, then zero its counters.

        The emulator simulates a chart's whole history on its first request for it, about 0.2 s of CPU per
        fleet chart, on its one event loop and on this machine's cores. The real API has its charts already;
        left cold, a 50-chart fleet run's rankings waited ~10 s on that simulation, which no client change
        could shorten. Only the ranking's first page is asked for; what the run fetches is unchanged.
        """
        from soundcharts_assets.emulator.config import SANDBOX_API_KEY, SANDBOX_APP_ID

        headers = {"x-app-id": SANDBOX_APP_ID, "x-api-key": SANDBOX_API_KEY}
        for slug in slugs:
            path = f"/api/v2.14/chart/song/{slug}/ranking/latest"
            self._control.get(path, params={"offset": 0, "limit": 1}, headers=headers).raise_for_status()
        self.reset_stats()

    def reset_stats(self) -> None:
        self._control.post("/__emulator/reset").raise_for_status()

    def set_today(self, today: str) -> None:
        """Move the emulator's clock forward (``POST /__emulator/clock``): charts gain the editions now due."""
        self._control.post("/__emulator/clock", json={"today": today}).raise_for_status()

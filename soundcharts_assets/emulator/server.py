"""Serving the emulator on a real socket: in a background thread for tests, or blocking for the CLI.

Tests talk to it over loopback TCP exactly as the client talks to Soundcharts, so timeouts, connection
pooling and dropped connections behave as in production.
"""

from __future__ import annotations

import socket
import threading
import time
from datetime import date, datetime
from types import TracebackType
from typing import Any

import uvicorn

from soundcharts_assets.emulator.app import build_app
from soundcharts_assets.emulator.catalogue import Catalogue
from soundcharts_assets.emulator.config import EmulatorConfig
from soundcharts_assets.emulator.gate import hide_dropped_connection_logs
from soundcharts_assets.emulator.state import EmulatorState

STARTUP_TIMEOUT_SECONDS = 15.0


def _uvicorn_config(state: EmulatorState, host: str, port: int, **kwargs: Any) -> uvicorn.Config:
    return uvicorn.Config(
        build_app(state=state),
        host=host,
        port=port,
        access_log=False,
        timeout_graceful_shutdown=1,
        lifespan="off",
        **kwargs,
    )


class EmulatorServer:
    """uvicorn in a daemon thread; ``with EmulatorServer(config) as server:`` blocks until it accepts."""

    def __init__(self, config: EmulatorConfig | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.config = config or EmulatorConfig()
        self.host = host
        self._requested_port = port
        self.state = EmulatorState(self.config)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def catalogue(self) -> Catalogue:
        return self.state.catalogue

    @property
    def port(self) -> int:
        if self._socket is None:
            raise RuntimeError("the emulator is not running; use `with EmulatorServer(...) as server:`")
        return int(self._socket.getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> EmulatorServer:
        hide_dropped_connection_logs()
        # Bind here, not in uvicorn, so port 0 resolves to a known free port before the thread starts.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self._requested_port))
        self._socket = sock
        self._server = uvicorn.Server(_uvicorn_config(self.state, self.host, self.port, log_config=None))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name=f"soundcharts-emulator-{self.port}", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the emulator did not start on {self.host}:{self._requested_port}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # the same operations as the /__emulator/* routes, without HTTP -------------------------------
    def stats(self) -> dict[str, Any]:
        return self.state.stats()

    def reset_stats(self, quota: bool = False) -> dict[str, Any]:
        return self.state.reset(quota=quota)

    def configure(self, **knobs: Any) -> dict[str, Any]:
        return self.state.configure(**knobs)

    def publish_edition(self, slug: str) -> datetime:
        return self.catalogue.publish_edition(slug)

    def today(self) -> date:
        """The emulator's clock (``GET /__emulator/clock``)."""
        return self.catalogue.today()

    def set_today(self, day: date) -> date:
        """Move the clock forward (``POST /__emulator/clock``); ValueError for a day before today."""
        return self.state.set_today(day)


def run_emulator(config: EmulatorConfig | None = None, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve until interrupted (Ctrl-C), logging like uvicorn but without an access log."""
    hide_dropped_connection_logs()
    state = EmulatorState(config or EmulatorConfig())
    uvicorn.Server(_uvicorn_config(state, host, port)).run()

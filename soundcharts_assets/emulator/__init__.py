"""A Soundcharts-compatible HTTP server with a deterministic synthetic catalogue and misbehaviour knobs.

Only the CLI's ``emulator``/``demo``/``dev`` commands and the tests import this package; production code
talks to it over HTTP like to the real API.

The names below load on first use: every ``soundcharts-assets`` command registers the ``emulator`` command,
whose options import this package, and the server (Starlette, the handlers) is only needed to serve.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from soundcharts_assets.emulator.app import build_app
    from soundcharts_assets.emulator.catalogue import Catalogue
    from soundcharts_assets.emulator.config import EmulatorConfig
    from soundcharts_assets.emulator.server import EmulatorServer, run_emulator

__all__ = ["Catalogue", "EmulatorConfig", "EmulatorServer", "build_app", "run_emulator"]

_HOMES = {
    "build_app": "app",
    "Catalogue": "catalogue",
    "EmulatorConfig": "config",
    "EmulatorServer": "server",
    "run_emulator": "server",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)

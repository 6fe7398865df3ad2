"""A Soundcharts-compatible HTTP server with a deterministic synthetic catalogue and misbehaviour knobs.

Only the CLI's ``emulator``/``demo``/``dev`` commands and the tests import this package; production code
talks to it over HTTP like to the real API.
"""

from soundcharts_assets.emulator.app import build_app
from soundcharts_assets.emulator.catalogue import Catalogue
from soundcharts_assets.emulator.config import EmulatorConfig
from soundcharts_assets.emulator.server import EmulatorServer, run_emulator

__all__ = ["Catalogue", "EmulatorConfig", "EmulatorServer", "build_app", "run_emulator"]

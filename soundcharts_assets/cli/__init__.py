"""The command line users type (``soundcharts-assets ...``) and its helpers: registry, launch, demo, export."""

from soundcharts_assets.cli.main import main

__all__ = ["main"]

"""``python -m soundcharts_assets.cli``: the same commands as ``soundcharts-assets``."""

from soundcharts_assets.cli.main import main

main()

"""``python -m soundcharts_assets.emulator --port 8765 --latency-ms 50 ...``"""

from soundcharts_assets.emulator.cli import main

if __name__ == "__main__":
    main()

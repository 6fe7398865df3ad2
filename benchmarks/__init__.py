"""On-demand measurements of the cascade against the emulator (never part of ``pytest``); see docs/benchmarks.md."""

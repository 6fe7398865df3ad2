"""Where the repository is, for tests and benchmarks that start its commands in subprocesses (``cwd=REPO_ROOT``)
or read its files: one answer, whatever folder depth the caller sits at."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

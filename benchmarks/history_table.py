"""Markdown tables of ``history_benchmark measure`` reports: each step on a week and on a year, and the ratio.

.venv/bin/python -m benchmarks.history_table REPORT.json [REPORT.json ...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _figure(step: dict[str, Any] | None) -> tuple[float | None, str]:
    if not step or "error" in step:
        return None, "-" if not step else "error"
    if "seconds" in step:
        return step["seconds"] * 1000, f"{step['seconds']:.2f} s"
    return step["median_ms"], f"{step['median_ms']:.0f} ms"


def table(reports: list[dict[str, Any]]) -> str:
    stores: dict[str, Any] = {}
    for report in reports:
        stores.update(report["stores"])
    kinds = sorted({name.split()[0] for name in stores})
    steps = list(dict.fromkeys(step for entry in stores.values() for step in entry["steps"]))
    header = ["step"]
    for kind in kinds:
        header += [f"{kind} week", f"{kind} year", "year/week", "peak MB"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for step in steps:
        row = [step]
        for kind in kinds:
            week = stores.get(f"{kind} 7d", {}).get("steps", {}).get(step)
            year = stores.get(f"{kind} 365d", {}).get("steps", {}).get(step)
            (w, w_text), (y, y_text) = _figure(week), _figure(year)
            ratio = f"{y / w:.1f}x" if w and y else "-"
            peak = max((s or {}).get("peak_mb", 0) for s in (week, year))
            row += [w_text, y_text, ratio, f"{peak:.0f}"]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table([json.loads(Path(name).read_text()) for name in sys.argv[1:]]))

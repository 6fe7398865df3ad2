"""Export one chart from the warehouse as files analysts open elsewhere (spreadsheets, notebooks, BI tools).

The files are exactly the pandas loaders' frames, so an export and a notebook never disagree. Parquet keeps
types (dates, timezones, integers with gaps); CSV is for spreadsheets. File names carry the slug, so several
charts can share a folder.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from soundcharts_assets.insight.reads import stored_chart
from soundcharts_assets.warehouse import Warehouse, loaders

FORMATS: tuple[str, ...] = ("csv", "parquet")
TABLES: dict[str, Callable[[Warehouse, str], pd.DataFrame]] = {
    "ranking": loaders.load_chart,
    "tracks": loaders.load_tracks,
    "artists": loaders.load_artists,
    "track_audience": loaders.load_track_audience,
    "artist_audience": loaders.load_artist_audience,
}


def export_chart(warehouse: Warehouse, slug: str, fmt: str, out_dir: Path) -> list[Path]:
    """Write ``<slug>_<table>.<fmt>`` for each of ``TABLES``; a one-line error for a chart not stored."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    stored_chart(warehouse, slug)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, load in TABLES.items():
        frame = load(warehouse, slug)
        path = out_dir / f"{slug}_{name}.{fmt}"
        if fmt == "csv":
            frame.to_csv(path, index=False)
        else:
            frame.to_parquet(path, index=False)
        written.append(path)
    return written

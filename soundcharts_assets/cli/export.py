"""Export one chart from the warehouse as files analysts open elsewhere (spreadsheets, notebooks, BI tools).

The files are exactly the pandas loaders' frames, so an export and a notebook never disagree. Parquet keeps
types (dates, timezones, integers with gaps); CSV is for spreadsheets. File names carry the slug, so several
charts can share a folder.

The whole-history tables are written chunk by chunk (``warehouse/exports.py``): a chart's year of audience
peaked at ~770 MB read whole; appended a chunk at a time the same file costs one chunk's memory.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from soundcharts_assets.insight.reads import stored_chart
from soundcharts_assets.warehouse import Warehouse, loaders
from soundcharts_assets.warehouse.exports import CHUNK_ROWS, PLANS, ChunkedTable, chunked_table

FORMATS: tuple[str, ...] = ("csv", "parquet")
TABLES: dict[str, Callable[[Warehouse, str], pd.DataFrame]] = {
    "ranking": loaders.load_chart,
    "tracks": loaders.load_tracks,
    "artists": loaders.load_artists,
    "track_audience": loaders.load_track_audience,
    "artist_audience": loaders.load_artist_audience,
}
"""What each file holds; all but ``ranking`` (one edition) are written in chunks of the same rows."""


def export_chart(warehouse: Warehouse, slug: str, fmt: str, out_dir: Path, rows: int = CHUNK_ROWS) -> list[Path]:
    """Write ``<slug>_<table>.<fmt>`` for each of ``TABLES``; a one-line error for a chart not stored."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    stored_chart(warehouse, slug)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, load in TABLES.items():
        path = out_dir / f"{slug}_{name}.{fmt}"
        if name in PLANS:
            warehouse.through_outages(functools.partial(_write_chunked, warehouse, name, slug, path, rows))
        else:
            _write_frame(load(warehouse, slug), path)
        written.append(path)
    return written


def _write_frame(frame: pd.DataFrame, path: Path) -> None:
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)


def _write_chunked(warehouse: Warehouse, name: str, slug: str, path: Path, rows: int) -> None:
    """Write the table afresh (a retry after an outage starts the file over)."""
    with chunked_table(warehouse, name, slug, rows) as table:
        if path.suffix == ".csv":
            _append_csv(table, path)
        else:
            _append_parquet(table, path)


def _append_csv(table: ChunkedTable, path: Path) -> None:
    """The header with the first chunk, then each chunk's rows: ``to_csv`` of the whole frame, byte for byte."""
    with path.open("w", encoding="utf-8", newline="") as out:
        for number, chunk in enumerate(table.chunks):
            chunk.to_csv(out, index=False, header=number == 0)


def _append_parquet(table: ChunkedTable, path: Path) -> None:
    """One row group per chunk, under a schema from the columns' SQL types (a first chunk can hold only NULLs
    of a column); read back, the frame equals the loader's."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {
        "text": pa.string(),
        "integer": pa.int64(),
        "float": pa.float64(),
        "boolean": pa.bool_(),
        "date": pa.date32(),
        "datetime": _utc_timestamp(),
        "null": pa.null(),
    }
    schema = pa.schema([(column, types[kind]) for column, kind in table.kinds.items()])
    with pq.ParquetWriter(path, schema) as writer:
        for chunk in table.chunks:
            writer.write_table(pa.Table.from_pandas(_nulls_as_none(chunk), schema=schema, preserve_index=False))


def _utc_timestamp() -> Any:
    """The Arrow type pandas gives a UTC datetime column (its unit changed between pandas 2 and 3)."""
    import pyarrow as pa

    probe = pd.DataFrame({"at": [datetime(2000, 1, 1, tzinfo=timezone.utc)]})
    return pa.Schema.from_pandas(probe, preserve_index=False).field("at").type


def _nulls_as_none(chunk: pd.DataFrame) -> pd.DataFrame:
    """Columns with no value in this chunk as None objects, which Arrow casts to any type (NaN it does not)."""
    empty = [column for column in chunk.columns if len(chunk) and chunk[column].isna().all()]
    if not empty:
        return chunk
    chunk = chunk.copy()
    for column in empty:
        chunk[column] = pd.Series([None] * len(chunk), index=chunk.index, dtype=object)
    return chunk

"""A chart's whole-history tables read a bounded number of rows at a time, for ``export`` (issue 22).

A chart's audience at a year is hundreds of thousands of rows: read whole, one export peaked at ~770 MB. Here
each table is streamed (a server-side cursor on PostgreSQL, SQLite's own lazy cursor) in frames of at most
``rows`` rows that carry the whole loader frame's columns and dtypes, so the frames written one after the
other give the same file as the loader's frame written at once.

What a chunk cannot tell by itself: pandas turns an integer column with a NULL anywhere into floats, and a
column with no value at all has no type. A count before the read says which, and every chunk follows it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from soundcharts_assets.warehouse import loaders
from soundcharts_assets.warehouse.schema import UtcDateTime
from soundcharts_assets.warehouse.warehouse import Warehouse

CHUNK_ROWS = 50_000
"""Rows per chunk: an export process peaks at 250-275 MB with it, whatever the history (docs/benchmarks.md)."""

KINDS = ("text", "integer", "float", "boolean", "date", "datetime", "null")
"""What a column holds, for writers that need a type before they see a value (Parquet's schema)."""


@dataclass(frozen=True)
class ChunkedTable:
    """One table's columns (name -> one of ``KINDS``, as the whole frame holds them) and its frames in order."""

    kinds: dict[str, str]
    chunks: Iterator[pd.DataFrame]


@dataclass(frozen=True)
class _Plan:
    stmt: sa.Select[Any]
    finish: Callable[[sa.Connection], Callable[[pd.DataFrame], pd.DataFrame]] | None = None
    extra_kinds: tuple[tuple[str, str], ...] = ()


def _tracks(slug: str) -> _Plan:
    stmt, songs = loaders.tracks_select(slug)

    def finish(conn: sa.Connection) -> Callable[[pd.DataFrame], pd.DataFrame]:
        names = loaders.artist_names(conn, songs)  # one entry per song ever ranked: bounded by the catalogue
        return lambda frame: loaders.with_artist_names(frame, names)

    return _Plan(stmt, finish, (("artists", "text"),))


def _ordered(select: tuple[sa.Select[Any], tuple[sa.ColumnElement[Any], ...]]) -> _Plan:
    stmt, order = select
    return _Plan(stmt.order_by(*order))


PLANS: dict[str, Callable[[str], _Plan]] = {
    "tracks": _tracks,
    "artists": lambda slug: _Plan(loaders.artists_select(slug)),
    "track_audience": lambda slug: _ordered(loaders.track_audience_select(slug)),
    "artist_audience": lambda slug: _ordered(loaders.artist_audience_select(slug)),
}
"""The tables read in chunks, each the statement of its loader (``load_tracks``, ``load_artists``...)."""


@contextmanager
def chunked_table(warehouse: Warehouse, name: str, slug: str, rows: int = CHUNK_ROWS) -> Iterator[ChunkedTable]:
    """``name``'s rows for ``slug`` (a key of ``PLANS``) as frames of at most ``rows`` rows, while open."""
    plan = PLANS[name](slug)
    with warehouse.connection() as conn:
        kinds = _kinds(conn, plan.stmt)
        kinds.update(plan.extra_kinds)
        floats = [column for column, kind in kinds.items() if kind == "float"]
        finish = plan.finish(conn) if plan.finish is not None else None
        streamed = conn.execution_options(stream_results=True, max_row_buffer=rows)
        frames = pd.read_sql(plan.stmt, streamed, chunksize=rows)
        yield ChunkedTable(kinds, _harmonized(frames, floats, finish))


def _harmonized(
    frames: Iterator[pd.DataFrame], floats: list[str], finish: Callable[[pd.DataFrame], pd.DataFrame] | None
) -> Iterator[pd.DataFrame]:
    for frame in frames:
        for column in floats:
            if frame[column].notna().any():  # an all-NULL chunk stays None objects, written as the floats' NaN
                frame[column] = frame[column].astype("float64")
        yield finish(frame) if finish is not None else frame


def _kinds(conn: sa.Connection, stmt: sa.Select[Any]) -> dict[str, str]:
    """Each column's kind in the whole frame: ``null`` when it holds no value at all, ``float`` for an integer
    column with some NULLs (as pandas reads them), else its SQL type's. One pass over the rows, unsorted."""
    rows = stmt.order_by(None).subquery()
    names = [column.name for column in stmt.selected_columns]
    total, *present = conn.execute(
        sa.select(sa.func.count(), *(sa.func.count(rows.c[name]) for name in names)).select_from(rows)
    ).one()
    kinds = {}
    for column, values in zip(stmt.selected_columns, present, strict=True):
        kind = _kind(column.type)
        if total and not values:
            kind = "null"
        elif kind == "integer" and values < total:
            kind = "float"
        kinds[column.name] = kind
    return kinds


def _kind(sql_type: sa.types.TypeEngine[Any]) -> str:
    if isinstance(sql_type, UtcDateTime | sa.DateTime):
        return "datetime"
    if isinstance(sql_type, sa.Date):
        return "date"
    if isinstance(sql_type, sa.Boolean):
        return "boolean"
    if isinstance(sql_type, sa.Integer):
        return "integer"
    if isinstance(sql_type, sa.Float | sa.Numeric):
        return "float"
    return "text"

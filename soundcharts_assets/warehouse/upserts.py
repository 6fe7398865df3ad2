"""The one place that builds upsert SQL (``INSERT ... ON CONFLICT``) for SQLite and Postgres.

Both dialects share the syntax but SQLAlchemy exposes it through dialect-specific ``insert`` constructs,
so the dialect is picked here from the connection. Rows are:

* de-duplicated on the conflict key (last one wins): Postgres refuses to touch the same row twice in one
  statement ("ON CONFLICT DO UPDATE command cannot affect row a second time");
* sorted by the key, so concurrent writers lock overlapping rows in the same order and cannot deadlock
  on each other within a table;
* sent as one cached single-row statement with many parameter sets (``executemany``), so the SQL is compiled
  once per shape, not once per call, and no bound-parameter limit applies; on Postgres SQLAlchemy folds the
  parameter sets into multi-row statements (``insertmanyvalues``), one round trip per 1,000 rows.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import CodeType
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

T = TypeVar("T")

IN_CHUNK = 500
"""Values per ``IN (...)`` clause; reads and deletes over thousands of uuids are split into chunks."""


Row = Mapping[str, Any]


def chunks(items: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most ``size`` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def unique(items: Iterable[T]) -> list[T]:
    """Items without repeats in first-seen order (callers pass uuids straight from rankings)."""
    return list(dict.fromkeys(items))


def _insert(name: str, table: sa.Table) -> Any:
    if name == "sqlite":
        return sqlite.insert(table)
    if name == "postgresql":
        return postgresql.insert(table)
    raise NotImplementedError(f"no upsert for dialect {name!r}")


def _key_columns(table: sa.Table) -> list[str]:
    return [column.name for column in table.primary_key.columns]


# Long on purpose: mostly its docstring; one entry point for both dialects and every conflict rule.
def upsert(
    conn: sa.Connection,
    table: sa.Table,
    rows: Iterable[Row],
    *,
    update: Sequence[str] | None = None,
    keep_existing_when_null: Collection[str] = (),
    only_if: Callable[[sa.Table], sa.ColumnElement[bool]] | None = None,
    do_nothing: bool = False,
) -> int:
    """Insert ``rows`` into ``table``, updating rows whose primary key already exists; returns rows sent.

    ``update`` names the columns a conflict overwrites (default: every non-key column given);
    ``keep_existing_when_null`` lists columns where a NULL in the new row keeps the stored value;
    ``only_if`` restricts the update to stored rows matching a condition (others stay untouched; a function
    of the table alone, without captured variables, since its statement is built once per shape);
    ``do_nothing`` ignores conflicts entirely.
    """
    keys = _key_columns(table)
    deduped: dict[tuple[Any, ...], Row] = {}
    for row in rows:
        deduped[tuple(row[k] for k in keys)] = row
    if not deduped:
        return 0
    ordered = [deduped[k] for k in sorted(deduped)]
    columns = tuple(ordered[0])
    update_columns = tuple(c for c in columns if c not in keys) if update is None else tuple(update)
    if only_if is not None and only_if.__closure__:
        # one that captures variables could build a different statement per call: its statement is built once
        raise ValueError("upsert(only_if=...) must not capture variables: its statement is built once")
    shape = _Shape(
        conn.dialect.name,
        table,
        tuple(keys),
        update_columns,
        frozenset(keep_existing_when_null),
        do_nothing,
        only_if.__code__ if only_if is not None else None,
        only_if,
    )
    # One single-row statement executed for many parameter sets: SQLAlchemy compiles it once and caches it,
    # and the rows are batched (sqlite3's executemany loop in process; on Postgres "insertmanyvalues", one
    # multi-row statement per 1,000 rows). Building a multi-row VALUES clause ourselves costs ~15 ms of CPU
    # per 90-point series, recompiled on every call, which capped an audience step at ~70 series/s on the GIL.
    conn.execute(_statement(shape), [{c: row[c] for c in columns} for row in ordered]).close()
    return len(ordered)


@dataclass(frozen=True)
class _Shape:
    """What an upsert statement depends on (not the rows): the key of the statements built once and reused.

    A lambda written at a call site is a new function object per call with the same code, so ``only_if`` is
    compared by its code (``only_if_code``) and the function is only carried along to build the statement."""

    dialect: str
    table: sa.Table
    keys: tuple[str, ...]
    update_columns: tuple[str, ...]
    keep_existing_when_null: frozenset[str]
    do_nothing: bool
    only_if_code: CodeType | None
    only_if: Callable[[sa.Table], sa.ColumnElement[bool]] | None = field(compare=False)


@functools.lru_cache(maxsize=256)
def _statement(shape: _Shape) -> Any:
    """The ``INSERT ... ON CONFLICT`` of one shape, built once per process and reused: building it (clause
    coercions, its cache key) cost more CPU than executing it for a 90-point series, on every series written.
    SQLAlchemy statements are immutable once built, so threads share them."""
    table = shape.table
    stmt = _insert(shape.dialect, table)
    if shape.do_nothing or not shape.update_columns:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(shape.keys))
    else:
        excluded = stmt.excluded
        values = {
            c: sa.func.coalesce(excluded[c], table.c[c]) if c in shape.keep_existing_when_null else excluded[c]
            for c in shape.update_columns
        }
        stmt = stmt.on_conflict_do_update(
            index_elements=list(shape.keys),
            set_=values,
            where=shape.only_if(table) if shape.only_if is not None else None,
        )
    if shape.dialect == "postgresql":
        # SQLAlchemy 2.1 batches an ON CONFLICT statement only when it has RETURNING (sqlalchemy#13130);
        # without it psycopg2's executemany sends one statement, one round trip, per row.
        stmt = stmt.returning(sa.literal_column("1"))
    return stmt

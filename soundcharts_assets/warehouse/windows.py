"""Windowed reads: a date bound the database answers through an index, so a year of history costs what a
week does.

SQLite's planner, without statistics, prefers an index that also gives a query's ORDER BY (the primary key of
an audience table) and then walks every stored day of each song to keep the recent ones. ``likelihood(X, p)``
says a term is rarely true; SQLite then seeks the (uuid, date) index (alembic 0009) instead. It changes no
result: the term is evaluated as written. PostgreSQL keeps statistics and needs no hint.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

SELECTIVE = "0.05"
"""The share of rows the planner is told a window keeps; a literal, as SQLite requires."""


def on_or_after(conn: sa.Connection, column: sa.ColumnElement[Any], since: date) -> sa.ColumnElement[bool]:
    """``column >= since``, marked selective for SQLite's planner."""
    bound = column >= since
    if conn.dialect.name != "sqlite":
        return bound
    # No boolean type on the function: SQLAlchemy would compare it with 1, and the planner ignores that term.
    hinted: sa.ColumnElement[bool] = sa.func.likelihood(bound, sa.literal_column(SELECTIVE))
    return hinted


def days_before(conn: sa.Connection, column: sa.ColumnElement[Any], days: int) -> sa.ColumnElement[Any]:
    """The date ``days`` before a date column's value, in SQL: SQLite keeps dates as ISO text."""
    if conn.dialect.name == "sqlite":
        return sa.func.date(column, f"-{int(days)} days")
    return column - int(days)

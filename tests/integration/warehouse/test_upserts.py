"""`warehouse/upserts.py` on real SQLite and PostgreSQL: one statement per shape, built once and reused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from soundcharts_assets.warehouse import upserts
from soundcharts_assets.warehouse.upserts import upsert

METADATA = sa.MetaData()
ITEMS = sa.Table(
    "upsert_items",
    METADATA,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("name", sa.String),
    sa.Column("score", sa.Integer),
    sa.Column("locked", sa.Boolean),
)


@pytest.fixture
def engine(warehouse_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(warehouse_url)
    METADATA.create_all(engine)
    yield engine
    engine.dispose()


def stored(engine: sa.Engine) -> dict[str, tuple]:
    with engine.connect() as conn:
        return {row.id: (row.name, row.score) for row in conn.execute(sa.select(ITEMS))}


def test_one_shape_is_built_once_and_each_shape_keeps_its_own_conflict_rule(engine: sa.Engine) -> None:
    upserts._statement.cache_clear()
    with engine.begin() as conn:
        upsert(conn, ITEMS, [{"id": "a", "name": "A", "score": 1, "locked": False}])
        upsert(conn, ITEMS, [{"id": "b", "name": "B", "score": 2, "locked": True}])
        assert upserts._statement.cache_info().misses == 1 and upserts._statement.cache_info().hits == 1

        # Another shape on the same table: only `score` is updated, a NULL name keeps the stored one.
        upsert(conn, ITEMS, [{"id": "a", "name": None, "score": 10, "locked": False}], update=("score",))
        upsert(conn, ITEMS, [{"id": "b", "name": None, "score": 20}], keep_existing_when_null=("name",))
        # A condition written as a lambda at the call site is the same shape on every call.
        for score in (30, 31):
            upsert(
                conn,
                ITEMS,
                [{"id": "a", "name": "A2", "score": score}, {"id": "b", "name": "B2", "score": score}],
                only_if=lambda table: table.c.locked.is_(True),
            )
    assert upserts._statement.cache_info().misses == 4
    assert stored(engine) == {"a": ("A", 10), "b": ("B2", 31)}


def test_a_condition_that_captures_a_variable_is_refused(engine: sa.Engine) -> None:
    threshold = 5
    with engine.begin() as conn, pytest.raises(ValueError, match="must not capture variables"):
        upsert(conn, ITEMS, [{"id": "a", "score": 1}], only_if=lambda table: table.c.score > threshold)
    assert stored(engine) == {}

"""Alembic environment: runs on the connection the Warehouse hands over, never opens its own.

``Warehouse.migrate()`` builds the alembic ``Config`` in code and puts its open connection (already inside
a transaction, and on Postgres already holding the migration lock) in ``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context

from soundcharts_assets.warehouse.schema import VERSION_TABLE, metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()

"""Crawl-aware refresh: each series fetch remembers the API's last crawl and the cadence seen in the series.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (both dialects have it): a batch copy on SQLite could drop 0004's CHECK constraints.
    op.add_column("audience_fetches", sa.Column("last_crawl_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("audience_fetches", sa.Column("cadence_hours", sa.Float, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audience_fetches") as batch:
        batch.drop_column("cadence_hours")
        batch.drop_column("last_crawl_at")

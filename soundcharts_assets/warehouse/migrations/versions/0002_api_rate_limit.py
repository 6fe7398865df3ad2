"""The shared API rate limit: one token bucket row per limited API, seen by every process.

Revision ID: 0002
Revises: 0001

Runs are separate processes, so a limiter in memory would let each of them spend the whole rate; the
bucket lives in the warehouse database because every step already holds a connection to it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_rate_limit",
        sa.Column("name", sa.String, primary_key=True),
        sa.Column("tokens", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("api_rate_limit")

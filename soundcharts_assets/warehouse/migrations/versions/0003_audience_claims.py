"""Leases on audience series, so overlapping runs never fetch (and pay for) the same series twice.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audience_claims",
        sa.Column("entity", sa.String, primary_key=True),
        sa.Column("entity_uuid", sa.String, primary_key=True),
        sa.Column("platform", sa.String, primary_key=True),
        sa.Column("claimed_by", sa.String, nullable=False),
        sa.Column("claimed_until", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("audience_claims")

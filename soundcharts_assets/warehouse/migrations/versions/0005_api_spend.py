"""The API spend ledger: calls per UTC hour, chart and step, for `status` and the monthly budget.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_spend",
        sa.Column("hour", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("chart_slug", sa.String, primary_key=True),
        sa.Column("step", sa.String, primary_key=True),
        sa.Column("calls", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("api_spend")

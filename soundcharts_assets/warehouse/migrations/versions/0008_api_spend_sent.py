"""The spend ledger also counts calls sent: every request a step made, beside the billed ones (2xx).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (both dialects have it). Rows written before counted billed calls only: their sent
    # calls are at least those.
    op.add_column("api_spend", sa.Column("calls_sent", sa.Integer, nullable=False, server_default="0"))
    op.execute("UPDATE api_spend SET calls_sent = calls")


def downgrade() -> None:
    with op.batch_alter_table("api_spend") as batch:
        batch.drop_column("calls_sent")

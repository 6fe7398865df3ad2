"""Watchlists, the events computed from stored data, and the ledger of their delivery per channel (issue 23).

Revision ID: 0007
Revises: 0006

The CHECK values are written out by hand, as in 0004, so this revision stays what it was if the vocabulary
grows. New tables, so both dialects create their constraints with them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "watchlists",
        sa.Column("watchlist", sa.String, primary_key=True),
        sa.Column("kind", sa.String, primary_key=True),
        sa.Column("target", sa.String, primary_key=True),
        sa.Column("display_name", sa.String),
        sa.Column("added_at", WHEN, nullable=False),
        sa.CheckConstraint("kind IN ('artist', 'label', 'chart')", name="ck_watchlists_kind"),
    )
    op.create_table(
        "alert_events",
        sa.Column("event_key", sa.String, primary_key=True),
        sa.Column("watchlist", sa.String, nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("chart_slug", sa.String),
        sa.Column("subject_uuid", sa.String),
        sa.Column("event_date", sa.Date, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("figures", sa.Text, nullable=False),
        sa.Column("detected_at", WHEN, nullable=False),
    )
    op.create_index("ix_alert_events_detected_at", "alert_events", ["detected_at"])
    op.create_table(
        "alert_deliveries",
        sa.Column("event_key", sa.String, primary_key=True),
        sa.Column("channel", sa.String, primary_key=True),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", WHEN, nullable=False),
        sa.Column("digest_id", sa.String),
        sa.Column("claimed_until", WHEN),
        sa.Column("last_error", sa.String),
        sa.Column("sent_at", WHEN),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.CheckConstraint("channel IN ('slack', 'email', 'webhook')", name="ck_alert_deliveries_channel"),
        sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="ck_alert_deliveries_status"),
    )
    op.create_index("ix_alert_deliveries_channel_status", "alert_deliveries", ["channel", "status"])


def downgrade() -> None:
    op.drop_table("alert_deliveries")
    op.drop_table("alert_events")
    op.drop_table("watchlists")

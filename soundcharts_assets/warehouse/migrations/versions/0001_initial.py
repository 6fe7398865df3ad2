"""Initial warehouse: chart registry, rankings, tracks, artists, audience and fetch bookkeeping.

Revision ID: 0001
Revises:

Written out by hand rather than imported from ``schema.py`` so that this revision stays what it was when
later revisions change the schema.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


# Long on purpose: a migration is frozen history, the first schema as it shipped.
def upgrade() -> None:
    op.create_table(
        "charts",
        sa.Column("slug", sa.String, primary_key=True),
        sa.Column("name", sa.String),
        sa.Column("platform", sa.String),
        sa.Column("frequency", sa.String),
        sa.Column("country_code", sa.String),
        sa.Column("sync_schedule", sa.String, nullable=False, server_default="none"),
        sa.Column("chart_type", sa.String),
        sa.Column("max_results", sa.Integer),
        sa.Column("metric_type", sa.String),
        sa.Column("web_url", sa.String),
        sa.Column("registered_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.CheckConstraint("sync_schedule IN ('daily', 'weekly', 'none')", name="ck_charts_sync_schedule"),
    )
    op.create_table(
        "chart_rankings",
        sa.Column("chart_slug", sa.String, primary_key=True),
        sa.Column("ranking_date", UTC_DATETIME, primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("song_uuid", sa.String, nullable=False),
        sa.Column("song_name", sa.String),
        sa.Column("song_credit_name", sa.String),
        sa.Column("old_position", sa.Integer),
        sa.Column("position_evolution", sa.Integer),
        sa.Column("time_on_chart", sa.Integer),
        sa.Column("time_on_chart_unit", sa.String),
        sa.Column("entry_date", UTC_DATETIME),
        sa.Column("entry_state", sa.String),
        sa.Column("metric", sa.Float),
        sa.Column("fetched_at", UTC_DATETIME, nullable=False),
    )
    op.create_index("ix_chart_rankings_song_uuid", "chart_rankings", ["song_uuid"])
    op.create_table(
        "tracks",
        sa.Column("song_uuid", sa.String, primary_key=True),
        sa.Column("name", sa.String),
        sa.Column("credit_name", sa.String),
        sa.Column("isrc", sa.String),
        sa.Column("release_date", sa.Date),
        sa.Column("duration", sa.Integer),
        sa.Column("explicit", sa.Boolean),
        sa.Column("genres", sa.Text),
        sa.Column("labels", sa.Text),
        sa.Column("credited_artists", sa.Text),
        sa.Column("composers", sa.Text),
        sa.Column("producers", sa.Text),
        sa.Column("language_code", sa.String),
        sa.Column("image_url", sa.String),
        sa.Column("fetched_at", UTC_DATETIME, nullable=False),
        sa.Column("status", sa.String, nullable=False),
    )
    op.create_index("ix_tracks_isrc", "tracks", ["isrc"])
    op.create_table(
        "track_artists",
        sa.Column("song_uuid", sa.String, primary_key=True),
        sa.Column("artist_uuid", sa.String, primary_key=True),
        sa.Column("position", sa.Integer),
    )
    op.create_index("ix_track_artists_artist_uuid", "track_artists", ["artist_uuid"])
    op.create_table(
        "artists",
        sa.Column("artist_uuid", sa.String, primary_key=True),
        sa.Column("slug", sa.String),
        sa.Column("name", sa.String),
        sa.Column("country_code", sa.String),
        sa.Column("genres", sa.Text),
        sa.Column("type", sa.String),
        sa.Column("gender", sa.String),
        sa.Column("career_stage", sa.String),
        sa.Column("birth_date", sa.Date),
        sa.Column("city_name", sa.String),
        sa.Column("image_url", sa.String),
        sa.Column("fetched_at", UTC_DATETIME),
        sa.Column("status", sa.String, nullable=False),
    )
    op.create_table(
        "track_audience",
        sa.Column("song_uuid", sa.String, primary_key=True),
        sa.Column("platform", sa.String, primary_key=True),
        sa.Column("date", sa.Date, primary_key=True),
        sa.Column("identifier", sa.String, primary_key=True),
        sa.Column("value", sa.BigInteger),
        sa.Column("fetched_at", UTC_DATETIME, nullable=False),
    )
    op.create_table(
        "artist_audience",
        sa.Column("artist_uuid", sa.String, primary_key=True),
        sa.Column("platform", sa.String, primary_key=True),
        sa.Column("metric", sa.String, primary_key=True),
        sa.Column("date", sa.Date, primary_key=True),
        sa.Column("value", sa.BigInteger),
        sa.Column("fetched_at", UTC_DATETIME, nullable=False),
    )
    op.create_table(
        "audience_fetches",
        sa.Column("entity", sa.String, primary_key=True),
        sa.Column("entity_uuid", sa.String, primary_key=True),
        sa.Column("platform", sa.String, primary_key=True),
        sa.Column("fetched_at", UTC_DATETIME, nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("points", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "radios",
        sa.Column("slug", sa.String, primary_key=True),
        sa.Column("name", sa.String),
        sa.Column("country_code", sa.String),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "radios",
        "audience_fetches",
        "artist_audience",
        "track_audience",
        "artists",
        "track_artists",
        "tracks",
        "chart_rankings",
        "charts",
    ):
        op.drop_table(table)

"""Indexes for windowed reads, so a read costs the same on a year of history as on a week (issue 22).

Revision ID: 0009
Revises: 0008

- ``ix_track_audience_song_date`` (song_uuid, date) and ``ix_artist_audience_artist_date`` (artist_uuid, date):
  insight reads the last 60 days of an edition's songs and artists; the primary keys put platform (and metric)
  before the date, so without these a read walks every stored day of each song and keeps the recent ones.
- ``ix_chart_rankings_song_chart`` (song_uuid, chart_slug, ranking_date): a song's first edition on a chart
  (movers tell a re-entry from a new entry) is one index seek per song instead of a pass over the history.
  Song first, so it never competes with the primary key for an edition's rows (chart_slug, ranking_date).

SQLite's planner prefers the primary key when it also gives the ORDER BY, even if it then walks a year of
rows; the reads mark their date bound as selective (``warehouse/windows.py``) so it takes these instead.
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_track_audience_song_date", "track_audience", ["song_uuid", "date"])
    op.create_index("ix_artist_audience_artist_date", "artist_audience", ["artist_uuid", "date"])
    op.create_index("ix_chart_rankings_song_chart", "chart_rankings", ["song_uuid", "chart_slug", "ranking_date"])


def downgrade() -> None:
    op.drop_index("ix_chart_rankings_song_chart", "chart_rankings")
    op.drop_index("ix_artist_audience_artist_date", "artist_audience")
    op.drop_index("ix_track_audience_song_date", "track_audience")

"""The warehouse tables as SQLAlchemy Core objects.

Table and key column names are a contract with analysts and with the migrations in ``migrations/versions``;
``tests/integration/warehouse/test_warehouse.py`` checks that a migrated database matches these objects exactly.

There are no foreign keys on purpose: rows arrive from independent assets in any order (a ranking before its
tracks, audience before metadata), and ranking history must outlive a chart's removal from the registry.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from soundcharts_assets.vocabulary import (
    ALERT_CHANNELS,
    DELIVERY_STATUSES,
    ENTITY_KINDS,
    FETCH_STATUSES,
    SYNC_SCHEDULES,
    WATCH_KINDS,
)

ARTIST_STUB = "stub"
"""``artists.status`` of an artist known only from a track's credits (never fetched)."""
ARTIST_STATUSES = (*FETCH_STATUSES, ARTIST_STUB)

VERSION_TABLE = "soundcharts_alembic_version"
"""Alembic's bookkeeping table. Not the default ``alembic_version``: the warehouse may share a Postgres
database with Dagster's run storage, which keeps its own alembic history under that name."""


class UtcDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware datetime, stored as UTC and always read back aware.

    SQLite has no timezone type and would drop the offset silently, so values are normalised to naive UTC
    there; Postgres keeps ``timestamptz``. Naive inputs are taken to be UTC already.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


metadata = sa.MetaData()


def _text(name: str, **kw: Any) -> sa.Column[Any]:
    return sa.Column(name, sa.String, **kw)


def one_of(table: str, column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    """``column IN (values)``, named ``ck_<table>_<column>``: the database refuses a word outside the vocabulary.

    Migration 0004 writes them out by hand; ``tests/integration/warehouse/test_migrations.py`` checks a migrated
    database has each.
    """
    allowed = ", ".join(f"'{value}'" for value in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=f"ck_{table}_{column}")


charts = sa.Table(
    "charts",
    metadata,
    sa.Column("slug", sa.String, primary_key=True),
    _text("name"),
    _text("platform"),
    _text("frequency"),
    _text("country_code"),
    sa.Column("sync_schedule", sa.String, nullable=False, server_default="none"),
    _text("chart_type"),
    sa.Column("max_results", sa.Integer),
    _text("metric_type"),
    _text("web_url"),
    sa.Column("registered_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    one_of("charts", "sync_schedule", SYNC_SCHEDULES),
)

chart_rankings = sa.Table(
    "chart_rankings",
    metadata,
    sa.Column("chart_slug", sa.String, primary_key=True),
    sa.Column("ranking_date", UtcDateTime, primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("song_uuid", sa.String, nullable=False),
    # The song's name as the ranking gave it: readable even before track metadata is fetched.
    _text("song_name"),
    _text("song_credit_name"),
    sa.Column("old_position", sa.Integer),
    sa.Column("position_evolution", sa.Integer),
    sa.Column("time_on_chart", sa.Integer),
    _text("time_on_chart_unit"),
    sa.Column("entry_date", UtcDateTime),
    _text("entry_state"),
    sa.Column("metric", sa.Float),
    sa.Column("fetched_at", UtcDateTime, nullable=False),
    sa.Index("ix_chart_rankings_song_uuid", "song_uuid"),
    # A song's first edition on a chart, one seek per song (alembic 0009).
    sa.Index("ix_chart_rankings_song_chart", "song_uuid", "chart_slug", "ranking_date"),
)

tracks = sa.Table(
    "tracks",
    metadata,
    sa.Column("song_uuid", sa.String, primary_key=True),
    _text("name"),
    _text("credit_name"),
    _text("isrc"),
    sa.Column("release_date", sa.Date),
    sa.Column("duration", sa.Integer),
    sa.Column("explicit", sa.Boolean),
    sa.Column("genres", sa.Text),  # JSON: [{"root": ..., "sub": [...]}]
    sa.Column("labels", sa.Text),  # JSON: [{"name": ..., "type": ...}]
    sa.Column("credited_artists", sa.Text),  # JSON: [{"uuid": ..., "slug": ..., "name": ...}]
    sa.Column("composers", sa.Text),  # JSON: [name, ...]
    sa.Column("producers", sa.Text),  # JSON: [name, ...]
    _text("language_code"),
    _text("image_url"),
    sa.Column("fetched_at", UtcDateTime, nullable=False),
    sa.Column("status", sa.String, nullable=False),
    sa.Index("ix_tracks_isrc", "isrc"),
    one_of("tracks", "status", FETCH_STATUSES),
)

track_artists = sa.Table(
    "track_artists",
    metadata,
    sa.Column("song_uuid", sa.String, primary_key=True),
    sa.Column("artist_uuid", sa.String, primary_key=True),
    sa.Column("position", sa.Integer),  # credit order on the song, 0 = main artist
    sa.Index("ix_track_artists_artist_uuid", "artist_uuid"),
)

artists = sa.Table(
    "artists",
    metadata,
    sa.Column("artist_uuid", sa.String, primary_key=True),
    _text("slug"),
    _text("name"),
    _text("country_code"),
    sa.Column("genres", sa.Text),  # JSON, as tracks.genres
    _text("type"),
    _text("gender"),
    _text("career_stage"),
    sa.Column("birth_date", sa.Date),
    _text("city_name"),
    _text("image_url"),
    sa.Column("fetched_at", UtcDateTime),  # NULL: a stub known from a track credit, never fetched
    sa.Column("status", sa.String, nullable=False),
    one_of("artists", "status", ARTIST_STATUSES),
)

track_audience = sa.Table(
    "track_audience",
    metadata,
    sa.Column("song_uuid", sa.String, primary_key=True),
    sa.Column("platform", sa.String, primary_key=True),  # spotify | youtube | shazam | airplay
    sa.Column("date", sa.Date, primary_key=True),
    sa.Column("identifier", sa.String, primary_key=True),  # platform id of the song, or radio slug
    sa.Column("value", sa.BigInteger),
    sa.Column("fetched_at", UtcDateTime, nullable=False),
    # Windowed reads (the last 60 days of a song, every platform) through an index (alembic 0009).
    sa.Index("ix_track_audience_song_date", "song_uuid", "date"),
)

artist_audience = sa.Table(
    "artist_audience",
    metadata,
    sa.Column("artist_uuid", sa.String, primary_key=True),
    sa.Column("platform", sa.String, primary_key=True),
    sa.Column("metric", sa.String, primary_key=True),  # followers | monthly_listeners | likes | views ...
    sa.Column("date", sa.Date, primary_key=True),
    sa.Column("value", sa.BigInteger),
    sa.Column("fetched_at", UtcDateTime, nullable=False),
    sa.Index("ix_artist_audience_artist_date", "artist_uuid", "date"),
)

audience_fetches = sa.Table(
    "audience_fetches",
    metadata,
    sa.Column("entity", sa.String, primary_key=True),
    sa.Column("entity_uuid", sa.String, primary_key=True),
    sa.Column("platform", sa.String, primary_key=True),
    sa.Column("fetched_at", UtcDateTime, nullable=False),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("points", sa.Integer, nullable=False, server_default="0"),
    # The API's ``related.lastCrawlDate`` and the median gap between stored points (alembic 0006): when the
    # series can next have new data (``due.py``). NULL when unknown: the plain freshness window applies.
    sa.Column("last_crawl_at", UtcDateTime, nullable=True),
    sa.Column("cadence_hours", sa.Float, nullable=True),
    one_of("audience_fetches", "entity", ENTITY_KINDS),
    one_of("audience_fetches", "status", FETCH_STATUSES),
)

radios = sa.Table(
    "radios",
    metadata,
    sa.Column("slug", sa.String, primary_key=True),  # track_audience.identifier where platform = 'airplay'
    _text("name"),
    _text("country_code"),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

api_rate_limit = sa.Table(
    "api_rate_limit",
    metadata,
    # One token bucket per limited API, shared by every process that calls it (``rate_limit.py``).
    sa.Column("name", sa.String, primary_key=True),
    sa.Column("tokens", sa.Float, nullable=False),  # negative while callers wait for reserved tokens
    sa.Column("updated_at", sa.Float, nullable=False),  # epoch seconds of the last refill
)

DATA_TABLES: tuple[sa.Table, ...] = (
    charts,
    chart_rankings,
    tracks,
    track_artists,
    artists,
    track_audience,
    artist_audience,
    audience_fetches,
    radios,
)

audience_claims = sa.Table(
    "audience_claims",
    metadata,
    # A short lease on an audience series, or on a song's or artist's metadata (platform 'metadata'), that a
    # run is about to fetch, so two runs on overlapping charts never pay twice for the same thing: the other
    # run waits until it is stored or the lease lapses.
    sa.Column("entity", sa.String, primary_key=True),
    sa.Column("entity_uuid", sa.String, primary_key=True),
    sa.Column("platform", sa.String, primary_key=True),
    sa.Column("claimed_by", sa.String, nullable=False),  # the run that holds it (its root run id)
    sa.Column("claimed_until", sa.Float, nullable=False),  # epoch seconds
    one_of("audience_claims", "entity", ENTITY_KINDS),
)

api_spend = sa.Table(
    "api_spend",
    metadata,
    # What the project spent of the API quota, per UTC hour, chart and step (calls billed, and the calls sent
    # beside them): `status` shows the last 24 h and 30 days per chart, and the monthly budget sums a calendar
    # month, each in one query. A step adds its calls once it has them; calls that failed before a step could
    # record them are in the run's logs only.
    sa.Column("hour", UtcDateTime, primary_key=True),  # the start of the UTC hour
    sa.Column("chart_slug", sa.String, primary_key=True),  # '*' for calls no chart owns (the editions sensor)
    sa.Column("step", sa.String, primary_key=True),
    sa.Column("calls", sa.Integer, nullable=False),  # calls billed (2xx answers): what the quota is charged
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("calls_sent", sa.Integer, nullable=False, server_default="0"),  # every request, retries included
)

watchlists = sa.Table(
    "watchlists",
    metadata,
    # What a user watches (issue 23, alembic 0007): an artist by uuid or slug (a slug not stored yet is matched
    # from the day it appears), a label by name (matched case-insensitively against tracks.labels), a chart.
    sa.Column("watchlist", sa.String, primary_key=True),
    sa.Column("kind", sa.String, primary_key=True),
    sa.Column("target", sa.String, primary_key=True),
    _text("display_name"),
    sa.Column("added_at", UtcDateTime, nullable=False),
    one_of("watchlists", "kind", WATCH_KINDS),
)

alert_events = sa.Table(
    "alert_events",
    metadata,
    # Every event computed from stored data, once: the key is its identity (watchlist, kind, subject, chart,
    # date), so a retried or repeated run finds it already here and adds nothing.
    sa.Column("event_key", sa.String, primary_key=True),
    sa.Column("watchlist", sa.String, nullable=False),  # '*' for events about followed charts (staleness)
    sa.Column("kind", sa.String, nullable=False),
    _text("chart_slug"),
    _text("subject_uuid"),
    sa.Column("event_date", sa.Date, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("figures", sa.Text, nullable=False),  # JSON: positions, dates, value, baseline, threshold
    sa.Column("detected_at", UtcDateTime, nullable=False),
    sa.Index("ix_alert_events_detected_at", "detected_at"),
)

alert_deliveries = sa.Table(
    "alert_deliveries",
    metadata,
    # The delivery ledger: one row per event and channel. A digest claims its rows (``sending``, a lease and a
    # digest id) before it is sent and marks them ``sent`` after; a failure is retried with backoff.
    sa.Column("event_key", sa.String, primary_key=True),
    sa.Column("channel", sa.String, primary_key=True),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    _text("digest_id"),
    sa.Column("claimed_until", UtcDateTime),
    _text("last_error"),
    sa.Column("sent_at", UtcDateTime),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Index("ix_alert_deliveries_channel_status", "channel", "status"),
    one_of("alert_deliveries", "channel", ALERT_CHANNELS),
    one_of("alert_deliveries", "status", DELIVERY_STATUSES),
)

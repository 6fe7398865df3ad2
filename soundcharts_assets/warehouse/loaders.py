"""pandas loaders for analysts: a chart, its history, its tracks, artists and audience as DataFrames.

Each takes a ``Warehouse`` or a URL (a notebook rarely has a Warehouse at hand). The SQL is built with
Core selects here so notebooks hold none. Artist names are aggregated in pandas rather than in SQL
because ordered string aggregation needs SQLite 3.44, newer than many systems ship.

Longer than 300 lines on purpose: every DataFrame an analyst or an insight asset reads is built here, so the
columns and joins a notebook sees are defined once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, TypeVar

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import URL

from soundcharts_assets.warehouse.charts import latest_ranking_date, ranking_dates
from soundcharts_assets.warehouse.schema import (
    artist_audience,
    artists,
    chart_rankings,
    track_artists,
    track_audience,
    tracks,
)
from soundcharts_assets.warehouse.upserts import chunks
from soundcharts_assets.warehouse.warehouse import Warehouse
from soundcharts_assets.warehouse.windows import days_before, on_or_after

WarehouseSource = Warehouse | str | URL

_r, _t, _ta, _a = chart_rankings.c, tracks.c, track_artists.c, artists.c
T = TypeVar("T")


def _retried_through_outages(load: Callable[..., T]) -> Callable[..., T]:
    """A loader is one read transaction: run it again, whole, while the server is briefly gone."""

    @functools.wraps(load)
    def run(source: WarehouseSource, *args: Any, **kwargs: Any) -> T:
        if isinstance(source, Warehouse):
            return source.through_outages(lambda: load(source, *args, **kwargs))
        with Warehouse(source) as warehouse:
            return warehouse.through_outages(lambda: load(warehouse, *args, **kwargs))

    return run


_RANKING_COLUMNS = (
    _r.chart_slug,
    _r.ranking_date,
    _r.position,
    _r.old_position,
    _r.position_evolution,
    _r.time_on_chart,
    _r.time_on_chart_unit,
    _r.entry_date,
    _r.entry_state,
    _r.metric,
    _r.song_uuid,
    sa.func.coalesce(_t.name, _r.song_name).label("name"),
    sa.func.coalesce(_t.credit_name, _r.song_credit_name).label("credit_name"),
    _t.isrc,
    _t.release_date,
    _t.duration,
    _t.explicit,
    _t.language_code,
    _t.genres,
    _t.labels,
    _t.image_url,
)
_RANKING_NAMES = tuple(column.name for column in _RANKING_COLUMNS)
_RANKING_INTEGERS = tuple(column.name for column in _RANKING_COLUMNS if isinstance(column.type, sa.Integer))
_RANKING_BOOLEANS = tuple(column.name for column in _RANKING_COLUMNS if isinstance(column.type, sa.Boolean))
_TRACK_COLUMNS = tuple(c for c in tracks.c if c.name != "credited_artists")


@contextmanager
def _connection(source: WarehouseSource) -> Iterator[sa.Connection]:
    if isinstance(source, Warehouse):
        with source.connection() as conn:
            yield conn
        return
    warehouse = Warehouse(source)
    try:
        with warehouse.connection() as conn:
            yield conn
    finally:
        warehouse.dispose()


def _chart_songs(slug: str) -> sa.Select[Any]:
    return sa.select(_r.song_uuid).where(_r.chart_slug == slug).distinct()


def _chart_artists(slug: str) -> sa.Select[Any]:
    return sa.select(_ta.artist_uuid).where(_ta.song_uuid.in_(_chart_songs(slug))).distinct()


def artist_names(conn: sa.Connection, songs: sa.Select[Any] | None) -> pd.Series:
    """Each song's credited artists' names in credit order, joined with ', ', by ``song_uuid``."""
    stmt = (
        sa.select(_ta.song_uuid, sa.func.coalesce(_a.name, _ta.artist_uuid).label("artist_name"))
        .select_from(track_artists.join(artists, _a.artist_uuid == _ta.artist_uuid))
        .order_by(_ta.song_uuid, _ta.position, _ta.artist_uuid)
    )
    if songs is not None:
        stmt = stmt.where(_ta.song_uuid.in_(songs))
    links = pd.read_sql(stmt, conn)
    return links.groupby("song_uuid", sort=False)["artist_name"].agg(", ".join)


def with_artist_names(frame: pd.DataFrame, names: pd.Series) -> pd.DataFrame:
    """``frame`` with ``artists``: the names of ``artist_names`` for its ``song_uuid``."""
    frame = frame.copy()
    frame["artists"] = frame["song_uuid"].map(names)
    return frame


def _with_artist_names(conn: sa.Connection, frame: pd.DataFrame, songs: sa.Select[Any] | None) -> pd.DataFrame:
    return with_artist_names(frame, artist_names(conn, songs))


@_retried_through_outages
def load_chart(source: WarehouseSource, slug: str, date: datetime | None = None) -> pd.DataFrame:
    """One edition (the latest unless ``date``), by position, joined with track metadata and artist names."""
    with _connection(source) as conn:
        edition = latest_ranking_date(conn, slug) if date is None else date
        stmt = (
            sa.select(*_RANKING_COLUMNS)
            .select_from(chart_rankings.outerjoin(tracks, _t.song_uuid == _r.song_uuid))
            .where(_r.chart_slug == slug, _r.ranking_date == edition)
            .order_by(_r.position)
        )
        frame = pd.read_sql(stmt, conn)
        return _with_artist_names(conn, frame, _edition_songs(slug, edition))


@_retried_through_outages
def load_charts(source: WarehouseSource, slugs: Sequence[str]) -> dict[str, pd.DataFrame]:
    """:func:`load_chart` of each of ``slugs`` that has an edition stored (its latest), from one read of those
    editions and one of their songs' artists: a fleet's momentum step and ranking previews need every chart's
    edition, and a read per chart was ~18 ms each on SQLite (PostgreSQL: 1.75 s for 100 charts, 0.47 s read
    at once). Each frame is :func:`load_chart`'s, dtypes included (:func:`_as_read_alone`)."""
    with _connection(source) as conn:
        latest = {slug: latest_ranking_date(conn, slug) for slug in dict.fromkeys(slugs)}
        editions = [(slug, day) for slug, day in latest.items() if day is not None]
        if not editions:
            return {}
        stored = sa.tuple_(_r.chart_slug, _r.ranking_date).in_(editions)
        stmt = (
            sa.select(*_RANKING_COLUMNS)
            .select_from(chart_rankings.outerjoin(tracks, _t.song_uuid == _r.song_uuid))
            .where(stored)
            .order_by(_r.chart_slug, _r.position)
        )
        frame = _with_artist_names(conn, pd.read_sql(stmt, conn), sa.select(_r.song_uuid).where(stored).distinct())
    return {
        str(slug): _as_read_alone(part.reset_index(drop=True)) for slug, part in frame.groupby("chart_slug", sort=False)
    }


def _as_read_alone(part: pd.DataFrame) -> pd.DataFrame:
    """One chart's rows of a fleet's read with the dtypes a read of that chart alone gives. pandas types a
    column for the whole read: an integer column with a gap in any chart is float (a boolean one object), and
    the previews print a float as ``3.00`` where an integer is ``3``. Alone, a column without gaps keeps its
    type, and a column with nothing in it holds ``None`` (``artists``, mapped from no names at all, NaN)."""
    if part["artists"].isna().all():
        part["artists"] = float("nan")
    for name in _RANKING_NAMES:
        column = part[name]
        missing = column.isna()
        if missing.all():
            part[name] = pd.Series([None] * len(part), index=part.index, dtype=object)
        elif missing.any():
            continue
        elif name in _RANKING_INTEGERS and column.dtype.kind == "f":
            part[name] = column.astype("int64")
        elif name in _RANKING_BOOLEANS and column.dtype == object:
            part[name] = column.astype(bool)
    return part


@_retried_through_outages
def load_ranking_history(source: WarehouseSource, slug: str) -> pd.DataFrame:
    """Every stored edition of a chart, oldest first: the input for movers and time-on-chart analysis."""
    with _connection(source) as conn:
        stmt = (
            sa.select(*_RANKING_COLUMNS)
            .select_from(chart_rankings.outerjoin(tracks, _t.song_uuid == _r.song_uuid))
            .where(_r.chart_slug == slug)
            .order_by(_r.ranking_date, _r.position)
        )
        frame = pd.read_sql(stmt, conn)
        return _with_artist_names(conn, frame, _chart_songs(slug))


def tracks_select(slug: str | None) -> tuple[sa.Select[Any], sa.Select[Any] | None]:
    """``load_tracks``'s statement (by ``song_uuid``), and the songs whose artist names it adds."""
    stmt = sa.select(*_TRACK_COLUMNS).where(_t.status == "ok").order_by(_t.song_uuid)
    songs = _chart_songs(slug) if slug is not None else None
    if songs is not None:
        stmt = stmt.where(_t.song_uuid.in_(songs))
    return stmt, songs


def artists_select(slug: str | None) -> sa.Select[Any]:
    """``load_artists``'s statement, by ``artist_uuid``."""
    stmt = sa.select(artists).order_by(_a.artist_uuid)
    if slug is not None:
        stmt = stmt.where(_a.artist_uuid.in_(_chart_artists(slug)))
    return stmt


@_retried_through_outages
def load_tracks(source: WarehouseSource, slug: str | None = None) -> pd.DataFrame:
    """Fetched tracks (all, or those ever ranked on ``slug``), with artist names; 404 rows left out."""
    stmt, songs = tracks_select(slug)
    with _connection(source) as conn:
        return _with_artist_names(conn, pd.read_sql(stmt, conn), songs)


@_retried_through_outages
def load_artists(source: WarehouseSource, slug: str | None = None) -> pd.DataFrame:
    """Artists (all, or those credited on a song ever ranked on ``slug``); stubs have no ``fetched_at``."""
    with _connection(source) as conn:
        return pd.read_sql(artists_select(slug), conn)


@_retried_through_outages
def load_track_audience(
    source: WarehouseSource, slug: str | None = None, platform: str | None = None, last: int | None = None
) -> pd.DataFrame:
    """Daily song audience (and airplay, platform 'airplay') with the song's name, one row per point.

    ``last=n`` reads only the final ``n`` rows of that order (an asset's metadata preview), in SQL.
    """
    return _read_ordered(source, *track_audience_select(slug, platform), last)


def track_audience_select(
    slug: str | None, platform: str | None = None
) -> tuple[sa.Select[Any], tuple[sa.ColumnElement[Any], ...]]:
    """``load_track_audience``'s statement, unordered, and its order."""
    c = track_audience.c
    stmt = sa.select(
        c.song_uuid, _t.name, _t.credit_name, c.platform, c.identifier, c.date, c.value, c.fetched_at
    ).select_from(track_audience.outerjoin(tracks, _t.song_uuid == c.song_uuid))
    if slug is not None:
        stmt = stmt.where(c.song_uuid.in_(_chart_songs(slug)))
    if platform is not None:
        stmt = stmt.where(c.platform == platform)
    return stmt, (c.song_uuid, c.platform, c.identifier, c.date)


@_retried_through_outages
def load_artist_audience(
    source: WarehouseSource, slug: str | None = None, platform: str | None = None, last: int | None = None
) -> pd.DataFrame:
    """Artist metrics (followers, monthly listeners...) with the artist's name, one row per point.

    ``last=n`` reads only the final ``n`` rows of that order, in SQL.
    """
    return _read_ordered(source, *artist_audience_select(slug, platform), last)


def artist_audience_select(
    slug: str | None, platform: str | None = None
) -> tuple[sa.Select[Any], tuple[sa.ColumnElement[Any], ...]]:
    """``load_artist_audience``'s statement, unordered, and its order."""
    c = artist_audience.c
    stmt = sa.select(c.artist_uuid, _a.name, c.platform, c.metric, c.date, c.value, c.fetched_at).select_from(
        artist_audience.outerjoin(artists, _a.artist_uuid == c.artist_uuid)
    )
    if slug is not None:
        stmt = stmt.where(c.artist_uuid.in_(_chart_artists(slug)))
    if platform is not None:
        stmt = stmt.where(c.platform == platform)
    return stmt, (c.artist_uuid, c.platform, c.metric, c.date)


def _read_ordered(
    source: WarehouseSource, stmt: sa.Select[Any], order: Sequence[sa.ColumnElement[Any]], last: int | None
) -> pd.DataFrame:
    """``stmt``'s rows sorted by ``order``, or only the last ``last`` of them (still in that order).

    A chart's audience is ~100k rows; reading them all to show ten took 0.5 s at the end of every audience
    step. The reversed order with a LIMIT lets the database use the primary key and stop early.
    """
    if last is None:
        with _connection(source) as conn:
            return pd.read_sql(stmt.order_by(*order), conn)
    tail = stmt.order_by(*(column.desc() for column in order)).limit(last)
    with _connection(source) as conn:
        frame = pd.read_sql(tail, conn)
    return frame.iloc[::-1].reset_index(drop=True)


# -- reads for the insight assets and reports (issue 7): the latest editions and what their songs did -------


def _edition_songs(slug: str, edition: datetime | None) -> sa.Select[Any]:
    """The songs of one edition; no song when ``edition`` is None (the chart has none stored yet)."""
    return sa.select(_r.song_uuid).where(_r.chart_slug == slug, _r.ranking_date == edition).distinct()


@_retried_through_outages
def load_latest_editions(source: WarehouseSource, slug: str, count: int = 2) -> pd.DataFrame:
    """The ``count`` newest editions, oldest first, shaped like ``load_ranking_history``.

    Movers compare the two newest editions; reading only those keeps a chart with years of history cheap.
    """
    with _connection(source) as conn:
        newest = ranking_dates(conn, slug, limit=count)
        stmt = (
            sa.select(*_RANKING_COLUMNS)
            .select_from(chart_rankings.outerjoin(tracks, _t.song_uuid == _r.song_uuid))
            .where(_r.chart_slug == slug, _r.ranking_date.in_(newest))
            .order_by(_r.ranking_date, _r.position)
        )
        frame = pd.read_sql(stmt, conn)
        songs = sa.select(_r.song_uuid).where(_r.chart_slug == slug, _r.ranking_date.in_(newest)).distinct()
        return _with_artist_names(conn, frame, songs)


@_retried_through_outages
def load_first_ranked(source: WarehouseSource, slug: str, songs: Collection[str] | None = None) -> pd.DataFrame:
    """Each song's first stored edition on the chart (``song_uuid``, ``first_ranking_date``); of ``songs``
    only, when given (movers ask for the latest edition's: one index seek each, whatever the history).

    Tells a re-entry from a new entry without loading the whole history.
    """
    stmt = (
        sa.select(_r.song_uuid, sa.func.min(_r.ranking_date).label("first_ranking_date"))
        .where(_r.chart_slug == slug)
        .group_by(_r.song_uuid)
        .order_by(_r.song_uuid)
    )
    with _connection(source) as conn:
        if songs is None:
            frame = pd.read_sql(stmt, conn)
        else:
            parts = [pd.read_sql(stmt.where(_r.song_uuid.in_(part)), conn) for part in chunks(sorted(set(songs)))]
            frame = pd.concat(parts, ignore_index=True) if parts else pd.read_sql(stmt.where(sa.false()), conn)
    # SQLite hands back text from an aggregate; the column type is lost, so parse it as UTC.
    frame["first_ranking_date"] = pd.to_datetime(frame["first_ranking_date"], utc=True)
    return frame


@_retried_through_outages
def load_edition_artists(source: WarehouseSource, slug: str, ranking_date: datetime | None = None) -> pd.DataFrame:
    """One row per (chart position, credited artist) of an edition (the latest unless ``ranking_date``).

    Columns ``position, song_uuid, artist_uuid, name, credit_position``: what a share of the chart, split
    between credited artists, is computed from. Songs without stored credits have no rows.
    """
    with _connection(source) as conn:
        edition = latest_ranking_date(conn, slug) if ranking_date is None else ranking_date
        stmt = (
            sa.select(
                _r.position,
                _r.song_uuid,
                _ta.artist_uuid,
                sa.func.coalesce(_a.name, _ta.artist_uuid).label("name"),
                _ta.position.label("credit_position"),
            )
            .select_from(
                chart_rankings.join(track_artists, _ta.song_uuid == _r.song_uuid).outerjoin(
                    artists, _a.artist_uuid == _ta.artist_uuid
                )
            )
            .where(_r.chart_slug == slug, _r.ranking_date == edition)
            .order_by(_r.position, _ta.position, _ta.artist_uuid)
        )
        return pd.read_sql(stmt, conn)


@_retried_through_outages
def load_edition_track_audience(
    source: WarehouseSource, *slugs: str, since: date | None = None, recent_days: int | None = None
) -> pd.DataFrame:
    """The latest edition's songs' audience from ``since`` on, one row per song, platform and day: the value
    summed over the song's identifiers (or radios), as momentum reads it. Summed in the database, a fleet's
    insight step reads one row per day instead of one per platform id and radio. Several charts (a fleet
    step's) are read in one query, each song once however many of their latest editions rank it.

    ``recent_days``: of each (song, platform), only the days at most that many before its newest day with a
    value (momentum compares a value with those 7 and 28 days older; older points cannot change a result).
    """
    c = track_audience.c
    with _connection(source) as conn:
        rows = _window(conn, _among(conn, c.song_uuid, _latest_editions_songs(conn, slugs)), c.date, since)
        stmt = sa.select(c.song_uuid, c.platform, c.date, sa.cast(sa.func.sum(c.value), sa.BigInteger).label("value"))
        if recent_days is not None:
            series = (c.song_uuid, c.platform)
            stmt = _recent(conn, stmt, track_audience, series, c.date, [*rows, c.value.is_not(None)], recent_days)
        stmt = stmt.where(*rows).group_by(c.song_uuid, c.platform, c.date).order_by(c.song_uuid, c.platform, c.date)
        return _read_in_chunks(stmt, conn)


@_retried_through_outages
def load_edition_artist_audience(
    source: WarehouseSource,
    *slugs: str,
    since: date | None = None,
    metrics: Collection[str] | None = None,
    recent_days: int | None = None,
) -> pd.DataFrame:
    """``load_artist_audience`` for the artists credited on the latest edition of each chart of ``slugs``, from
    ``since`` on (and of ``metrics`` only, when given: growth reads 2 of the metrics the series carry).
    ``recent_days``: of each series, only the days at most that many before its newest stored day."""
    c = artist_audience.c
    with _connection(source) as conn:
        credited = sa.select(_ta.artist_uuid).where(_ta.song_uuid.in_(_latest_editions_songs(conn, slugs)))
        rows = _window(conn, _among(conn, c.artist_uuid, credited.distinct()), c.date, since)
        if metrics is not None:
            rows.append(c.metric.in_(list(metrics)))
        stmt: sa.Select[Any] = sa.select(c.artist_uuid, _a.name, c.platform, c.metric, c.date, c.value).select_from(
            artist_audience.outerjoin(artists, _a.artist_uuid == c.artist_uuid)
        )
        if recent_days is not None:
            series = (c.artist_uuid, c.platform, c.metric)
            stmt = _recent(conn, stmt, artist_audience, series, c.date, rows, recent_days)
        stmt = stmt.where(*rows).order_by(c.artist_uuid, c.platform, c.metric, c.date)
        return _read_in_chunks(stmt, conn)


def _window(
    conn: sa.Connection, entities: sa.ColumnElement[bool], day: sa.ColumnElement[Any], since: date | None
) -> list[sa.ColumnElement[bool]]:
    return [entities] if since is None else [entities, on_or_after(conn, day, since)]


def _recent(
    conn: sa.Connection,
    stmt: sa.Select[Any],
    table: sa.Table,
    series: Sequence[sa.ColumnElement[Any]],
    day: sa.ColumnElement[Any],
    counted: Sequence[sa.ColumnElement[bool]],
    days: int,
) -> sa.Select[Any]:
    """``stmt`` over ``table`` cut to each series' last ``days`` days before its newest row of ``counted``."""
    newest = sa.select(*series, sa.func.max(day).label("newest")).where(*counted).group_by(*series).subquery()
    same = sa.and_(*(column == newest.c[column.name] for column in series))
    return stmt.join(newest, same).where(day >= days_before(conn, newest.c.newest, days))


READ_CHUNK_ROWS = 20_000
"""Rows fetched at a time by :func:`_read_in_chunks`."""


def _read_in_chunks(stmt: sa.Select[Any], conn: sa.Connection) -> pd.DataFrame:
    """``pd.read_sql``'s frame, its rows made into Python objects ``READ_CHUNK_ROWS`` at a time.

    A fleet step's audience is ~660,000 rows: a frame of 70 MB, but read whole its rows are first ~450 MB of
    Python tuples (a step process went to 610 MB; the target is 400 MB). Not a server-side cursor: PostgreSQL
    plans a cursor for its first rows, and the artist read (a join on each series' newest day) took 31 s instead
    of 1.3 s; psycopg2's result in C memory is a fraction of the tuples'. A column that one chunk holds only NULLs
    of reads as objects there; it gets the type the whole read would have given it (``infer_objects``).
    """
    chunks = list(pd.read_sql(stmt, conn, chunksize=READ_CHUNK_ROWS))
    frame = pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]
    for column in frame.select_dtypes(include="object").columns:
        if any(chunk[column].dtype != "object" for chunk in chunks):
            frame[column] = frame[column].infer_objects()
    return frame


def _latest_editions_songs(conn: sa.Connection, slugs: Sequence[str]) -> sa.Select[Any]:
    """The songs of each chart's latest edition (one index seek per chart for its date); none for a chart
    with no edition stored."""
    editions = [(slug, latest_ranking_date(conn, slug)) for slug in slugs]
    wanted = [sa.and_(_r.chart_slug == slug, _r.ranking_date == when) for slug, when in editions if when is not None]
    return sa.select(_r.song_uuid).where(sa.or_(sa.false(), *wanted)).distinct()


def _among(conn: sa.Connection, column: sa.ColumnElement[str], chosen: sa.Select[Any]) -> sa.ColumnElement[bool]:
    """``column IN chosen`` for a fleet's audience read (songs of the latest editions, or their artists).

    On PostgreSQL ``chosen`` is read first and bound as one array: left a subquery, the planner, which cannot
    know how many rows it gives, joined the artist read to it as a nested loop that checked each of 12,540 series
    rows against its 340 artists (4.2 million comparisons, 0.46 of 0.54 s for 25 charts); an array is planned
    from its length, and is one parameter however many charts are read. SQLite plans the subquery well, and a
    list there would be one parameter per uuid (bound twice with ``recent_days``), past SQLite's default limit of
    32,766 for a large fleet.
    """
    if conn.dialect.name != "postgresql":
        return column.in_(chosen)
    values = list(conn.execute(chosen).scalars())
    return column == sa.any_(sa.bindparam(None, values, type_=postgresql.ARRAY(sa.String), unique=True))

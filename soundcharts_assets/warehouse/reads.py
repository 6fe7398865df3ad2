"""Reads behind the ``Warehouse`` methods: plain Python values out, one open connection in.

Lists of uuids from callers can hold thousands of entries; they go through ``chunks`` so no ``IN`` clause
exceeds a driver's bound-parameter limit. Where the set to check is itself in the database (a chart's
songs), a join does the work instead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from soundcharts_assets.soundcharts.models import ArtistRef
from soundcharts_assets.warehouse.rows import artist_refs_from_json
from soundcharts_assets.warehouse.schema import (
    DATA_TABLES,
    FETCH_STATUSES,
    artist_audience,
    artists,
    audience_fetches,
    chart_rankings,
    track_artists,
    track_audience,
    tracks,
)
from soundcharts_assets.warehouse.upserts import chunks, unique

ENTITIES = ("song", "artist")


def check_entity(entity: str) -> None:
    if entity not in ENTITIES:
        raise ValueError(f"entity must be one of {ENTITIES}, not {entity!r}")


def _values(conn: sa.Connection, stmt: sa.Select[Any]) -> list[Any]:
    return list(conn.execute(stmt).scalars())


def ranking_dates(conn: sa.Connection, slug: str) -> list[datetime]:
    r = chart_rankings.c
    stmt = sa.select(r.ranking_date).where(r.chart_slug == slug).distinct().order_by(r.ranking_date.desc())
    return _values(conn, stmt)


def latest_ranking_date(conn: sa.Connection, slug: str) -> datetime | None:
    r = chart_rankings.c
    stmt = sa.select(r.ranking_date).where(r.chart_slug == slug).order_by(r.ranking_date.desc()).limit(1)
    return conn.execute(stmt).scalar()


def resolve_edition(conn: sa.Connection, slug: str, ranking_date: datetime | None) -> datetime | None:
    return latest_ranking_date(conn, slug) if ranking_date is None else ranking_date


def edition_rows(slug: str, ranking_date: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(chart_rankings.c.chart_slug == slug, chart_rankings.c.ranking_date == ranking_date)


def ranking_song_uuids(conn: sa.Connection, slug: str, ranking_date: datetime | None) -> list[str]:
    edition = resolve_edition(conn, slug, ranking_date)
    if edition is None:
        return []
    r = chart_rankings.c
    stmt = sa.select(r.song_uuid).where(edition_rows(slug, edition)).order_by(r.position)
    return unique(_values(conn, stmt))


def ranking_positions(conn: sa.Connection, slug: str, ranking_date: datetime | None) -> list[int]:
    edition = resolve_edition(conn, slug, ranking_date)
    if edition is None:
        return []
    r = chart_rankings.c
    return _values(conn, sa.select(r.position).where(edition_rows(slug, edition)).order_by(r.position))


def songs_without_metadata(conn: sa.Connection, slug: str, ranking_date: datetime | None) -> list[str]:
    edition = resolve_edition(conn, slug, ranking_date)
    if edition is None:
        return []
    r, t = chart_rankings.c, tracks.c
    stmt = (
        sa.select(r.song_uuid)
        .select_from(chart_rankings.outerjoin(tracks, sa.and_(t.song_uuid == r.song_uuid, t.status == "ok")))
        .where(edition_rows(slug, edition), t.song_uuid.is_(None))
        .order_by(r.position)
    )
    return unique(_values(conn, stmt))


def songs_not_found(conn: sa.Connection, slug: str, ranking_date: datetime | None) -> list[str]:
    """Ranked songs the API answered 404 for: known gaps, unlike songs never fetched."""
    edition = resolve_edition(conn, slug, ranking_date)
    if edition is None:
        return []
    r, t = chart_rankings.c, tracks.c
    stmt = (
        sa.select(r.song_uuid)
        .select_from(chart_rankings.join(tracks, t.song_uuid == r.song_uuid))
        .where(edition_rows(slug, edition), t.status == "not_found")
        .order_by(r.position)
    )
    return unique(_values(conn, stmt))


def _chart_artists(slug: str, edition: datetime) -> sa.Select[Any]:
    r, ta = chart_rankings.c, track_artists.c
    return (
        sa.select(ta.artist_uuid)
        .select_from(chart_rankings.join(track_artists, ta.song_uuid == r.song_uuid))
        .where(edition_rows(slug, edition))
        .order_by(r.position, ta.position, ta.artist_uuid)
    )


def chart_artist_uuids(conn: sa.Connection, slug: str, ranking_date: datetime | None) -> list[str]:
    """Artists credited on the edition's songs, in chart order then credit order."""
    edition = resolve_edition(conn, slug, ranking_date)
    return [] if edition is None else unique(_values(conn, _chart_artists(slug, edition)))


def artists_without_metadata(conn: sa.Connection, slug: str, ranking_date: datetime | None) -> list[str]:
    edition = resolve_edition(conn, slug, ranking_date)
    if edition is None:
        return []
    a = artists.c
    fetched = sa.select(a.artist_uuid).where(a.status == "ok")
    stmt = _chart_artists(slug, edition).where(track_artists.c.artist_uuid.not_in(fetched))
    return unique(_values(conn, stmt))


def artists_not_found(conn: sa.Connection, slug: str, ranking_date: datetime | None) -> list[str]:
    edition = resolve_edition(conn, slug, ranking_date)
    if edition is None:
        return []
    missing = sa.select(artists.c.artist_uuid).where(artists.c.status == "not_found")
    stmt = _chart_artists(slug, edition).where(track_artists.c.artist_uuid.in_(missing))
    return unique(_values(conn, stmt))


def get_track(conn: sa.Connection, song_uuid: str) -> dict[str, Any] | None:
    row = conn.execute(sa.select(tracks).where(tracks.c.song_uuid == song_uuid)).mappings().first()
    return dict(row) if row else None


def _fresh(
    conn: sa.Connection,
    key: sa.Column[Any],
    fetched_at: sa.Column[Any],
    uuids: Sequence[str],
    cutoff: datetime,
) -> set[str]:
    fresh: set[str] = set()
    for part in chunks(uuids):
        fresh.update(_values(conn, sa.select(key).where(key.in_(part), fetched_at >= cutoff)))
    return fresh


def stale_song_uuids(
    conn: sa.Connection, uuids: Iterable[str], max_age: timedelta, now: datetime
) -> list[str]:
    """Songs never fetched, or fetched (found or not) longer than ``max_age`` ago; input order kept."""
    wanted = unique(uuids)
    fresh = _fresh(conn, tracks.c.song_uuid, tracks.c.fetched_at, wanted, now - max_age)
    return [u for u in wanted if u not in fresh]


def stale_artist_uuids(
    conn: sa.Connection, uuids: Iterable[str], max_age: timedelta, now: datetime
) -> list[str]:
    """As ``stale_song_uuids``; a stub's NULL ``fetched_at`` never compares fresh, so stubs are stale."""
    wanted = unique(uuids)
    fresh = _fresh(conn, artists.c.artist_uuid, artists.c.fetched_at, wanted, now - max_age)
    return [u for u in wanted if u not in fresh]


def stale_metadata_uuids(
    conn: sa.Connection, entity: str, uuids: Iterable[str], max_age: timedelta, now: datetime
) -> list[str]:
    """:func:`stale_song_uuids` or :func:`stale_artist_uuids`, by ``entity`` ("song" or "artist")."""
    check_entity(entity)
    stale = stale_song_uuids if entity == "song" else stale_artist_uuids
    return stale(conn, uuids, max_age, now)


def credited_artists(conn: sa.Connection, song_uuids: Iterable[str]) -> dict[str, list[ArtistRef]]:
    t = tracks.c
    found: dict[str, list[ArtistRef]] = {}
    for part in chunks(unique(song_uuids)):
        stmt = sa.select(t.song_uuid, t.credited_artists).where(t.song_uuid.in_(part), t.status == "ok")
        for song_uuid, text in conn.execute(stmt):
            found[song_uuid] = artist_refs_from_json(text)
    return found


def _fetch_rows(
    conn: sa.Connection, entity: str, uuids: Sequence[str], platforms: Sequence[str], extra: Any = None
) -> list[sa.Row[Any]]:
    f = audience_fetches.c
    rows: list[sa.Row[Any]] = []
    for part in chunks(uuids):
        stmt = sa.select(f.entity_uuid, f.platform, f.status).where(
            f.entity == entity, f.entity_uuid.in_(part), f.platform.in_(platforms)
        )
        if extra is not None:
            stmt = stmt.where(extra)
        rows.extend(conn.execute(stmt))
    return rows


def stale_audience(
    conn: sa.Connection, entity: str, uuids: Iterable[str], platforms: Iterable[str],
    max_age: timedelta, now: datetime,
) -> list[tuple[str, str]]:
    """(uuid, platform) pairs with no fetch recorded, or one older than ``max_age`` whatever its outcome."""
    check_entity(entity)
    wanted, wanted_platforms = unique(uuids), unique(platforms)
    recent = audience_fetches.c.fetched_at >= now - max_age
    fresh_rows = _fetch_rows(conn, entity, wanted, wanted_platforms, recent)
    fresh = {(row.entity_uuid, row.platform) for row in fresh_rows}
    return [(u, p) for u in wanted for p in wanted_platforms if (u, p) not in fresh]


def audience_coverage(
    conn: sa.Connection, entity: str, uuids: Iterable[str], platforms: Iterable[str]
) -> dict[str, dict[str, int]]:
    check_entity(entity)
    wanted, wanted_platforms = unique(uuids), unique(platforms)
    fetches = _fetch_rows(conn, entity, wanted, wanted_platforms)
    counts = Counter((row.platform, row.status) for row in fetches)
    coverage: dict[str, dict[str, int]] = {}
    for platform in wanted_platforms:
        by_status = {status: counts[(platform, status)] for status in FETCH_STATUSES}
        by_status["missing"] = len(wanted) - sum(by_status.values())
        coverage[platform] = by_status
    return coverage


def last_audience_date(
    conn: sa.Connection, entity: str, uuid: str, platform: str, metric: str | None = None
) -> date | None:
    check_entity(entity)
    if entity == "song":
        c = track_audience.c
        stmt = sa.select(sa.func.max(c.date)).where(c.song_uuid == uuid, c.platform == platform)
    else:
        c = artist_audience.c
        stmt = sa.select(sa.func.max(c.date)).where(c.artist_uuid == uuid, c.platform == platform)
        if metric is not None:
            stmt = stmt.where(c.metric == metric)
    return conn.execute(stmt).scalar()


def _count(conn: sa.Connection, table: sa.Table, *where: Any) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one())


def table_counts(conn: sa.Connection) -> dict[str, int]:
    return {table.name: _count(conn, table) for table in DATA_TABLES}


def chart_summary(conn: sa.Connection, slug: str) -> dict[str, Any]:
    """What is stored for one chart across all its editions: the CLI prints this after a run."""
    r, ta = chart_rankings.c, track_artists.c
    songs = sa.select(r.song_uuid).where(r.chart_slug == slug).distinct()
    chart_artists = sa.select(ta.artist_uuid).where(ta.song_uuid.in_(songs)).distinct()
    editions = sa.select(sa.func.count(sa.distinct(r.ranking_date))).where(r.chart_slug == slug)
    return {
        "slug": slug,
        "ranking_rows": _count(conn, chart_rankings, r.chart_slug == slug),
        "editions": int(conn.execute(editions).scalar_one()),
        "latest_ranking_date": latest_ranking_date(conn, slug),
        "songs": _count(conn, songs.subquery()),
        "tracks": _count(conn, tracks, tracks.c.song_uuid.in_(songs), tracks.c.status == "ok"),
        "artists": _count(conn, artists, artists.c.artist_uuid.in_(chart_artists), artists.c.status == "ok"),
        "artist_links": _count(conn, chart_artists.subquery()),
        "track_audience_rows": _count(conn, track_audience, track_audience.c.song_uuid.in_(songs)),
        "artist_audience_rows": _count(
            conn, artist_audience, artist_audience.c.artist_uuid.in_(chart_artists)
        ),
    }

"""Writes behind the ``Warehouse`` methods; each runs inside the one transaction its caller opened.

Every write is an upsert, so running a step twice (a retried Dagster run, two overlapping runs) stores
the same rows once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
import time
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from soundcharts_assets.soundcharts.models import (
    AirplayCount,
    Artist,
    ArtistAudiencePoint,
    ArtistRef,
    Chart,
    ChartRanking,
    Song,
    SongAudiencePoint,
)
from soundcharts_assets.warehouse import rows
from soundcharts_assets.warehouse.errors import WarehouseError
from soundcharts_assets.warehouse.reads import (
    check_entity,
    edition_rows,
    resolve_edition,
    stale_audience,
    stale_metadata_uuids,
)
from soundcharts_assets.warehouse.schema import (
    FETCH_STATUSES,
    SYNC_SCHEDULES,
    artist_audience,
    artists,
    audience_claims,
    audience_fetches,
    chart_rankings,
    charts,
    radios,
    track_artists,
    track_audience,
    tracks,
)
from soundcharts_assets.warehouse.upserts import chunks, unique, upsert

_CHART_UPDATES = ("name", "platform", "frequency", "country_code", "chart_type", "max_results",
                  "metric_type", "web_url", "updated_at")


def check_schedule(schedule: str) -> None:
    if schedule not in SYNC_SCHEDULES:
        raise WarehouseError(f"sync schedule {schedule!r} is not one of {', '.join(SYNC_SCHEDULES)}")


def upsert_chart(conn: sa.Connection, chart: Chart, sync_schedule: str | None, now: datetime) -> None:
    """Register or refresh a chart; ``sync_schedule=None`` keeps what a user chose earlier."""
    if sync_schedule is not None:
        check_schedule(sync_schedule)
    row = rows.chart_row(chart, now) | {"sync_schedule": sync_schedule or "none"}
    update = _CHART_UPDATES + (("sync_schedule",) if sync_schedule is not None else ())
    upsert(conn, charts, [row], update=update)


def register_chart(conn: sa.Connection, slug: str, sync_schedule: str, now: datetime) -> None:
    check_schedule(sync_schedule)
    row = {"slug": slug, "sync_schedule": sync_schedule, "registered_at": now, "updated_at": now}
    upsert(conn, charts, [row], update=("sync_schedule", "updated_at"))


def set_sync_schedule(conn: sa.Connection, slug: str, schedule: str, now: datetime) -> None:
    check_schedule(schedule)
    stmt = charts.update().where(charts.c.slug == slug).values(sync_schedule=schedule, updated_at=now)
    if conn.execute(stmt).rowcount == 0:
        raise WarehouseError(f"chart {slug!r} is not registered; add it before setting its schedule")


def remove_chart(conn: sa.Connection, slug: str) -> bool:
    return bool(conn.execute(charts.delete().where(charts.c.slug == slug)).rowcount)


def write_ranking(conn: sa.Connection, ranking: ChartRanking, fetched_at: datetime) -> int:
    """Store one edition; positions the edition no longer has (a re-fetch came back shorter) are deleted."""
    upsert_chart(conn, ranking.chart, None, fetched_at)
    written = upsert(conn, chart_rankings, rows.ranking_rows(ranking, fetched_at))
    r = chart_rankings.c
    edition = sa.and_(r.chart_slug == ranking.chart.slug, r.ranking_date == ranking.date)
    kept = {entry.position for entry in ranking.entries}
    stored = conn.execute(sa.select(r.position).where(edition)).scalars()
    for part in chunks(sorted(set(stored) - kept)):
        conn.execute(chart_rankings.delete().where(edition, r.position.in_(part)))
    return written


def delete_ranking_position(
    conn: sa.Connection, slug: str, position: int, ranking_date: datetime | None
) -> bool:
    """Remove one stored position: a manual data fix, and how tests break an edition on purpose."""
    when = resolve_edition(conn, slug, ranking_date)
    if when is None:
        return False
    stmt = chart_rankings.delete().where(edition_rows(slug, when), chart_rankings.c.position == position)
    return bool(conn.execute(stmt).rowcount)


def upsert_songs(conn: sa.Connection, songs: Iterable[Song], fetched_at: datetime) -> int:
    return upsert(conn, tracks, [rows.track_row(song, fetched_at) for song in songs])


def record_missing(conn: sa.Connection, table: sa.Table, uuids: Iterable[str], checked_at: datetime) -> None:
    """Remember a 404 so it is not asked again until stale; metadata fetched earlier is kept."""
    key = table.primary_key.columns.values()[0].name
    missing = [{key: u, "fetched_at": checked_at, "status": "not_found"} for u in unique(uuids)]
    upsert(conn, table, missing, update=("fetched_at", "status"))


def upsert_artists(conn: sa.Connection, fetched: Iterable[Artist], fetched_at: datetime) -> int:
    return upsert(conn, artists, [rows.artist_row(artist, fetched_at) for artist in fetched])


def link_track_artists(conn: sa.Connection, links: Mapping[str, Sequence[ArtistRef]]) -> int:
    """Make each song's links exactly ``links[song]``; every artist gets at least a stub row."""
    refs = {ref.uuid: ref for song_refs in links.values() for ref in song_refs}
    upsert(
        conn,
        artists,
        [rows.artist_stub_row(ref) for ref in refs.values()],
        update=("slug", "name"),
        keep_existing_when_null=("slug", "name"),
        only_if=lambda table: table.c.fetched_at.is_(None),  # never clobber fetched metadata
    )
    wanted = {
        (song, artist_uuid): position
        for song, song_refs in links.items()
        for position, artist_uuid in enumerate(unique(ref.uuid for ref in song_refs))
    }
    ta = track_artists.c
    stored: set[tuple[str, str]] = set()
    for part in chunks(sorted(links)):
        stmt = sa.select(ta.song_uuid, ta.artist_uuid).where(ta.song_uuid.in_(part))
        stored.update(conn.execute(stmt).tuples())
    for part in chunks(sorted(stored - wanted.keys())):
        conn.execute(track_artists.delete().where(sa.tuple_(ta.song_uuid, ta.artist_uuid).in_(part)))
    link_rows = [{"song_uuid": s, "artist_uuid": a, "position": p} for (s, a), p in wanted.items()]
    return upsert(conn, track_artists, link_rows)


def _record_fetch(
    conn: sa.Connection, entity: str, uuid: str, platform: str, status: str, fetched_at: datetime, points: int
) -> None:
    check_entity(entity)
    if status not in FETCH_STATUSES:
        raise ValueError(f"audience fetch status must be one of {FETCH_STATUSES}, not {status!r}")
    row = {"entity": entity, "entity_uuid": uuid, "platform": platform, "fetched_at": fetched_at,
           "status": status, "points": points}
    upsert(conn, audience_fetches, [row])


def record_audience_outcome(
    conn: sa.Connection, entity: str, uuid: str, platform: str, status: str, fetched_at: datetime
) -> None:
    _record_fetch(conn, entity, uuid, platform, status, fetched_at, 0)


def write_track_audience(
    conn: sa.Connection, song_uuid: str, platform: str, points: Sequence[SongAudiencePoint],
    fetched_at: datetime, status: str,
) -> int:
    written = upsert(conn, track_audience, rows.track_audience_rows(song_uuid, platform, points, fetched_at))
    _record_fetch(conn, "song", song_uuid, platform, status, fetched_at, written)
    return written


def write_track_airplay(
    conn: sa.Connection, song_uuid: str, day: date, counts: Sequence[AirplayCount],
    fetched_at: datetime, status: str,
) -> int:
    radio_rows = rows.radio_rows(counts, fetched_at)
    upsert(conn, radios, radio_rows, keep_existing_when_null=("name", "country_code"))
    written = upsert(conn, track_audience, rows.airplay_rows(song_uuid, day, counts, fetched_at))
    _record_fetch(conn, "song", song_uuid, "airplay", status, fetched_at, written)
    return written


def write_artist_audience(
    conn: sa.Connection, artist_uuid: str, platform: str, points: Sequence[ArtistAudiencePoint],
    fetched_at: datetime, status: str, source: str,
) -> int:
    points_rows = rows.artist_audience_rows(artist_uuid, platform, points, fetched_at)
    written = upsert(conn, artist_audience, points_rows)
    _record_fetch(conn, "artist", artist_uuid, source, status, fetched_at, written)
    return written


METADATA_LEASE = "metadata"
"""The ``platform`` of a lease on an entity's metadata in ``audience_claims`` (no audience source has it)."""


def claim_stale_audience(
    conn: sa.Connection, entity: str, uuids: Iterable[str], platforms: Iterable[str], max_age: timedelta,
    now: datetime, owner: str, lease_seconds: float, limit: int,
) -> list[tuple[str, str]]:
    """Lease up to ``limit`` stale (uuid, platform) pairs to ``owner``, skipping pairs another owner holds."""
    uuids, platforms = list(uuids), list(platforms)
    return _lease(conn, entity, lambda: stale_audience(conn, entity, uuids, platforms, max_age, now),
                  owner, lease_seconds, limit)


def claim_stale_metadata(
    conn: sa.Connection, entity: str, uuids: Iterable[str], max_age: timedelta, now: datetime, owner: str,
    lease_seconds: float, limit: int,
) -> list[str]:
    """Lease up to ``limit`` songs or artists whose metadata is stale, as :func:`claim_stale_audience` does.

    Two charts refreshed at once share songs and artists; without a lease both runs would put the shared ones
    in their batches and pay for them twice.
    """
    wanted = list(uuids)
    pairs = _lease(
        conn, entity, lambda: [(u, METADATA_LEASE) for u in stale_metadata_uuids(conn, entity, wanted, max_age, now)],
        owner, lease_seconds, limit,
    )
    return [uuid for uuid, _ in pairs]


def release_claims(
    conn: sa.Connection, entity: str, pairs: Iterable[tuple[str, str]], owner: str
) -> None:
    """Drop ``owner``'s leases on ``pairs`` once they are stored (or given up), so no other run waits on them.

    Leases also lapse on their own; releasing matters when another run finds the pairs stale again at once
    (a short freshness window) or when this run failed and will not store them.
    """
    c = audience_claims.c
    by_platform: dict[str, list[str]] = {}
    for uuid, platform in pairs:
        by_platform.setdefault(platform, []).append(uuid)
    for platform, uuids in by_platform.items():
        for part in chunks(unique(uuids)):
            conn.execute(sa.delete(audience_claims).where(
                c.entity == entity, c.platform == platform, c.claimed_by == owner, c.entity_uuid.in_(part)
            ))


def _lease(
    conn: sa.Connection, entity: str, find_stale: Callable[[], list[tuple[str, str]]], owner: str,
    lease_seconds: float, limit: int,
) -> list[tuple[str, str]]:
    """Lease up to ``limit`` of the (uuid, platform) pairs ``find_stale`` returns that no other owner holds.

    Claimers are serialised (Postgres: a table lock held to the end of this short transaction; SQLite: the
    write transaction is already ``BEGIN IMMEDIATE``), so two runs can never lease the same pair; what is
    stale is read after the lock, so a pair another run stored a moment ago is not leased again. An owner
    may take back its own unexpired leases: a chart's re-run after a killed run continues where it stopped.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("LOCK TABLE audience_claims IN SHARE ROW EXCLUSIVE MODE"))
    stale = find_stale()
    if not stale:
        return []
    wall_clock = time.time()
    c = audience_claims.c
    held: set[tuple[str, str]] = set()
    for part in chunks(unique(uuid for uuid, _ in stale)):
        held.update(conn.execute(
            sa.select(c.entity_uuid, c.platform).where(
                c.entity == entity, c.entity_uuid.in_(part), c.claimed_until > wall_clock, c.claimed_by != owner
            )
        ).tuples())
    claimed = [pair for pair in stale if pair not in held][:limit]
    upsert(conn, audience_claims, [
        {"entity": entity, "entity_uuid": uuid, "platform": platform, "claimed_by": owner,
         "claimed_until": wall_clock + lease_seconds}
        for uuid, platform in claimed
    ])
    return claimed

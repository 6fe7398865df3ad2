"""Audience series in the warehouse: daily points per song or artist and platform, and what each fetch gave.

Points go to ``track_audience`` (songs; airplay is platform ``airplay`` with one row per radio) and
``artist_audience`` (artists, one row per metric). Every fetch, including a 404 (``not_found``) or a 403
(``not_in_plan``) that stored nothing, is recorded in ``audience_fetches``: freshness is judged from there, so
a series the plan does not cover is not asked for again until it is stale. ``stale_audience`` is also a
module function because an audience lease (``leases.py``) must read what is stale inside its own transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from soundcharts_assets.soundcharts.models import AirplayCount, ArtistAudiencePoint, SongAudiencePoint
from soundcharts_assets.vocabulary import EntityKind, FetchStatus, TrackSource
from soundcharts_assets.warehouse.schema import artist_audience, audience_fetches, radios, track_audience
from soundcharts_assets.warehouse.store import Store
from soundcharts_assets.warehouse.upserts import chunks, unique, upsert

Row = dict[str, Any]


def track_audience_rows(
    song_uuid: str, platform: str, points: Sequence[SongAudiencePoint], fetched_at: datetime
) -> list[Row]:
    return [
        {
            "song_uuid": song_uuid,
            "platform": platform,
            "date": p.date,
            "identifier": p.identifier,
            "value": p.value,
            "fetched_at": fetched_at,
        }
        for p in points
    ]


def airplay_rows(song_uuid: str, day: date, counts: Sequence[AirplayCount], fetched_at: datetime) -> list[Row]:
    """Airplay lives in ``track_audience``: platform 'airplay', identifier = radio, date = window end."""
    return [
        {
            "song_uuid": song_uuid,
            "platform": TrackSource.AIRPLAY.value,
            "date": day,
            "identifier": c.radio_slug,
            "value": c.play_count,
            "fetched_at": fetched_at,
        }
        for c in counts
    ]


def radio_rows(counts: Sequence[AirplayCount], now: datetime) -> list[Row]:
    return [
        {"slug": c.radio_slug, "name": c.radio_name, "country_code": c.country_code, "updated_at": now} for c in counts
    ]


def artist_audience_rows(
    artist_uuid: str, platform: str, points: Sequence[ArtistAudiencePoint], fetched_at: datetime
) -> list[Row]:
    return [
        {
            "artist_uuid": artist_uuid,
            "platform": platform,
            "metric": p.metric,
            "date": p.date,
            "value": p.value,
            "fetched_at": fetched_at,
        }
        for p in points
    ]


def _fetch_rows(
    conn: sa.Connection, entity: str, uuids: Sequence[str], platforms: Sequence[str], *where: Any
) -> list[sa.Row[Any]]:
    """The recorded fetches of (uuid, platform) pairs, read in chunks of uuids."""
    f = audience_fetches.c
    rows: list[sa.Row[Any]] = []
    for part in chunks(uuids):
        stmt = sa.select(f.entity_uuid, f.platform, f.status).where(
            f.entity == entity, f.entity_uuid.in_(part), f.platform.in_(platforms), *where
        )
        rows.extend(conn.execute(stmt))
    return rows


def stale_audience(
    conn: sa.Connection,
    entity: str,
    uuids: Iterable[str],
    platforms: Iterable[str],
    max_age: timedelta,
    now: datetime,
) -> list[tuple[str, str]]:
    """(uuid, platform) pairs with no fetch recorded, or one older than ``max_age`` whatever its outcome."""
    kind = EntityKind.parse(entity, "entity").value
    wanted, wanted_platforms = unique(uuids), unique(platforms)
    recent = audience_fetches.c.fetched_at >= now - max_age
    fresh = {(row.entity_uuid, row.platform) for row in _fetch_rows(conn, kind, wanted, wanted_platforms, recent)}
    return [(u, p) for u in wanted for p in wanted_platforms if (u, p) not in fresh]


def _record_fetch(
    conn: sa.Connection, entity: str, uuid: str, platform: str, status: str, fetched_at: datetime, points: int
) -> None:
    row = {
        "entity": EntityKind.parse(entity, "entity").value,
        "entity_uuid": uuid,
        "platform": platform,
        "fetched_at": fetched_at,
        "status": FetchStatus.parse(status, "audience fetch status").value,
        "points": points,
    }
    upsert(conn, audience_fetches, [row])


class AudienceStore(Store):
    """Audience points, the outcome of every series fetch, and which series need fetching again."""

    def stale_audience(
        self, entity: str, uuids: Iterable[str], platforms: Iterable[str], max_age: timedelta, now: datetime
    ) -> list[tuple[str, str]]:
        with self._read() as conn:
            return stale_audience(conn, entity, uuids, platforms, max_age, now)

    def last_audience_date(self, entity: str, uuid: str, platform: str, metric: str | None = None) -> date | None:
        """The last stored day (of one artist ``metric`` when given), so the next fetch asks only for new days."""
        if EntityKind.parse(entity, "entity") is EntityKind.SONG:
            t = track_audience.c
            stmt = sa.select(sa.func.max(t.date)).where(t.song_uuid == uuid, t.platform == platform)
        else:
            a = artist_audience.c
            stmt = sa.select(sa.func.max(a.date)).where(a.artist_uuid == uuid, a.platform == platform)
            if metric is not None:
                stmt = stmt.where(a.metric == metric)
        with self._read() as conn:
            return conn.execute(stmt).scalar()

    def write_track_audience(
        self,
        song_uuid: str,
        platform: str,
        points: Sequence[SongAudiencePoint],
        fetched_at: datetime,
        status: str = "ok",
    ) -> int:
        rows = track_audience_rows(song_uuid, platform, points, fetched_at)
        return self._write_points(track_audience, rows, EntityKind.SONG, song_uuid, platform, status, fetched_at)

    def write_track_airplay(
        self,
        song_uuid: str,
        day: date,
        counts: Sequence[AirplayCount],
        fetched_at: datetime,
        status: str = "ok",
    ) -> int:
        """One day's plays per radio; the radios' names are kept in ``radios`` (a NULL keeps the stored one)."""
        radio_list = radio_rows(counts, fetched_at)
        rows = airplay_rows(song_uuid, day, counts, fetched_at)
        return self._write_points(
            track_audience, rows, EntityKind.SONG, song_uuid, TrackSource.AIRPLAY.value, status, fetched_at, radio_list
        )

    def write_artist_audience(
        self,
        artist_uuid: str,
        platform: str,
        points: Sequence[ArtistAudiencePoint],
        fetched_at: datetime,
        status: str = "ok",
        source: str | None = None,
    ) -> int:
        """``source`` names the fetch in ``audience_fetches`` when one platform has several endpoints
        (Spotify followers vs Spotify monthly listeners); it defaults to the platform."""
        rows = artist_audience_rows(artist_uuid, platform, points, fetched_at)
        return self._write_points(
            artist_audience, rows, EntityKind.ARTIST, artist_uuid, source or platform, status, fetched_at
        )

    def record_audience_outcome(self, entity: str, uuid: str, platform: str, status: str, fetched_at: datetime) -> None:
        """Remember a 404 (``not_found``) or 403 (``not_in_plan``) so it is not asked again until stale."""
        self._write(lambda conn: _record_fetch(conn, entity, uuid, platform, status, fetched_at, 0))

    def audience_coverage(
        self, entity: str, uuids: Iterable[str], platforms: Iterable[str]
    ) -> dict[str, dict[str, int]]:
        """Per platform, how many of ``uuids`` have each fetch status, and how many were never fetched."""
        kind = EntityKind.parse(entity, "entity").value
        wanted, wanted_platforms = unique(uuids), unique(platforms)
        with self._read() as conn:
            fetches = _fetch_rows(conn, kind, wanted, wanted_platforms)
        counts = Counter((row.platform, row.status) for row in fetches)
        coverage: dict[str, dict[str, int]] = {}
        for platform in wanted_platforms:
            by_status = {status.value: counts[(platform, status.value)] for status in FetchStatus}
            by_status["missing"] = len(wanted) - sum(by_status.values())
            coverage[platform] = by_status
        return coverage

    def _write_points(
        self,
        table: sa.Table,
        rows: list[Row],
        entity: str,
        uuid: str,
        source: str,
        status: str,
        fetched_at: datetime,
        radio_list: list[Row] | None = None,
    ) -> int:
        """Store a series' points and record the fetch, in one transaction: a series is fresh only if stored."""

        def work(conn: sa.Connection) -> int:
            if radio_list is not None:
                upsert(conn, radios, radio_list, keep_existing_when_null=("name", "country_code"))
            written = upsert(conn, table, rows)
            _record_fetch(conn, entity, uuid, source, status, fetched_at, written)
            return written

        return self._write(work)

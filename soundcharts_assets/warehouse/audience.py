"""Audience series in the warehouse: daily points per song or artist and platform, and what each fetch gave.

Points go to ``track_audience`` (songs; airplay is platform ``airplay`` with one row per radio) and
``artist_audience`` (artists, one row per metric), under the platform (and metric) of their source's row
(``sources.py``); the fetch is recorded under the source's name. Every fetch, including a 404 (``not_found``) or a 403
(``not_in_plan``) that stored nothing, is recorded in ``audience_fetches``: freshness is judged from there, so
a series the plan does not cover is not asked for again until it is due. ``due_audience`` is also a
module function because an audience lease (``leases.py``) must read what is due inside its own transaction.
Over 300 lines: the due rule's set-based read (last fetch, last crawl and cadence per chunk of uuids) lives
beside the writes that record them, so the bookkeeping of a series is in one file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple, cast

import sqlalchemy as sa

from soundcharts_assets.due import RefreshPolicy, cadence_hours
from soundcharts_assets.soundcharts.models import AirplayCount, ArtistAudiencePoint, SongAudiencePoint
from soundcharts_assets.sources import AudienceSource, Endpoint, audience_source, audience_sources
from soundcharts_assets.vocabulary import FREE_STATUSES, EntityKind, FetchStatus
from soundcharts_assets.warehouse.schema import artist_audience, audience_fetches, radios, track_audience
from soundcharts_assets.warehouse.store import Store
from soundcharts_assets.warehouse.upserts import chunks, unique, upsert

Row = dict[str, Any]
Point = SongAudiencePoint | ArtistAudiencePoint


def airplay_source() -> AudienceSource:
    """The song source of the broadcast-groups endpoint: spins per radio, one row per window."""
    return next(source for source in audience_sources(EntityKind.SONG) if source.endpoint is Endpoint.SONG_AIRPLAY)


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
    platform = airplay_source().platform
    return [
        {
            "song_uuid": song_uuid,
            "platform": platform,
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


Pair = tuple[str, str]
"""A series: (entity uuid, source name)."""


class LastFetch(NamedTuple):
    """A series' last fetch: when, the last crawl it saw (``related.lastCrawlDate``), the cadence (hours) and
    the answer's status (``ok``, or a free ``not_found``...). A named tuple: the steps' due reads make one per
    stored series, and a frozen dataclass cost them half again as long."""

    fetched_at: datetime
    last_crawl_at: datetime | None
    cadence_hours: float | None
    status: str


def _last_fetches(
    conn: sa.Connection, kind: str, uuids: Sequence[str], platforms: Sequence[str], since: datetime | None = None
) -> dict[Pair, LastFetch]:
    """The recorded last fetch of each (uuid, platform) pair (those fetched at ``since`` or later), read in
    chunks of uuids."""
    f = audience_fetches.c
    found: dict[Pair, LastFetch] = {}
    recent = [f.fetched_at >= since] if since is not None else []
    for part in chunks(uuids):
        stmt = sa.select(f.entity_uuid, f.platform, f.fetched_at, f.last_crawl_at, f.cadence_hours, f.status).where(
            f.entity == kind, f.entity_uuid.in_(part), f.platform.in_(platforms), *recent
        )
        for uuid, platform, *fetch in conn.execute(stmt):
            found[(uuid, platform)] = LastFetch(*fetch)
    return found


def _fresh_rule(max_age: timedelta | RefreshPolicy, now: datetime) -> Callable[[str, LastFetch], bool]:
    """Whether a series of a platform, fetched as given, is not due: fetched within ``max_age`` whatever the
    outcome, or, with a :class:`RefreshPolicy`, its next crawl cannot have happened yet (``due.py``)."""
    if isinstance(max_age, RefreshPolicy):
        policy, oldest = max_age, now - max_age.longest
        return lambda platform, fetch: (
            fetch.fetched_at > oldest
            and not policy.is_due(platform, now, fetch.fetched_at, fetch.last_crawl_at, fetch.cadence_hours)
        )
    since = now - max_age
    return lambda _platform, fetch: fetch.fetched_at >= since


def due_among(
    fetches: Mapping[Pair, LastFetch],
    uuids: Iterable[str],
    platforms: Iterable[str],
    max_age: timedelta | RefreshPolicy,
    now: datetime,
) -> list[Pair]:
    """(uuid, platform) pairs to fetch, given their last ``fetches`` (a pair with none was never fetched): the
    one due rule, for the steps' reads (:func:`due_audience`) and for an estimate that read a fleet's once."""
    wanted_platforms, fresh = unique(platforms), _fresh_rule(max_age, now)
    return [
        (uuid, platform)
        for uuid in unique(uuids)
        for platform in wanted_platforms
        if (fetch := fetches.get((uuid, platform))) is None or not fresh(platform, fetch)
    ]


def due_audience(
    conn: sa.Connection,
    entity: str,
    uuids: Iterable[str],
    platforms: Iterable[str],
    max_age: timedelta | RefreshPolicy,
    now: datetime,
) -> list[Pair]:
    """(uuid, platform) pairs to fetch: never fetched, or fetched longer than ``max_age`` ago whatever the
    outcome; with a :class:`RefreshPolicy`, those whose next crawl can have happened (``due.py``). Only the
    fetches recent enough to matter are read."""
    kind = EntityKind.parse(entity, "entity").value
    wanted, wanted_platforms = unique(uuids), unique(platforms)
    since = now - (max_age.longest if isinstance(max_age, RefreshPolicy) else max_age)
    recent = _last_fetches(conn, kind, wanted, wanted_platforms, since)
    return due_among(recent, wanted, wanted_platforms, max_age, now)


def _record_fetch(
    conn: sa.Connection,
    entity: str,
    uuid: str,
    platform: str,
    status: str,
    fetched_at: datetime,
    points: int,
    last_crawl_at: datetime | None = None,
    cadence: float | None = None,
) -> None:
    row = {
        "entity": EntityKind.parse(entity, "entity").value,
        "entity_uuid": uuid,
        "platform": platform,
        "fetched_at": fetched_at,
        "status": FetchStatus.parse(status, "audience fetch status").value,
        "points": points,
        "last_crawl_at": last_crawl_at,
        "cadence_hours": cadence,
    }
    upsert(conn, audience_fetches, [row])


CADENCE_SAMPLE = 15
"""Stored days the cadence is the median gap of: recent enough to follow a change, enough to outvote a miss."""


def _stored_cadence(conn: sa.Connection, table: sa.Table, uuid: str, platform: str, metric: str | None) -> float | None:
    """The median gap between the series' last stored days (one small indexed read per written series)."""
    c = table.c
    if table is track_audience:
        where = [c.song_uuid == uuid, c.platform == platform]
    else:
        where = [c.artist_uuid == uuid, c.platform == platform, *([c.metric == metric] if metric else [])]
    stmt = sa.select(c.date).where(*where).distinct().order_by(c.date.desc()).limit(CADENCE_SAMPLE)
    return cadence_hours(list(conn.execute(stmt).scalars()))


@dataclass(frozen=True)
class StoredSeries:
    """What is stored of one series: its last day and, for a song, its platform ids (one plot each)."""

    last_day: date
    identifiers: int
    identifier: str | None = None


ANALYZE_AFTER_SHARE = 0.1
"""A step that wrote at least this share of the rows PostgreSQL's planner believes its audience table holds has
the table's statistics refreshed (``refresh_audience_statistics``); autovacuum's own default is the same 10 %."""


class AudienceStore(Store):
    """Audience points, the outcome of every series fetch, and which series need fetching again."""

    def refresh_audience_statistics(self, entity: EntityKind, rows_written: int) -> bool:
        """On PostgreSQL, ``ANALYZE`` the entity's audience table after a step wrote a tenth of it or more.

        Why: the insight steps read these tables right after the audience steps fill them, and a planner that
        still believes a table new and empty joins the fleet's 680,000 artist points in nested loops: growth's
        read of 100 charts took 17.7 s, and 7.1 s once analyzed (docs/benchmarks.md, seventh session).
        Autovacuum analyzes on its own only once a minute at best, and not at all where it is turned off (this
        project's test machine). ``ANALYZE`` samples 30,000 rows, a second at most whatever the table's size.
        True when it ran; SQLite's planner keeps no such statistics unless asked, and is left as it is.
        """
        if self.dialect != "postgresql" or rows_written <= 0:
            return False
        table = track_audience if entity is EntityKind.SONG else artist_audience

        def analyze(conn: sa.Connection) -> bool:
            believed = conn.execute(
                sa.text("SELECT reltuples FROM pg_class WHERE oid = CAST(:name AS regclass)"), {"name": table.name}
            ).scalar_one()
            if believed >= 0 and rows_written < ANALYZE_AFTER_SHARE * believed:  # -1: never analyzed
                return False
            conn.execute(sa.text(f"ANALYZE {table.name}"))
            return True

        return self._write(analyze)

    def due_audience(
        self,
        entity: str,
        uuids: Iterable[str],
        platforms: Iterable[str],
        max_age: timedelta | RefreshPolicy,
        now: datetime,
    ) -> list[tuple[str, str]]:
        with self._read() as conn:
            return due_audience(conn, entity, uuids, platforms, max_age, now)

    def stored_series(
        self, entity: str, uuids: Iterable[str], platforms: Iterable[str], metric: str | None = None
    ) -> dict[tuple[str, str], StoredSeries]:
        """Per (uuid, platform) with stored points: the last day and the song's platform ids; one grouped
        query per chunk of uuids (artists: of one ``metric`` when given)."""
        wanted, wanted_platforms = unique(uuids), unique(platforms)
        found: dict[tuple[str, str], StoredSeries] = {}
        song = EntityKind.parse(entity, "entity") is EntityKind.SONG
        with self._read() as conn:
            for part in chunks(wanted):
                if song:
                    t = track_audience.c
                    ids = sa.func.count(sa.distinct(t.identifier))
                    stmt = (
                        sa.select(t.song_uuid, t.platform, sa.func.max(t.date), ids, sa.func.max(t.identifier))
                        .where(t.song_uuid.in_(part), t.platform.in_(wanted_platforms))
                        .group_by(t.song_uuid, t.platform)
                    )
                else:
                    a = artist_audience.c
                    stmt = (
                        sa.select(a.artist_uuid, a.platform, sa.func.max(a.date), sa.literal(1), sa.literal(None))
                        .where(a.artist_uuid.in_(part), a.platform.in_(wanted_platforms))
                        .group_by(a.artist_uuid, a.platform)
                    )
                    if metric is not None:
                        stmt = stmt.where(a.metric == metric)
                for uuid, platform, last_day, identifiers, identifier in conn.execute(stmt):
                    single = identifier if identifiers == 1 else None
                    found[(uuid, platform)] = StoredSeries(last_day, int(identifiers), single)
        return found

    def stored_sources(
        self, uuids: Iterable[str], sources: Iterable[AudienceSource]
    ) -> dict[tuple[str, str], StoredSeries]:
        """Per (uuid, source name) with stored points: :meth:`stored_series` of the series each source lands in
        (its platform and, for artists, its metric); one grouped query per kind and metric."""
        wanted = unique(uuids)
        groups: dict[tuple[str, str | None], dict[str, str]] = {}
        for source in sources:
            metric = source.metric if source.entity == EntityKind.ARTIST else None
            groups.setdefault((source.entity, metric), {})[source.platform] = source.name
        found: dict[tuple[str, str], StoredSeries] = {}
        for (entity, metric), names in groups.items():
            for (uuid, platform), series in self.stored_series(entity, wanted, names, metric).items():
                found[(uuid, names[platform])] = series
        return found

    def fetch_outcomes(self) -> dict[tuple[str, str], tuple[int, int]]:
        """Per (entity, source): the series whose last answer cost nothing (404, 403), and all those fetched.
        The cost model's share of first fetches that will not be billed; one grouped query."""
        f = audience_fetches.c
        free = sa.func.sum(sa.case((f.status.in_(FREE_STATUSES), 1), else_=0))
        stmt = sa.select(f.entity, f.platform, free, sa.func.count()).group_by(f.entity, f.platform)
        with self._read() as conn:
            return {(entity, source): (int(n_free or 0), int(n)) for entity, source, n_free, n in conn.execute(stmt)}

    def fetch_records(
        self, entity: str, uuids: Iterable[str], sources: Iterable[str]
    ) -> dict[tuple[str, str], tuple[str, float | None]]:
        """Each series' last fetch status and recorded cadence (hours)."""
        return {
            pair: (fetch.status, fetch.cadence_hours)
            for pair, fetch in self.last_fetches(entity, uuids, sources).items()
        }

    def last_fetches(self, entity: str, uuids: Iterable[str], sources: Iterable[str]) -> dict[Pair, LastFetch]:
        """Each series' last fetch: when, the last crawl it saw, the cadence and the status; one query per chunk
        of uuids."""
        kind = EntityKind.parse(entity, "entity").value
        with self._read() as conn:
            return _last_fetches(conn, kind, unique(uuids), unique(sources))

    def write_series(
        self,
        source: AudienceSource,
        uuid: str,
        points: Sequence[Point],
        fetched_at: datetime,
        status: str = "ok",
        last_crawl_at: datetime | None = None,
    ) -> int:
        """A source's points, stored under its platform (and metric), the fetch recorded under its name.

        ``last_crawl_at`` is the answer's ``related.lastCrawlDate``: with the cadence of the stored series the
        source lands in, it says when the series is next due."""
        if source.entity == EntityKind.SONG:
            songs = cast(Sequence[SongAudiencePoint], points)
            rows, table, metric = track_audience_rows(uuid, source.platform, songs, fetched_at), track_audience, None
        else:
            artists = cast(Sequence[ArtistAudiencePoint], points)
            rows, table = artist_audience_rows(uuid, source.platform, artists, fetched_at), artist_audience
            metric = source.metric
        return self._write_points(
            table,
            rows,
            source.entity,
            uuid,
            source.name,
            status,
            fetched_at,
            last_crawl_at=last_crawl_at,
            series=(source.platform, metric),
        )

    def write_track_audience(
        self,
        song_uuid: str,
        platform: str,
        points: Sequence[SongAudiencePoint],
        fetched_at: datetime,
        status: str = "ok",
        last_crawl_at: datetime | None = None,
    ) -> int:
        """:meth:`write_series` of the song source named ``platform``."""
        return self.write_series(
            audience_source(EntityKind.SONG, platform), song_uuid, points, fetched_at, status, last_crawl_at
        )

    def write_track_airplay(
        self,
        song_uuid: str,
        day: date,
        counts: Sequence[AirplayCount],
        fetched_at: datetime,
        status: str = "ok",
    ) -> int:
        """One window's plays per radio, dated ``day`` (its last); the radios' names are kept in ``radios`` (a
        NULL keeps the stored one)."""
        radio_list = radio_rows(counts, fetched_at)
        rows = airplay_rows(song_uuid, day, counts, fetched_at)
        return self._write_points(
            track_audience, rows, EntityKind.SONG, song_uuid, airplay_source().name, status, fetched_at, radio_list
        )

    def write_artist_audience(
        self,
        artist_uuid: str,
        platform: str,
        points: Sequence[ArtistAudiencePoint],
        fetched_at: datetime,
        status: str = "ok",
        source: str | None = None,
        last_crawl_at: datetime | None = None,
    ) -> int:
        """:meth:`write_series` of the artist source named ``source``, which defaults to the platform (Spotify
        followers are ``spotify``, Spotify monthly listeners ``spotify_listening``)."""
        row = audience_source(EntityKind.ARTIST, source or platform)
        if row.platform != platform:
            raise ValueError(f"artist source {row.name!r} is stored under platform {row.platform!r}, not {platform!r}")
        return self.write_series(row, artist_uuid, points, fetched_at, status, last_crawl_at)

    def record_audience_outcome(self, entity: str, uuid: str, platform: str, status: str, fetched_at: datetime) -> None:
        """Remember a 404 (``not_found``) or 403 (``not_in_plan``) so it is not asked again until due again."""
        self._write(lambda conn: _record_fetch(conn, entity, uuid, platform, status, fetched_at, 0))

    def audience_coverage(
        self, entity: str, uuids: Iterable[str], platforms: Iterable[str]
    ) -> dict[str, dict[str, int]]:
        """Per platform, how many of ``uuids`` have each fetch status, and how many were never fetched."""
        kind = EntityKind.parse(entity, "entity").value
        wanted, wanted_platforms = unique(uuids), unique(platforms)
        with self._read() as conn:
            fetches = _last_fetches(conn, kind, wanted, wanted_platforms)
        counts = Counter((platform, fetch.status) for (_, platform), fetch in fetches.items())
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
        last_crawl_at: datetime | None = None,
        series: tuple[str, str | None] | None = None,
    ) -> int:
        """Store a series' points and record the fetch, in one transaction: a series is fresh only if stored.

        With a ``last_crawl_at`` the fetch also records the series' cadence (``series``: the stored
        (platform, metric) it lands in, default (``source``, any metric)), so the next due date is known."""

        def work(conn: sa.Connection) -> int:
            if radio_list is not None:
                upsert(conn, radios, radio_list, keep_existing_when_null=("name", "country_code"))
            written = upsert(conn, table, rows)
            cadence = None
            if last_crawl_at is not None:
                platform, metric = series or (source, None)
                cadence = _stored_cadence(conn, table, uuid, platform, metric)
            _record_fetch(conn, entity, uuid, source, status, fetched_at, written, last_crawl_at, cadence)
            return written

        return self._write(work)

"""Charts in the warehouse: the registry of followed charts, their ranking editions, and checks on an edition.

An edition is one ``(chart_slug, ranking_date)``; methods that take ``ranking_date=None`` read the latest one.
``latest_ranking_date`` and ``ranking_dates`` are also module functions because ``loaders.py`` and the
warehouse summary need them on a connection they already hold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from soundcharts_assets.clock import utc_now
from soundcharts_assets.soundcharts.models import Chart, ChartRanking
from soundcharts_assets.vocabulary import EntityKind, FetchStatus, SyncSchedule
from soundcharts_assets.warehouse.errors import WarehouseError
from soundcharts_assets.warehouse.schema import artists, chart_rankings, charts, track_artists, tracks
from soundcharts_assets.warehouse.store import Store
from soundcharts_assets.warehouse.upserts import chunks, unique, upsert

Row = dict[str, Any]
_CHART_UPDATES = (
    "name",
    "platform",
    "frequency",
    "country_code",
    "chart_type",
    "max_results",
    "metric_type",
    "web_url",
    "updated_at",
)
_r, _ta = chart_rankings.c, track_artists.c
ENTERING_STATES = ("NEW", "RE_ENTRY")
"""``entryState`` values of a song entering a chart (the API's values are not documented; these are the
ones seen)."""


@dataclass(frozen=True)
class ChartRow:
    """A chart in the registry, as stored."""

    slug: str
    name: str | None
    platform: str | None
    frequency: str | None
    country_code: str | None
    sync_schedule: str
    chart_type: str | None
    max_results: int | None
    metric_type: str | None
    web_url: str | None
    registered_at: datetime
    updated_at: datetime


def chart_row(chart: Chart, now: datetime) -> Row:
    return {
        "slug": chart.slug,
        "name": chart.name,
        "platform": chart.platform,
        "frequency": chart.frequency,
        "country_code": chart.country_code,
        "chart_type": chart.type,
        "max_results": chart.max_results,
        "metric_type": chart.metric_type,
        "web_url": chart.web_url,
        "registered_at": now,
        "updated_at": now,
    }


def ranking_rows(ranking: ChartRanking, fetched_at: datetime) -> list[Row]:
    return [
        {
            "chart_slug": ranking.chart.slug,
            "ranking_date": ranking.date,
            "position": entry.position,
            "song_uuid": entry.song.uuid,
            "song_name": entry.song.name,
            "song_credit_name": entry.song.credit_name,
            "old_position": entry.old_position,
            "position_evolution": entry.position_evolution,
            "time_on_chart": entry.time_on_chart,
            "time_on_chart_unit": entry.time_on_chart_unit,
            "entry_date": entry.entry_date,
            "entry_state": entry.entry_state,
            "metric": entry.metric,
            "fetched_at": fetched_at,
        }
        for entry in ranking.entries
    ]


def _schedule(raw: str) -> str:
    """``raw`` if it names a schedule, else a ``WarehouseError``: a schedule comes from a user, not a bug."""
    try:
        return str(SyncSchedule.parse(raw, "sync schedule").value)
    except ValueError as exc:
        raise WarehouseError(str(exc)) from None


def ranking_dates(conn: sa.Connection, slug: str, limit: int | None = None) -> list[datetime]:
    """Stored editions of a chart, newest first (the ``limit`` newest: the index stops there, not at a year)."""
    stmt = sa.select(_r.ranking_date).where(_r.chart_slug == slug).distinct().order_by(_r.ranking_date.desc())
    return list(conn.scalars(stmt if limit is None else stmt.limit(limit)))


def latest_ranking_date(conn: sa.Connection, slug: str) -> datetime | None:
    stmt = sa.select(_r.ranking_date).where(_r.chart_slug == slug).order_by(_r.ranking_date.desc()).limit(1)
    return conn.execute(stmt).scalar()


def _edition(conn: sa.Connection, slug: str, ranking_date: datetime | None) -> sa.ColumnElement[bool] | None:
    """The rows of an edition (the latest when ``ranking_date`` is None), or None when there is none."""
    when = latest_ranking_date(conn, slug) if ranking_date is None else ranking_date
    return None if when is None else sa.and_(_r.chart_slug == slug, _r.ranking_date == when)


_EditionQuery = Callable[[sa.ColumnElement[bool]], sa.Select[Any]]
"""Builds a query over one edition's rows, given the condition that selects them."""


def _by_position(
    column: sa.ColumnElement[Any],
    edition: sa.ColumnElement[bool],
    *where: sa.ColumnElement[bool],
    select_from: sa.FromClause = chart_rankings,
) -> sa.Select[Any]:
    return sa.select(column).select_from(select_from).where(edition, *where).order_by(_r.position)


def _edition_artists(edition: sa.ColumnElement[bool]) -> sa.Select[Any]:
    """Artists credited on an edition's songs, in chart order then credit order."""
    return (
        sa.select(_ta.artist_uuid)
        .select_from(chart_rankings.join(track_artists, _ta.song_uuid == _r.song_uuid))
        .where(edition)
        .order_by(_r.position, _ta.position, _ta.artist_uuid)
    )


def _upsert_chart(conn: sa.Connection, chart: Chart, schedule: str | None, now: datetime) -> None:
    """Register or refresh a chart; ``schedule=None`` keeps what a user chose earlier."""
    row = chart_row(chart, now) | {"sync_schedule": schedule or SyncSchedule.NONE.value}
    update = _CHART_UPDATES + (("sync_schedule",) if schedule is not None else ())
    upsert(conn, charts, [row], update=update)


class ChartStore(Store):
    """The chart registry, ranking editions and the checks the Dagster asset checks run on an edition."""

    # -- registry -------------------------------------------------------------------------------------------

    def upsert_chart(self, chart: Chart, sync_schedule: str | None = None) -> None:
        schedule = None if sync_schedule is None else _schedule(sync_schedule)
        self._write(lambda conn: _upsert_chart(conn, chart, schedule, utc_now()))

    def register_chart(self, slug: str, sync_schedule: str = "none") -> None:
        """Add a chart by slug alone (name and platform arrive with its first ranking) or set its schedule."""
        now = utc_now()
        row = {"slug": slug, "sync_schedule": _schedule(sync_schedule), "registered_at": now, "updated_at": now}
        self._write(lambda conn: upsert(conn, charts, [row], update=("sync_schedule", "updated_at")))

    def set_sync_schedule(self, slug: str, schedule: str) -> None:
        values = {"sync_schedule": _schedule(schedule), "updated_at": utc_now()}
        stmt = charts.update().where(charts.c.slug == slug).values(**values)
        if self._write(lambda conn: conn.execute(stmt).rowcount) == 0:
            raise WarehouseError(f"chart {slug!r} is not registered; add it before setting its schedule")

    def get_chart(self, slug: str) -> ChartRow | None:
        with self._read() as conn:
            row = conn.execute(sa.select(charts).where(charts.c.slug == slug)).mappings().first()
        return ChartRow(**row) if row else None

    def list_charts(self, sync_schedule: str | None = None) -> list[ChartRow]:
        stmt = sa.select(charts).order_by(charts.c.slug)
        if sync_schedule is not None:
            stmt = stmt.where(charts.c.sync_schedule == _schedule(sync_schedule))
        with self._read() as conn:
            return [ChartRow(**row) for row in conn.execute(stmt).mappings()]

    def remove_chart(self, slug: str) -> bool:
        """Drop the registry row only; stored rankings stay as history."""
        return self._write(lambda conn: bool(conn.execute(charts.delete().where(charts.c.slug == slug)).rowcount))

    # -- rankings -------------------------------------------------------------------------------------------

    def write_ranking(self, ranking: ChartRanking, fetched_at: datetime | None = None) -> int:
        """Store one edition; positions the edition no longer has (a re-fetch came back shorter) are deleted."""
        when = fetched_at or utc_now()

        def work(conn: sa.Connection) -> int:
            _upsert_chart(conn, ranking.chart, None, when)
            written = upsert(conn, chart_rankings, ranking_rows(ranking, when))
            edition = sa.and_(_r.chart_slug == ranking.chart.slug, _r.ranking_date == ranking.date)
            kept = {entry.position for entry in ranking.entries}
            stored = conn.scalars(sa.select(_r.position).where(edition))
            for part in chunks(sorted(set(stored) - kept)):
                conn.execute(chart_rankings.delete().where(edition, _r.position.in_(part)))
            return written

        return self._write(work)

    def ranking_dates(self, slug: str, limit: int | None = None) -> list[datetime]:
        with self._read() as conn:
            return ranking_dates(conn, slug, limit)

    def latest_ranking_date(self, slug: str) -> datetime | None:
        with self._read() as conn:
            return latest_ranking_date(conn, slug)

    def ranking_song_uuids(self, slug: str, ranking_date: datetime | None = None) -> list[str]:
        """The edition's songs by position (the latest edition when ``ranking_date`` is None)."""
        return self._edition_values(slug, ranking_date, lambda edition: _by_position(_r.song_uuid, edition))

    def ranking_positions(self, slug: str, ranking_date: datetime | None = None) -> list[int]:
        return self._edition_values(slug, ranking_date, lambda edition: _by_position(_r.position, edition))

    def delete_ranking_position(self, slug: str, position: int, ranking_date: datetime | None = None) -> bool:
        """Remove one stored position: a manual data fix, and how tests break an edition on purpose."""

        def work(conn: sa.Connection) -> bool:
            edition = _edition(conn, slug, ranking_date)
            if edition is None:
                return False
            return bool(conn.execute(chart_rankings.delete().where(edition, _r.position == position)).rowcount)

        return self._write(work)

    def chart_artist_uuids(self, slug: str, ranking_date: datetime | None = None) -> list[str]:
        """Artists credited on the edition's songs, in chart order then credit order."""
        return self._edition_values(slug, ranking_date, _edition_artists)

    def left_recently(self, slug: str, entity: str, days: int) -> dict[str, date]:
        """Songs (``entity='song'``) or their credited artists that an edition of the ``days`` before the latest
        ranked and the latest does not, each with the date of the last edition that ranked it: the last day
        its series must reach to hold every day the chart ranked it. One grouped query."""
        song = EntityKind.parse(entity, "entity") is EntityKind.SONG
        column = _r.song_uuid if song else _ta.artist_uuid
        ranked = chart_rankings if song else chart_rankings.join(track_artists, _ta.song_uuid == _r.song_uuid)
        with self._read() as conn:
            latest = latest_ranking_date(conn, slug)
            if latest is None:
                return {}
            current = sa.select(column).select_from(ranked).where(_r.chart_slug == slug, _r.ranking_date == latest)
            stmt = (
                sa.select(column, sa.func.max(_r.ranking_date))
                .select_from(ranked)
                .where(
                    _r.chart_slug == slug,
                    _r.ranking_date >= latest - timedelta(days=days),
                    _r.ranking_date < latest,
                    column.not_in(current),
                )
                .group_by(column)
            )
            return {uuid: when.date() for uuid, when in conn.execute(stmt)}

    def entering_song_uuids(self, slug: str) -> set[str]:
        """Songs the latest edition marks as entering the chart (``entryState`` NEW or RE_ENTRY)."""
        with self._read() as conn:
            edition = _edition(conn, slug, None)
            if edition is None:
                return set()
            stmt = sa.select(_r.song_uuid).where(edition, sa.func.upper(_r.entry_state).in_(ENTERING_STATES))
            return set(conn.scalars(stmt))

    # -- checks on an edition -------------------------------------------------------------------------------

    def songs_without_metadata(self, slug: str, ranking_date: datetime | None = None) -> list[str]:
        """Ranked songs with no metadata stored: never fetched, or answered 404."""
        fetched = sa.and_(tracks.c.song_uuid == _r.song_uuid, tracks.c.status == FetchStatus.OK.value)
        ranked = chart_rankings.outerjoin(tracks, fetched)
        return self._edition_values(
            slug,
            ranking_date,
            lambda edition: _by_position(_r.song_uuid, edition, tracks.c.song_uuid.is_(None), select_from=ranked),
        )

    def songs_not_found(self, slug: str, ranking_date: datetime | None = None) -> list[str]:
        """Ranked songs the API answered 404 for: known gaps, unlike songs never fetched."""
        ranked = chart_rankings.join(tracks, tracks.c.song_uuid == _r.song_uuid)
        not_found = tracks.c.status == FetchStatus.NOT_FOUND.value
        return self._edition_values(
            slug, ranking_date, lambda edition: _by_position(_r.song_uuid, edition, not_found, select_from=ranked)
        )

    def artists_without_metadata(self, slug: str, ranking_date: datetime | None = None) -> list[str]:
        fetched = sa.select(artists.c.artist_uuid).where(artists.c.status == FetchStatus.OK.value)
        return self._edition_values(
            slug, ranking_date, lambda edition: _edition_artists(edition).where(_ta.artist_uuid.not_in(fetched))
        )

    def artists_not_found(self, slug: str, ranking_date: datetime | None = None) -> list[str]:
        missing = sa.select(artists.c.artist_uuid).where(artists.c.status == FetchStatus.NOT_FOUND.value)
        return self._edition_values(
            slug, ranking_date, lambda edition: _edition_artists(edition).where(_ta.artist_uuid.in_(missing))
        )

    def _edition_values(self, slug: str, ranking_date: datetime | None, select: _EditionQuery) -> list[Any]:
        """The distinct values of ``select(edition)`` in its order; empty when the chart has no edition."""
        with self._read() as conn:
            edition = _edition(conn, slug, ranking_date)
            return [] if edition is None else unique(conn.scalars(select(edition)))

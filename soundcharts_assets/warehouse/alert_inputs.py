"""What event computation reads (``alerts/``): recent editions, credits, recent audience points, latest editions.

A handful of queries per chart, none of them per song or per point, so computing the events of a fleet run
costs seconds and no API call (docs/benchmarks.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from soundcharts_assets.vocabulary import FetchStatus
from soundcharts_assets.warehouse.schema import (
    artist_audience,
    artists,
    chart_rankings,
    track_artists,
    track_audience,
    tracks,
)
from soundcharts_assets.warehouse.store import Store
from soundcharts_assets.warehouse.upserts import chunks, unique
from soundcharts_assets.warehouse.watchlists import StoredArtist
from soundcharts_assets.warehouse.windows import on_or_after

_r = chart_rankings.c
Points = list[tuple[date, int]]


@dataclass(frozen=True)
class RankedSong:
    """One row of a stored edition, with the API's own view of the song's previous position."""

    ranking_date: datetime
    position: int
    song_uuid: str
    song_name: str | None
    credit_name: str | None
    old_position: int | None
    entry_state: str | None
    entry_date: datetime | None
    """The API's first day of the song on this chart: a peak is known only when history is stored since then."""


@dataclass(frozen=True)
class SongCredits:
    """Who and what a song belongs to, as far as the warehouse knows (nothing before its metadata arrives)."""

    song_uuid: str
    name: str | None
    credit_name: str | None
    artists: tuple[StoredArtist, ...]
    labels: tuple[str, ...]


class AlertInputStore(Store):
    """Reads for event computation; nothing here writes."""

    def editions_since(self, slug: str, since: datetime) -> list[RankedSong]:
        """The rows of every stored edition dated ``since`` or later, and of the one edition before them (what
        the first of them is compared with), by date then position."""
        with self._read() as conn:
            before = conn.execute(
                sa.select(sa.func.max(_r.ranking_date)).where(_r.chart_slug == slug, _r.ranking_date < since)
            ).scalar()
            stmt = (
                sa.select(
                    _r.ranking_date,
                    _r.position,
                    _r.song_uuid,
                    _r.song_name,
                    _r.song_credit_name,
                    _r.old_position,
                    _r.entry_state,
                    _r.entry_date,
                )
                .where(_r.chart_slug == slug, _r.ranking_date >= (before or since))
                .order_by(_r.ranking_date, _r.position)
            )
            return [RankedSong(*row) for row in conn.execute(stmt)]

    def first_edition(self, slug: str) -> datetime | None:
        """The oldest stored edition of a chart: where its stored history starts."""
        with self._read() as conn:
            return conn.execute(sa.select(sa.func.min(_r.ranking_date)).where(_r.chart_slug == slug)).scalar()

    def best_positions_before(self, slug: str, before: datetime) -> dict[str, int]:
        """Each song's best stored position on the chart in editions older than ``before`` (its peak so far)."""
        stmt = (
            sa.select(_r.song_uuid, sa.func.min(_r.position))
            .where(_r.chart_slug == slug, _r.ranking_date < before)
            .group_by(_r.song_uuid)
        )
        with self._read() as conn:
            return {uuid: int(best) for uuid, best in conn.execute(stmt)}

    def song_credits(self, song_uuids: Iterable[str]) -> dict[str, SongCredits]:
        """Names, credited artists (linked ones, with their stored slug and name) and label names per song."""
        t, ta, a = tracks.c, track_artists.c, artists.c
        uuids = unique(song_uuids)
        found: dict[str, SongCredits] = {}
        with self._read() as conn:
            for part in chunks(uuids):
                credits: dict[str, list[StoredArtist]] = {}
                linked = (
                    sa.select(ta.song_uuid, ta.artist_uuid, a.slug, a.name)
                    .select_from(track_artists.outerjoin(artists, a.artist_uuid == ta.artist_uuid))
                    .where(ta.song_uuid.in_(part))
                    .order_by(ta.song_uuid, ta.position, ta.artist_uuid)
                )
                for song, uuid, slug, name in conn.execute(linked):
                    credits.setdefault(song, []).append(StoredArtist(uuid, slug, name))
                stored = sa.select(t.song_uuid, t.name, t.credit_name, t.labels).where(
                    t.song_uuid.in_(part), t.status == FetchStatus.OK.value
                )
                for song, name, credit, labels in conn.execute(stored):
                    names = tuple(str(label["name"]) for label in json.loads(labels or "[]") if label.get("name"))
                    found[song] = SongCredits(song, name, credit, tuple(credits.get(song, ())), names)
        return found

    def artist_series(self, uuids: Iterable[str], since: date) -> dict[tuple[str, str, str], Points]:
        """Stored points from ``since`` on, per (artist, platform, metric), oldest first."""
        a = artist_audience.c
        series: dict[tuple[str, str, str], Points] = {}
        with self._read() as conn:
            for part in chunks(unique(uuids)):
                stmt = (
                    sa.select(a.artist_uuid, a.platform, a.metric, a.date, a.value)
                    .where(a.artist_uuid.in_(part), on_or_after(conn, a.date, since), a.value.is_not(None))
                    .order_by(a.artist_uuid, a.platform, a.metric, a.date)
                )
                for uuid, platform, metric, day, value in conn.execute(stmt):
                    series.setdefault((uuid, platform, metric), []).append((day, int(value)))
        return series

    def track_series(
        self, uuids: Iterable[str], since: date, platforms: Iterable[str]
    ) -> dict[tuple[str, str], Points]:
        """Stored points from ``since`` on, per (song, platform), summed over the song's ids on the platform."""
        t = track_audience.c
        platforms = list(platforms)
        series: dict[tuple[str, str], Points] = {}
        with self._read() as conn:
            for part in chunks(unique(uuids)):
                stmt = (
                    sa.select(t.song_uuid, t.platform, t.date, sa.func.sum(t.value))
                    .where(t.song_uuid.in_(part), t.platform.in_(platforms), on_or_after(conn, t.date, since))
                    .where(t.value.is_not(None))
                    .group_by(t.song_uuid, t.platform, t.date)
                    .order_by(t.song_uuid, t.platform, t.date)
                )
                for uuid, platform, day, value in conn.execute(stmt):
                    series.setdefault((uuid, platform), []).append((day, int(value)))
        return series

    def latest_editions(self) -> dict[str, datetime]:
        """The newest stored edition of every chart that has one: two index seeks per chart (a skip scan
        over the primary key), where a GROUP BY read all of a year's rankings (5.8 million rows at 100 charts)."""
        with self._read() as conn:
            return {slug: when for slug, when in conn.execute(_latest_per_chart()) if slug is not None}


def _latest_per_chart() -> sa.Select[Any]:
    """Each chart's newest edition: the next slug after the last one found, then its largest date, by index."""
    inner = chart_rankings.alias("inner")
    first = sa.select(sa.func.min(_r.chart_slug).label("slug"))
    slugs = first.cte("slugs", recursive=True)
    after = sa.select(sa.func.min(inner.c.chart_slug)).where(inner.c.chart_slug > slugs.c.slug).scalar_subquery()
    slugs = slugs.union_all(sa.select(after).where(slugs.c.slug.is_not(None)))
    newest = sa.select(sa.func.max(_r.ranking_date)).where(_r.chart_slug == slugs.c.slug).scalar_subquery()
    return sa.select(slugs.c.slug, newest.label("latest")).where(slugs.c.slug.is_not(None))

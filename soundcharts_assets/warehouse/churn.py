"""What a chart's stored editions say about the next ones: the songs each edition brings in, and how many of
them the warehouse did not hold yet. The cost model (``cascade/cost.py``) prices a refresh from them before
the new edition is fetched: a song new to the warehouse costs its metadata and its first audience fetches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from soundcharts_assets.warehouse.charts import ENTERING_STATES, ranking_dates
from soundcharts_assets.warehouse.schema import chart_rankings
from soundcharts_assets.warehouse.store import Store
from soundcharts_assets.warehouse.upserts import chunks

_r = chart_rankings.c
SAME_RUN = timedelta(hours=1)
"""Rankings fetched this close to an edition came with the same run: a song they first brought was new then."""


@dataclass(frozen=True)
class Entrants:
    """The songs a chart's latest stored edition brought in, and what its editions look like."""

    latest: date
    period_days: int | None
    """Days between the latest edition and the one it is compared with (None with one edition)."""
    songs: frozenset[str]
    """Songs of the latest edition that the one compared with did not rank (with one edition: those its
    ``entryState`` marks NEW or RE_ENTRY)."""
    new_to_warehouse: frozenset[str] | None
    """Of those, the songs no ranking stored before the latest edition's run held (None with one edition:
    nothing says what the warehouse held then)."""
    edition: frozenset[str]
    """Every song of the latest edition."""


class ChurnStore(Store):
    def entrants(self, slug: str, span_days: int = 1) -> Entrants | None:
        """:class:`Entrants` of ``slug``'s latest edition against the stored edition closest to ``span_days``
        before it (at least the one before); None when no edition is stored. A handful of queries."""
        with self._read() as conn:
            dates = ranking_dates(conn, slug)
            if not dates:
                return None
            latest = frozenset(_edition_songs(conn, slug, dates[0]))
            if len(dates) == 1:
                entering = sa.func.upper(_r.entry_state).in_(ENTERING_STATES)
                stmt = sa.select(_r.song_uuid).where(_r.chart_slug == slug, _r.ranking_date == dates[0], entering)
                return Entrants(dates[0].date(), None, frozenset(conn.scalars(stmt)), None, latest)
            target = dates[0] - timedelta(days=span_days)
            before = min(dates[1:], key=lambda when: (abs(when - target), -when.timestamp()))
            songs = latest - frozenset(_edition_songs(conn, slug, before))
            fetched = conn.execute(
                sa.select(sa.func.min(_r.fetched_at)).where(_r.chart_slug == slug, _r.ranking_date == dates[0])
            ).scalar_one()
            held: set[str] = set()
            for part in chunks(sorted(songs)):
                stored = sa.select(_r.song_uuid).where(_r.song_uuid.in_(part), _r.fetched_at < fetched - SAME_RUN)
                held.update(conn.scalars(stored.distinct()))
            return Entrants(dates[0].date(), (dates[0].date() - before.date()).days, songs, songs - held, latest)


def _edition_songs(conn: sa.Connection, slug: str, when: datetime) -> list[str]:
    stmt = sa.select(_r.song_uuid).where(_r.chart_slug == slug, _r.ranking_date == when)
    return list(conn.scalars(stmt))

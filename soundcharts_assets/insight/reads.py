"""What insight reads from the warehouse: the one module of ``insight/`` that does, through the loaders.

The loaders' frames in, the pure computations' frames out. The Dagster assets, the HTML report and notebooks
share these functions (and ``selections.py`` cuts the same pictures and tables from them), so "movers of
global-28" means the same thing everywhere. Nothing is stored: every result is a few milliseconds of pandas
over rows the cascade already keeps, and computing on read means a late track name or audience point shows
up at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd

from soundcharts_assets.insight.errors import ChartNotFollowedError, ChartNotStoredError
from soundcharts_assets.insight.growth import GROWTH_METRICS, artist_growth
from soundcharts_assets.insight.momentum import track_momentum
from soundcharts_assets.insight.movers import chart_movers, split_editions
from soundcharts_assets.warehouse import Warehouse, loaders
from soundcharts_assets.warehouse.alerts import AlertEvent

#: Audience read before the newest edition: the 28-day window, the gap tolerance, and room for audience
#: fetched weeks after the ranking. Older points cannot change a result and are not read.
AUDIENCE_READ_DAYS = 60


@dataclass(frozen=True)
class StoredChart:
    """What the warehouse knows of a chart: enough to title a report and date its movers."""

    slug: str
    name: str
    latest_date: datetime
    previous_date: datetime | None


@dataclass(frozen=True)
class ChartMovers:
    chart: StoredChart
    table: pd.DataFrame


def stored_chart(warehouse: Warehouse, slug: str) -> StoredChart:
    """The chart, or a one-line error saying whether it is unknown or only waiting for its first ranking."""
    dates = warehouse.ranking_dates(slug, limit=2)
    row = warehouse.get_chart(slug)
    if not dates:
        if row is None:
            raise ChartNotFollowedError(
                f"unknown chart {slug!r}: nothing stored; add it with `soundcharts-assets charts add {slug}`"
            )
        raise ChartNotStoredError(
            f"chart {slug!r} has no stored ranking yet: run `soundcharts-assets cascade {slug} --wait`"
        )
    name = (row.name if row is not None else None) or slug
    return StoredChart(slug, name, dates[0], dates[1] if len(dates) > 1 else None)


def movers_for_chart(warehouse: Warehouse, slug: str) -> ChartMovers:
    chart = stored_chart(warehouse, slug)
    previous, latest = split_editions(loaders.load_latest_editions(warehouse, slug, count=2))
    # Only the latest edition's songs can be entries or re-entries: their first editions, one seek each.
    first = loaders.load_first_ranked(warehouse, slug, songs=latest["song_uuid"].tolist())
    table = chart_movers(previous, latest, first)
    return ChartMovers(chart, table)


def growth_for_chart(warehouse: Warehouse, slug: str) -> pd.DataFrame:
    since = _audience_since(stored_chart(warehouse, slug))
    links = loaders.load_edition_artists(warehouse, slug)
    entries = len(warehouse.ranking_positions(slug, None))
    audience = loaders.load_edition_artist_audience(warehouse, slug, since=since, metrics=GROWTH_METRICS)
    return artist_growth(audience, links, entries=entries)


def momentum_for_chart(warehouse: Warehouse, slug: str) -> pd.DataFrame:
    since = _audience_since(stored_chart(warehouse, slug))
    audience = loaders.load_edition_track_audience(warehouse, slug, since=since)
    return track_momentum(audience, loaders.load_chart(warehouse, slug))


def alerts_since(warehouse: Warehouse, slug: str, since: date) -> list[AlertEvent]:
    """The chart's alerts (the ``alerts`` asset's events) dated ``since`` or later, newest first."""
    return warehouse.chart_alert_events(slug, since)


def _audience_since(chart: StoredChart) -> date:
    return (chart.latest_date - timedelta(days=AUDIENCE_READ_DAYS)).date()

"""What insight reads from the warehouse: the one module of ``insight/`` that does, through the loaders.

The loaders' frames in, the pure computations' frames out. The Dagster assets, the HTML report and notebooks
share these functions (and ``selections.py`` cuts the same pictures and tables from them), so "movers of
global-28" means the same thing everywhere. Nothing is stored: every result is a few milliseconds of pandas
over rows the cascade already keeps, and computing on read means a late track name or audience point shows
up at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd

from soundcharts_assets.insight.errors import ChartNotFollowedError, ChartNotStoredError
from soundcharts_assets.insight.growth import GROWTH_METRICS, ChartArtists, artist_growth_by_chart
from soundcharts_assets.insight.momentum import track_momentum_by_chart
from soundcharts_assets.insight.movers import chart_movers, split_editions
from soundcharts_assets.insight.series import LOOKBACK_DAYS
from soundcharts_assets.warehouse import Warehouse, loaders
from soundcharts_assets.warehouse.alerts import AlertEvent

#: Audience read before the newest edition: the 28-day window, the gap tolerance, and room for audience
#: fetched weeks after the ranking. Older points cannot change a result and are not read.
AUDIENCE_READ_DAYS = 60
FLEET_READ_CHARTS = 25
"""Charts whose audience is read and compared at once. A fleet's charts share most of their entities, but all
100 of a fleet in one frame took a step process to 610 MB (the target is 400 MB per process). At 25, a 100-chart
step's reads and comparisons take 7-8 s (momentum) and 5-6 s (growth) of CPU and +150 MB on SQLite, against
15.5 s and 19.8 s chart by chart (docs/benchmarks.md)."""


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
    return chart_frame(growth_by_chart(warehouse, [slug]), slug)


def momentum_for_chart(warehouse: Warehouse, slug: str) -> pd.DataFrame:
    return chart_frame(momentum_by_chart(warehouse, [slug]), slug)


Found = dict[str, pd.DataFrame | ChartNotStoredError]
"""Per chart of a fleet: its frame, or why the warehouse cannot give one (that chart alone fails)."""


def growth_by_chart(warehouse: Warehouse, slugs: Sequence[str]) -> Found:
    """:func:`growth_for_chart` of each chart, their artists' audience read in one query per group of charts:
    a fleet's charts share most of their artists (``FLEET_READ_CHARTS``)."""
    found: Found = {}
    for since, group in _by_window(warehouse, slugs, found):
        charts = {
            slug: ChartArtists(loaders.load_edition_artists(warehouse, slug), len(warehouse.ranking_positions(slug)))
            for slug in group
        }
        audience = loaders.load_edition_artist_audience(
            warehouse, *group, since=since, metrics=GROWTH_METRICS, recent_days=LOOKBACK_DAYS
        )
        found.update(artist_growth_by_chart(audience, charts))
    return {slug: found[slug] for slug in slugs}


def momentum_by_chart(warehouse: Warehouse, slugs: Sequence[str]) -> Found:
    """:func:`momentum_for_chart` of each chart, their songs' audience read in one query per group of charts."""
    found: Found = {}
    for since, group in _by_window(warehouse, slugs, found):
        editions = loaders.load_charts(warehouse, group)
        audience = loaders.load_edition_track_audience(warehouse, *group, since=since, recent_days=LOOKBACK_DAYS)
        found.update(track_momentum_by_chart(audience, editions))
    return {slug: found[slug] for slug in slugs}


def _by_window(warehouse: Warehouse, slugs: Sequence[str], found: Found) -> list[tuple[date, list[str]]]:
    """The stored charts grouped by the first day of audience they read (charts whose latest editions share a
    day share it), ``FLEET_READ_CHARTS`` at most per group; why each other chart has no insight goes into
    ``found``."""
    windows: dict[date, list[str]] = {}
    for slug in slugs:
        try:
            windows.setdefault(_audience_since(stored_chart(warehouse, slug)), []).append(slug)
        except ChartNotStoredError as error:
            found[slug] = error
    return [
        (since, group[start : start + FLEET_READ_CHARTS])
        for since, group in windows.items()
        for start in range(0, len(group), FLEET_READ_CHARTS)
    ]


def chart_frame(found: Found, slug: str) -> pd.DataFrame:
    """One chart's frame of a fleet's, or its own error (a fresh traceback each time: a fleet step's threads
    may raise it for several charts)."""
    value = found[slug]
    if isinstance(value, ChartNotStoredError):
        raise value.with_traceback(None)
    return value


def alerts_since(warehouse: Warehouse, slug: str, since: date) -> list[AlertEvent]:
    """The chart's alerts (the ``alerts`` asset's events) dated ``since`` or later, newest first."""
    return warehouse.chart_alert_events(slug, since)


def _audience_since(chart: StoredChart) -> date:
    return (chart.latest_date - timedelta(days=AUDIENCE_READ_DAYS)).date()

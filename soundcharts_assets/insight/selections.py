"""What a chart's insight shows, one selection per picture and table: its title, its rows, its columns.

The Dagster assets (``defs/insight/assets.py``) and the HTML report (``report.py``) show the same selections,
so a picture or a table has one title and one set of columns wherever it appears; only how many rows fit
differs. Pure: the frames come from ``reads.py``, the pictures are drawn by ``pictures.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from soundcharts_assets.insight.growth import Fastest
from soundcharts_assets.insight.pictures import growth_png, movers_png
from soundcharts_assets.insight.reads import ChartMovers, StoredChart

NO_PREVIOUS_EDITION = "the API's previous edition"
"""What a chart's movers compare with while only one edition is stored (the API's own previous positions)."""


@dataclass(frozen=True)
class Table:
    """A table of a chart's insight: the heading it is shown under, its rows, the columns shown."""

    title: str
    frame: pd.DataFrame
    columns: tuple[str, ...]

    def head(self, rows: int) -> pd.DataFrame:
        """The first ``rows`` rows, in the shown columns."""
        return self.frame.head(rows)[list(self.columns)]


@dataclass(frozen=True)
class Picture:
    """A picture of a chart's insight: its title (drawn in it), its alt text, the file it is written to, the PNG."""

    title: str
    alt: str
    filename: str
    png: bytes


def latest_edition(chart: StoredChart) -> str:
    return chart.latest_date.date().isoformat()


def previous_edition(chart: StoredChart) -> str:
    return chart.previous_date.date().isoformat() if chart.previous_date else NO_PREVIOUS_EDITION


def movers_picture(movers: ChartMovers) -> Picture:
    """The biggest climbs and falls, the entries under the title."""
    chart = movers.chart
    title = f"{chart.name}: movers {previous_edition(chart)} -> {latest_edition(chart)}"
    return Picture(title, "movers", "movers.png", movers_png(movers.table, title))


def movers_table(movers: ChartMovers) -> Table:
    """New entries, re-entries, exits, climbers and fallers between the two newest editions."""
    return Table("Movers", movers.table, ("kind", "position", "previous_position", "move", "name", "artists"))


def growth_picture(fastest: Fastest) -> Picture:
    """7- and 28-day % change of the fastest-growing artists on the headline series (``growth.fastest_growing``)."""
    title = f"Fastest-growing artists ({fastest.label}, 7 and 28 days)"
    return Picture(title, "fastest-growing artists", "growth.png", growth_png(fastest.frame, fastest.label, title))


def fastest_growing_table(fastest: Fastest) -> Table:
    """The artists of the picture, fastest first, with their changes and their share of the chart."""
    columns = (
        "name",
        "platform",
        "metric",
        "value",
        "change_7d",
        "change_7d_pct",
        "change_28d",
        "change_28d_pct",
        "chart_share",
    )
    return Table("Fastest-growing artists", fastest.frame, columns)


def chart_share_table(growth: pd.DataFrame) -> Table:
    """Each artist once, by the share of the chart's entries they are credited on."""
    return Table("Share of the chart", growth.drop_duplicates("artist_uuid"), ("name", "entries", "chart_share"))


MOMENTUM_COLUMNS = ("position", "name", "artists", "value", "change_7d", "change_7d_pct", "change_28d_pct")


def spotify_momentum_table(momentum: pd.DataFrame) -> Table:
    """The chart's tracks by their Spotify streams gained over 7 days."""
    spotify = momentum[momentum["platform"] == "spotify"].sort_values("change_7d", ascending=False)
    return Table("Track momentum: Spotify streams", spotify, MOMENTUM_COLUMNS)


def momentum_table(momentum: pd.DataFrame) -> Table:
    """Every track and platform of the chart, in chart order."""
    columns = ("position", "name", "artists", "platform", "value", "change_7d", "change_7d_pct", "change_28d_pct")
    return Table("Track momentum", momentum, columns)

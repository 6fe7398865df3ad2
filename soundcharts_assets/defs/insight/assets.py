"""Analyst insight per chart: movers, artist growth, track momentum, with pictures in the Dagster UI.

These assets read only the warehouse (no API calls, so no ``pool`` and no retry policy for API trouble) and
store nothing back: results are computed on read by ``insight.reads`` (see that module for why). A
materialization is the published snapshot: the tables and pictures of ``insight.selections`` (the HTML
report's own, with the same titles) as markdown, the picture embedded as a data URI (the UI renders markdown
images) and written under ``SOUNDCHARTS_DATA_DIR/reports/<slug>/``. Eager automation re-publishes a chart's
insight whenever the rows it reads are updated.
"""

import base64
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd

from soundcharts_assets.defs.conventions import FOLLOW_UPSTREAM, chart_asset, chart_slugs, failures_for_users
from soundcharts_assets.defs.metadata import markdown_table
from soundcharts_assets.defs.publish import ChartOutcome, Event, describe_charts, made_once, publish
from soundcharts_assets.defs.resources import WarehouseResource
from soundcharts_assets.insight import fastest_growing, selections
from soundcharts_assets.insight.movers import CLIMBER, EXIT, FALLER, NEW, RE_ENTRY
from soundcharts_assets.insight.reads import (
    ChartMovers,
    Found,
    chart_frame,
    growth_by_chart,
    momentum_by_chart,
    movers_for_chart,
)
from soundcharts_assets.insight.selections import Picture, Table
from soundcharts_assets.settings import data_dir_from_env
from soundcharts_assets.warehouse import Warehouse, WarehouseError

Metadata = Mapping[str, Any]

PREVIEW_ROWS = 15
MOVER_COUNTS = {
    "new_entries": NEW,
    "re_entries": RE_ENTRY,
    "exits": EXIT,
    "climbers": CLIMBER,
    "fallers": FALLER,
}
INSIGHT_KINDS = {"python", "pandas"}
INSIGHT_NICENESS = 10
"""Insight is described at a lower CPU priority than the API steps it may overlap (publish.py)."""


def report_dir(slug: str) -> Path:
    """Where a chart's pictures and HTML report live: next to the warehouse, one folder per chart."""
    return data_dir_from_env() / "reports" / slug


def write_picture(slug: str, filename: str, png: bytes) -> Path:
    """Write atomically: two runs of one partition may overlap, and a reader must never see half a PNG."""
    folder = report_dir(slug)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_bytes(png)
    partial.replace(path)
    return path


def _preview(table: Table) -> dg.MetadataValue:
    """The table under its title, as the HTML report shows it, cut to the first rows."""
    records = table.head(PREVIEW_ROWS).to_dict("records")
    rows = [{key: None if pd.isna(value) else value for key, value in row.items()} for row in records]
    return dg.MetadataValue.md(f"**{table.title}**\n\n{markdown_table(rows, table.columns)}")


def _picture_metadata(slug: str, picture: Picture) -> dict[str, Any]:
    encoded = base64.b64encode(picture.png).decode("ascii")
    return {
        "picture": dg.MetadataValue.md(f"![{picture.alt}](data:image/png;base64,{encoded})"),
        "picture_path": dg.MetadataValue.path(str(write_picture(slug, picture.filename, picture.png))),
    }


def _insight_asset(**kwargs: Any) -> Callable[..., dg.AssetsDefinition]:
    return chart_asset(kinds=INSIGHT_KINDS, group_name="insight", automation_condition=FOLLOW_UPSTREAM, **kwargs)


Describer = Callable[[Warehouse, list[str]], Callable[[str], Metadata]]
"""Given the step's warehouse and charts, what describes one chart: a fleet's reads can be made once."""


def _publish_each(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, describer: Describer
) -> Iterator[Event]:
    """Describe every chart of the step; a chart the warehouse cannot describe fails alone (publish.py)."""
    with failures_for_users(), warehouse.open() as wh:
        slugs = chart_slugs(context)
        describe = describer(wh, slugs)

        def outcome(slug: str) -> ChartOutcome:
            try:
                return ChartOutcome(describe(slug))
            except WarehouseError as error:
                return ChartOutcome({}, error=str(error))

        outcomes = describe_charts(slugs, outcome, niceness=INSIGHT_NICENESS)
    yield from publish(context, outcomes)


def _movers(slug: str, movers: ChartMovers) -> Metadata:
    counts = movers.table["kind"].value_counts()
    return {
        "ranking_date": dg.MetadataValue.text(selections.latest_edition(movers.chart)),
        "previous_ranking_date": dg.MetadataValue.text(selections.previous_edition(movers.chart)),
        **{name: dg.MetadataValue.int(int(counts.get(kind, 0))) for name, kind in MOVER_COUNTS.items()},
        "preview": _preview(selections.movers_table(movers)),
        **_picture_metadata(slug, selections.movers_picture(movers)),
    }


def _growth(slug: str, growth: pd.DataFrame) -> Metadata:
    fastest = fastest_growing(growth)
    return {
        "artists": dg.MetadataValue.int(int(growth["artist_uuid"].nunique())),
        "headline_series": dg.MetadataValue.text(fastest.label),
        "fastest_growing": _preview(selections.fastest_growing_table(fastest)),
        "largest_share": _preview(selections.chart_share_table(growth)),
        **_picture_metadata(slug, selections.growth_picture(fastest)),
    }


def _momentum(slug: str, momentum: pd.DataFrame) -> Metadata:
    return {
        "rows": dg.MetadataValue.int(len(momentum)),
        "tracks": dg.MetadataValue.int(int(momentum["song_uuid"].nunique())),
        "top_spotify_7d": _preview(selections.spotify_momentum_table(momentum)),
        "preview": _preview(selections.momentum_table(momentum)),
    }


def _each_chart(metadata: Callable[[str, ChartMovers], Metadata]) -> Describer:
    """Each chart read on its own (movers: two editions and their songs' first rankings, nothing shared)."""
    return lambda wh, slugs: lambda slug: metadata(slug, movers_for_chart(wh, slug))


def _fleet(
    read: Callable[[Warehouse, list[str]], Found], metadata: Callable[[str, pd.DataFrame], Metadata]
) -> Describer:
    """The step's charts read at once (their audience), then each chart described from its own frame."""

    def describer(wh: Warehouse, slugs: list[str]) -> Callable[[str], Metadata]:
        found = made_once(lambda warehouse: read(warehouse, slugs))
        return lambda slug: metadata(slug, chart_frame(found(wh), slug))

    return describer


@_insight_asset(deps=["chart_rankings", "artists"])
def chart_movers(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> Iterator[Event]:
    """New entries, re-entries, exits, biggest climbers and fallers between the two newest stored editions."""
    yield from _publish_each(context, warehouse, _each_chart(_movers))


@_insight_asset(deps=["artist_audience", "artist_metadata"])
def artist_growth(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> Iterator[Event]:
    """Per chart artist: followers and Spotify monthly listeners over 7 and 28 days, and chart share."""
    yield from _publish_each(context, warehouse, _fleet(growth_by_chart, _growth))


@_insight_asset(deps=["track_audience"])
def track_momentum(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> Iterator[Event]:
    """Per charted track: streams, views, Shazams and radio spins, change over 7 and 28 days."""
    yield from _publish_each(context, warehouse, _fleet(momentum_by_chart, _momentum))


INSIGHT_ASSETS = [chart_movers, artist_growth, track_momentum]

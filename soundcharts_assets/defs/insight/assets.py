"""Analyst insight per chart: movers, artist growth, track momentum, with pictures in the Dagster UI.

These assets read only the warehouse (no API calls, so no ``pool`` and no retry policy for API trouble) and
store nothing back: results are computed on read by ``insight.charts`` (see that module for why). A
materialization is the published snapshot: a markdown preview, the picture embedded as a data URI (the UI
renders markdown images) and written under ``SOUNDCHARTS_DATA_DIR/reports/<slug>/``. Eager automation
re-publishes a chart's insight whenever the rows it reads are updated.
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
from soundcharts_assets.defs.publish import ChartOutcome, Event, describe_charts, publish
from soundcharts_assets.defs.resources import WarehouseResource
from soundcharts_assets.insight import fastest_growing
from soundcharts_assets.insight.charts import growth_for_chart, momentum_for_chart, movers_for_chart
from soundcharts_assets.insight.movers import CLIMBER, EXIT, FALLER, NEW, RE_ENTRY
from soundcharts_assets.insight.pictures import growth_png, movers_png
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


def _preview(frame: pd.DataFrame, columns: list[str]) -> dg.MetadataValue:
    records = frame.head(PREVIEW_ROWS)[columns].to_dict("records")
    rows = [{key: None if pd.isna(value) else value for key, value in row.items()} for row in records]
    return dg.MetadataValue.md(markdown_table(rows, columns))


def _picture_metadata(slug: str, filename: str, png: bytes, alt: str) -> dict[str, Any]:
    encoded = base64.b64encode(png).decode("ascii")
    return {
        "picture": dg.MetadataValue.md(f"![{alt}](data:image/png;base64,{encoded})"),
        "picture_path": dg.MetadataValue.path(str(write_picture(slug, filename, png))),
    }


def _insight_asset(**kwargs: Any) -> Callable[..., dg.AssetsDefinition]:
    return chart_asset(kinds=INSIGHT_KINDS, group_name="insight", automation_condition=FOLLOW_UPSTREAM, **kwargs)


def _publish_each(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, describe: Callable[[Warehouse, str], Metadata]
) -> Iterator[Event]:
    """Describe every chart of the step; a chart the warehouse cannot describe fails alone (publish.py)."""
    with failures_for_users(), warehouse.open() as wh:

        def outcome(slug: str) -> ChartOutcome:
            try:
                return ChartOutcome(describe(wh, slug))
            except WarehouseError as error:
                return ChartOutcome({}, error=str(error))

        outcomes = describe_charts(chart_slugs(context), outcome, niceness=INSIGHT_NICENESS)
    yield from publish(context, outcomes)


def _movers(wh: Warehouse, slug: str) -> Metadata:
    result = movers_for_chart(wh, slug)
    chart, movers = result.chart, result.table
    since = chart.previous_date.date().isoformat() if chart.previous_date else "the API's previous edition"
    title = f"{chart.name}: movers {since} -> {chart.latest_date.date().isoformat()}"
    counts = movers["kind"].value_counts()
    return {
        "ranking_date": dg.MetadataValue.text(chart.latest_date.date().isoformat()),
        "previous_ranking_date": dg.MetadataValue.text(since),
        **{name: dg.MetadataValue.int(int(counts.get(kind, 0))) for name, kind in MOVER_COUNTS.items()},
        "preview": _preview(movers, ["kind", "position", "previous_position", "move", "name", "artists"]),
        **_picture_metadata(slug, "movers.png", movers_png(movers, title), "movers"),
    }


def _growth(wh: Warehouse, slug: str) -> Metadata:
    growth = growth_for_chart(wh, slug)
    fastest, label = fastest_growing(growth)
    picture = growth_png(fastest, label, f"Fastest-growing artists ({slug})")
    columns = ["name", "platform", "metric", "value", "change_7d_pct", "change_28d_pct", "chart_share"]
    return {
        "artists": dg.MetadataValue.int(int(growth["artist_uuid"].nunique())),
        "headline_series": dg.MetadataValue.text(label),
        "fastest_growing": _preview(fastest, columns),
        "largest_share": _preview(growth.drop_duplicates("artist_uuid"), ["name", "entries", "chart_share"]),
        **_picture_metadata(slug, "growth.png", picture, "fastest-growing artists"),
    }


def _momentum(wh: Warehouse, slug: str) -> Metadata:
    momentum = momentum_for_chart(wh, slug)
    spotify = momentum[momentum["platform"] == "spotify"].sort_values("change_7d", ascending=False)
    columns = ["position", "name", "platform", "value", "change_7d", "change_7d_pct", "change_28d_pct"]
    return {
        "rows": dg.MetadataValue.int(len(momentum)),
        "tracks": dg.MetadataValue.int(int(momentum["song_uuid"].nunique())),
        "top_spotify_7d": _preview(spotify, columns),
        "preview": _preview(momentum, columns),
    }


@_insight_asset(deps=["chart_rankings", "artists"])
def chart_movers(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> Iterator[Event]:
    """New entries, re-entries, exits, biggest climbers and fallers between the two newest stored editions."""
    yield from _publish_each(context, warehouse, _movers)


@_insight_asset(deps=["artist_audience", "artist_metadata"])
def artist_growth(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> Iterator[Event]:
    """Per chart artist: followers and Spotify monthly listeners over 7 and 28 days, and chart share."""
    yield from _publish_each(context, warehouse, _growth)


@_insight_asset(deps=["track_audience"])
def track_momentum(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> Iterator[Event]:
    """Per charted track: streams, views, Shazams and radio spins, change over 7 and 28 days."""
    yield from _publish_each(context, warehouse, _momentum)


INSIGHT_ASSETS = [chart_movers, artist_growth, track_momentum]

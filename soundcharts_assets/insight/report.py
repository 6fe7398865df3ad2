"""A small, self-contained HTML report of one chart: movers, artist growth, track momentum, two pictures.

Self-contained means one file that opens anywhere (mail, a shared drive, a browser without network): the
pictures are embedded as data URIs and the style is inline. The PNGs are also written next to the HTML for
slides and chat. Tables are escaped by pandas, so a song called ``<b>`` stays text.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pandas as pd

from soundcharts_assets.clock import utc_now
from soundcharts_assets.insight.charts import growth_for_chart, momentum_for_chart, movers_for_chart
from soundcharts_assets.insight.growth import fastest_growing
from soundcharts_assets.insight.pictures import growth_png, movers_png
from soundcharts_assets.warehouse import Warehouse

REPORT_FILE, MOVERS_FILE, GROWTH_FILE = "report.html", "movers.png", "growth.png"
TABLE_ROWS = 25
_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #222; }
h1 { margin-bottom: 0.2rem; } .dates { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: left; }
img { max-width: 100%; }
"""


@dataclass(frozen=True)
class ChartReport:
    html: str
    movers_png: bytes
    growth_png: bytes


def _table(frame: pd.DataFrame, columns: list[str]) -> str:
    if frame.empty:
        return "<p><em>nothing to show yet</em></p>"
    shown = frame.head(TABLE_ROWS)[columns].copy()
    for column in shown.columns[shown.dtypes == "Int64"]:  # pandas prints <NA> there, whatever na_rep says
        shown[column] = shown[column].astype(object).where(shown[column].notna(), "")
    html: str = shown.to_html(index=False, na_rep="", float_format=lambda v: f"{v:,.2f}", border=0, escape=True)
    return html


ALERT_DAYS = 7


def _alerts(warehouse: Warehouse, slug: str) -> str:
    """The chart's alerts of the last week (``alerts`` asset), as a table; escaped like the rest."""
    since = utc_now().date() - timedelta(days=ALERT_DAYS)
    events = warehouse.chart_alert_events(slug, since)
    if not events:
        return f"<p><em>no alert since {since} (watch artists, labels or this chart: soundcharts-assets watch)</em></p>"
    rows = "".join(
        f"<tr><td>{e.event_date}</td><td>{html.escape('followed charts' if e.watchlist == '*' else e.watchlist)}"
        f"</td><td>{html.escape(e.kind)}</td><td>{html.escape(e.message)}</td></tr>"
        for e in events[:TABLE_ROWS]
    )
    return f"<table><tr><th>date</th><th>watchlist</th><th>kind</th><th>what changed</th></tr>{rows}</table>"


def _image(png: bytes, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


# Long on purpose: the HTML report's sections in reading order; each is a call, the function only lays them out.
def build_report(warehouse: Warehouse, slug: str) -> ChartReport:
    """Everything the report shows, computed on read from the warehouse."""
    movers = movers_for_chart(warehouse, slug)
    growth = growth_for_chart(warehouse, slug)
    momentum = momentum_for_chart(warehouse, slug)
    chart = movers.chart
    latest = chart.latest_date.date().isoformat()
    previous = chart.previous_date.date().isoformat() if chart.previous_date else "the API's previous edition"
    fastest, label = fastest_growing(growth)
    pictures = (
        movers_png(movers.table, f"{chart.name}: movers {previous} -> {latest}"),
        growth_png(fastest, label, f"Fastest-growing artists ({label}, 7 and 28 days)"),
    )
    share = growth.drop_duplicates("artist_uuid")
    spotify = momentum[momentum["platform"] == "spotify"].sort_values("change_7d", ascending=False)
    growth_columns = [
        "name",
        "platform",
        "metric",
        "value",
        "change_7d",
        "change_7d_pct",
        "change_28d",
        "change_28d_pct",
        "chart_share",
    ]
    momentum_columns = ["position", "name", "artists", "value", "change_7d", "change_7d_pct", "change_28d_pct"]
    title = html.escape(f"{chart.name} — chart insight")
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title><style>{_STYLE}</style></head>
<body>
<h1>{title}</h1>
<p class="dates">{html.escape(slug)} · edition {latest} compared with {html.escape(previous)}</p>
<h2>Movers</h2>
{_image(pictures[0], "movers")}
{_table(movers.table, ["kind", "position", "previous_position", "move", "name", "artists"])}
<h2>Fastest-growing artists</h2>
{_image(pictures[1], "fastest-growing artists")}
{_table(fastest, growth_columns)}
<h2>Share of the chart</h2>
{_table(share, ["name", "entries", "chart_share"])}
<h2>Track momentum: Spotify streams</h2>
{_table(spotify, momentum_columns)}
<h2>Alerts</h2>
{_alerts(warehouse, slug)}
</body></html>
"""
    return ChartReport(body, *pictures)


def write_report(warehouse: Warehouse, slug: str, out_dir: Path) -> Path:
    """Write ``report.html`` and the two PNGs into ``out_dir``; returns the HTML's path."""
    report = build_report(warehouse, slug)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MOVERS_FILE).write_bytes(report.movers_png)
    (out_dir / GROWTH_FILE).write_bytes(report.growth_png)
    path = out_dir / REPORT_FILE
    path.write_text(report.html, encoding="utf-8")
    return path

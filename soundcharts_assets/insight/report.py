"""A small, self-contained HTML report of one chart: movers, artist growth, track momentum, two pictures.

Self-contained means one file that opens anywhere (mail, a shared drive, a browser without network): the
pictures are embedded as data URIs and the style is inline. The PNGs are also written next to the HTML for
slides and chat. Tables are escaped by pandas, so a song called ``<b>`` stays text. What each picture and
table shows, and its title, is ``selections.py``'s, the same as the Dagster assets'.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from soundcharts_assets.clock import utc_now
from soundcharts_assets.insight import reads, selections
from soundcharts_assets.insight.growth import fastest_growing
from soundcharts_assets.insight.selections import Picture, Table
from soundcharts_assets.warehouse import Warehouse

REPORT_FILE = "report.html"
TABLE_ROWS = 25
ALERT_DAYS = 7
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
    pictures: tuple[Picture, ...]


def _table(table: Table) -> str:
    if table.frame.empty:
        return "<p><em>nothing to show yet</em></p>"
    shown = table.head(TABLE_ROWS).copy()
    for column in shown.columns[shown.dtypes == "Int64"]:  # pandas prints <NA> there, whatever na_rep says
        shown[column] = shown[column].astype(object).where(shown[column].notna(), "")
    html: str = shown.to_html(index=False, na_rep="", float_format=lambda v: f"{v:,.2f}", border=0, escape=True)
    return html


def _alerts(warehouse: Warehouse, slug: str) -> str:
    """The chart's alerts of the last week (``alerts`` asset), as a table; escaped like the rest."""
    since = utc_now().date() - timedelta(days=ALERT_DAYS)
    events = reads.alerts_since(warehouse, slug, since)
    if not events:
        return f"<p><em>no alert since {since} (watch artists, labels or this chart: soundcharts-assets watch)</em></p>"
    rows = "".join(
        f"<tr><td>{e.event_date}</td><td>{html.escape('followed charts' if e.watchlist == '*' else e.watchlist)}"
        f"</td><td>{html.escape(e.kind)}</td><td>{html.escape(e.message)}</td></tr>"
        for e in events[:TABLE_ROWS]
    )
    return f"<table><tr><th>date</th><th>watchlist</th><th>kind</th><th>what changed</th></tr>{rows}</table>"


def _image(picture: Picture) -> str:
    encoded = base64.b64encode(picture.png).decode()
    return f'<img alt="{html.escape(picture.alt)}" src="data:image/png;base64,{encoded}">'


def _section(heading: str, *parts: str) -> str:
    return f"<h2>{html.escape(heading)}</h2>\n" + "\n".join(parts)


def build_report(warehouse: Warehouse, slug: str) -> ChartReport:
    """Everything the report shows, computed on read from the warehouse."""
    movers = reads.movers_for_chart(warehouse, slug)
    growth = reads.growth_for_chart(warehouse, slug)
    momentum = reads.momentum_for_chart(warehouse, slug)
    fastest_artists = fastest_growing(growth)
    pictures = (selections.movers_picture(movers), selections.growth_picture(fastest_artists))
    moves, fastest = selections.movers_table(movers), selections.fastest_growing_table(fastest_artists)
    share, spotify = selections.chart_share_table(growth), selections.spotify_momentum_table(momentum)
    chart = movers.chart
    title = html.escape(f"{chart.name} — chart insight")
    dates = f"edition {selections.latest_edition(chart)} compared with {selections.previous_edition(chart)}"
    sections = [
        _section(moves.title, _image(pictures[0]), _table(moves)),
        _section(fastest.title, _image(pictures[1]), _table(fastest)),
        _section(share.title, _table(share)),
        _section(spotify.title, _table(spotify)),
        _section("Alerts", _alerts(warehouse, slug)),
    ]
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title><style>{_STYLE}</style></head>
<body>
<h1>{title}</h1>
<p class="dates">{html.escape(slug)} · {html.escape(dates)}</p>
{chr(10).join(sections)}
</body></html>
"""
    return ChartReport(body, pictures)


def write_report(warehouse: Warehouse, slug: str, out_dir: Path) -> Path:
    """Write ``report.html`` and its PNGs into ``out_dir``; returns the HTML's path."""
    report = build_report(warehouse, slug)
    out_dir.mkdir(parents=True, exist_ok=True)
    for picture in report.pictures:
        (out_dir / picture.filename).write_bytes(picture.png)
    path = out_dir / REPORT_FILE
    path.write_text(report.html, encoding="utf-8")
    return path

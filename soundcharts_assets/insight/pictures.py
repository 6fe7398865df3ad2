"""PNG pictures of a chart's movers and fastest-growing artists, for the Dagster UI and the HTML report.

Figures are built with the object API on the Agg canvas, never ``pyplot``: assets may run in threads and
pyplot's global figure state is not thread-safe, nor does a server have a display. An empty input still
gives a picture (saying so), so a report never shows a broken image.

matplotlib is imported when a picture is drawn, not with the module: the code location imports this module,
and every cascade step is forked from a server that imported the code location, so a module-level import
put 0.25 s and ~25 MB of plotting library into steps that never draw.

Margins are set in inches from what the picture holds (the longest label, the title's lines) rather than by a
layout engine: constrained layout draws every figure twice, and a fleet's insight steps draw two pictures
per chart (about 0.1 s of a 0.25 s picture, 10 s of CPU for 50 charts, at the tail of a fleet run).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pandas as pd

from soundcharts_assets.insight.movers import CLIMBER, FALLER, NEW, RE_ENTRY

if TYPE_CHECKING:
    from matplotlib.figure import Figure

UP, DOWN, ENTRY = "#2a9d8f", "#e76f51", "#457b9d"
LABEL_CHARS = 38
DPI = 100
CHAR_INCHES = 0.07
"""Width of an average character of a 9-point tick label (DejaVu Sans), to size the left margin."""
LINE_INCHES = 0.22
"""Height of a 10-point title line."""
ENTRIES_CHARS = 90
"""The movers picture lists new entries under its title, cut to what an 8-inch line holds."""


def _label(name: object, artists: object) -> str:
    text = str(name) if isinstance(name, str) and name else "?"
    if isinstance(artists, str) and artists:
        text = f"{text} - {artists}"
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def _figure(
    width: float, height: float, *, labels: list[str] | None = None, title_lines: int = 1, right: float = 0.3
) -> Figure:
    """A figure whose axes leave room, in inches, for the y ``labels``, the title and the x label."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height))
    left = 0.3 + CHAR_INCHES * max((len(label) for label in labels or []), default=0)
    top = 0.15 + LINE_INCHES * title_lines
    bottom = 0.55
    figure.subplots_adjust(
        left=left / width, right=1 - right / width, top=1 - top / height, bottom=min(0.45, bottom / height)
    )
    return figure


def _title(figure: Figure, title: str) -> None:
    """The title from the figure's left edge, not the axes': an entries line is wider than the axes."""
    figure.suptitle(title, x=0.01, ha="left", fontsize=10)


def _png(figure: Figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _empty(title: str, message: str) -> bytes:
    figure = _figure(7, 2)
    axes = figure.add_subplot()
    axes.set_axis_off()
    axes.set_title(title)
    axes.text(0.5, 0.5, message, ha="center", va="center", fontsize=11, color="#555")
    return _png(figure)


def movers_png(movers: pd.DataFrame, title: str, top: int = 8) -> bytes:
    """Horizontal bars of the biggest climbs and falls; entries are listed by position beneath the title."""
    moves = movers[movers["kind"].isin([CLIMBER, FALLER])].copy()
    moves["size"] = moves["move"].astype("float64").abs()
    moves = moves.sort_values("size", ascending=False).head(top).sort_values("move")
    entries = movers[movers["kind"].isin([NEW, RE_ENTRY])].sort_values("position")
    if moves.empty and entries.empty:
        return _empty(title, "no movers between the two latest editions")
    values = moves["move"].astype("float64").tolist()
    labels = [_label(n, a) for n, a in zip(moves["name"], moves["artists"])]
    figure = _figure(8, 1.6 + 0.38 * max(len(moves), 1), labels=labels, title_lines=1 if entries.empty else 2)
    axes = figure.add_subplot()
    axes.barh(range(len(values)), values, color=[UP if v > 0 else DOWN for v in values])
    axes.set_yticks(range(len(values)), labels, fontsize=9)
    axes.axvline(0, color="#333", linewidth=0.8)
    axes.set_xlabel("places moved since the previous edition")
    for y, (value, position) in enumerate(zip(values, moves["position"])):
        offset, align = (4, "left") if value > 0 else (-4, "right")
        axes.annotate(
            f"#{position}",
            (value, y),
            xytext=(offset, 0),
            textcoords="offset points",
            ha=align,
            va="center",
            fontsize=8,
        )
    if not entries.empty:
        shown = ", ".join(f"#{p} {_label(n, None)}" for p, n in zip(entries["position"], entries["name"]))
        title = f"{title}\nentries: {shown[:ENTRIES_CHARS]}{'…' if len(shown) > ENTRIES_CHARS else ''}"
    _title(figure, title)
    axes.margins(x=0.15)
    return _png(figure)


def growth_png(fastest: pd.DataFrame, series_label: str, title: str) -> bytes:
    """Grouped bars of 7- and 28-day % change for the fastest-growing artists on the headline series."""
    if fastest.empty:
        return _empty(title, "no artist audience stored yet")
    rows = fastest.iloc[::-1]
    labels = [_label(n, None) for n in rows["name"]]
    figure = _figure(8, 1.4 + 0.42 * len(rows), labels=labels, right=1.1)
    axes = figure.add_subplot()
    ys = list(range(len(rows)))
    axes.barh(
        [y + 0.2 for y in ys],
        rows["change_7d_pct"].astype("float64").fillna(0),
        height=0.4,
        color=ENTRY,
        label="7 days",
    )
    axes.barh(
        [y - 0.2 for y in ys], rows["change_28d_pct"].astype("float64").fillna(0), height=0.4, color=UP, label="28 days"
    )
    axes.set_yticks(ys, labels, fontsize=9)
    axes.axvline(0, color="#333", linewidth=0.8)
    axes.set_xlabel(f"% change of {series_label}")
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    _title(figure, title)
    return _png(figure)

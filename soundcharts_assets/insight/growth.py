"""How the chart's artists grow (followers per platform, Spotify monthly listeners) and how much of the chart
each one holds.

Every artist is compared at the same "as of" day per series (the newest day any artist has), so a
fast-updating artist does not look faster just because its data is a day fresher.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

import pandas as pd

from soundcharts_assets.insight.series import MAX_GAP_DAYS, changes_by_chart, chart_members
from soundcharts_assets.sources import audience_source, audience_sources
from soundcharts_assets.vocabulary import EntityKind

GROWTH_METRICS: tuple[str, ...] = tuple(dict.fromkeys(source.metric for source in audience_sources(EntityKind.ARTIST)))
"""The stored metrics of the artist sources (``sources.py``): followers and monthly listeners."""
SERIES_KEYS = ["artist_uuid", "platform", "metric"]
SHARE_COLUMNS = ["artist_uuid", "name", "entries", "chart_share"]
#: The series the "fastest-growing" picture ranks by, the first one with data wins: monthly listeners move
#: with what people play now, while followers mostly accumulate.
HEADLINE_SERIES: tuple[tuple[str, str], ...] = tuple(
    audience_source(EntityKind.ARTIST, name).series for name in ("spotify_listening", "spotify", "youtube")
)


def chart_share(edition_artists: pd.DataFrame, entries: int | None = None) -> pd.DataFrame:
    """Per credited artist: ``entries`` (chart positions they are credited on) and ``chart_share``.

    Each position counts once, split equally between its credited artists, over ``entries`` positions (the
    edition's size; positions without stored credits stay unattributed, so shares may sum to less than 1).
    """
    if edition_artists.empty:
        return pd.DataFrame(columns=SHARE_COLUMNS)
    links = edition_artists.drop_duplicates(["position", "artist_uuid"])
    credited = links.groupby("position")["artist_uuid"].transform("count")
    total = entries or links["position"].nunique()
    share = (
        links.assign(part=1.0 / credited)
        .groupby("artist_uuid", sort=False)
        .agg(name=("name", "first"), entries=("position", "nunique"), part=("part", "sum"))
    )
    share["chart_share"] = share.pop("part") / total
    return share.reset_index().sort_values(["chart_share", "name"], ascending=[False, True])[SHARE_COLUMNS]


def artist_growth(
    audience: pd.DataFrame,
    edition_artists: pd.DataFrame,
    entries: int | None = None,
    as_of: date | None = None,
    max_gap_days: int = MAX_GAP_DAYS,
) -> pd.DataFrame:
    """One row per chart artist and series (platform, metric), with ``value``, 7/28-day changes (absolute and
    %) and the artist's chart share. An artist with no stored audience keeps one row with empty series
    columns, so their share is still shown.
    """
    charts = {"": ChartArtists(edition_artists, entries)}
    return artist_growth_by_chart(audience, charts, as_of, max_gap_days)[""]


@dataclass(frozen=True)
class ChartArtists:
    """One chart's credits on its latest edition (``load_edition_artists``) and its size."""

    links: pd.DataFrame
    entries: int | None = None


def artist_growth_by_chart(
    audience: pd.DataFrame,
    charts: Mapping[str, ChartArtists],
    as_of: date | None = None,
    max_gap_days: int = MAX_GAP_DAYS,
) -> dict[str, pd.DataFrame]:
    """:func:`artist_growth` of each chart, from one ``audience`` frame holding every chart's artists: a
    fleet's charts share most of their artists, so each artist's series is read and compared once."""
    shares = {slug: chart_share(chart.links, chart.entries) for slug, chart in charts.items()}
    if not shares:
        return {}
    frame = audience[audience["metric"].isin(GROWTH_METRICS)]
    members = chart_members(shares, "artist_uuid")
    changes = changes_by_chart(frame, members, "artist_uuid", ["platform", "metric"], as_of, max_gap_days)
    return {slug: _growth(share, changes.get(slug)) for slug, share in shares.items()}


def _growth(share: pd.DataFrame, changes: pd.DataFrame | None) -> pd.DataFrame:
    if changes is None:
        changes = pd.DataFrame(columns=[*SERIES_KEYS, "value"])
    growth = share.merge(changes, on="artist_uuid", how="left")
    order = ["chart_share", "name", "platform", "metric"]
    growth = growth.sort_values(order, ascending=[False, True, True, True], na_position="last")
    return growth.reset_index(drop=True)


class Fastest(NamedTuple):
    """The fastest-growing artists of a chart and the series they were ranked by ("spotify monthly listeners")."""

    frame: pd.DataFrame
    label: str


def fastest_growing(growth: pd.DataFrame, top: int = 10) -> Fastest:
    """The ``top`` artists by 7-day % change of the headline series, and that series' label.

    Computed once per chart and shown three times (the label, the table, the picture): a fleet's
    ``artist_growth`` computed it for each, ~14 of its ~63 ms per chart.
    """
    changed = growth.dropna(subset=["change_7d_pct"])
    for platform, metric in HEADLINE_SERIES:
        rows = changed[(changed["platform"] == platform) & (changed["metric"] == metric)]
        if not rows.empty:
            label = f"{platform} {metric.replace('_', ' ')}"
            return Fastest(rows.sort_values("change_7d_pct", ascending=False).head(top), label)
    return Fastest(growth.head(0), "no audience series")

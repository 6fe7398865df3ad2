"""Which charted tracks gain audience fastest: Spotify streams, YouTube views, Shazams and radio spins.

Song series are cumulative per platform identifier (a song can have several Spotify or YouTube ids), so a
day's value is the sum over identifiers and a change is the difference between two days. Airplay rows are
spins per radio over the 7 days ending on ``date``; summing radios gives the song's spins for that window,
and a change compares two windows (this week's spins against those of 7 or 28 days earlier).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pandas as pd

from soundcharts_assets.insight.series import MAX_GAP_DAYS, as_dates, changes_by_chart, chart_members

MEASURES: dict[str, str] = {
    "spotify": "streams",
    "youtube": "views",
    "shazam": "shazams",
    "airplay": "spins (7 days)",
}
MOMENTUM_COLUMNS = [
    "position",
    "song_uuid",
    "name",
    "artists",
    "platform",
    "measure",
    "as_of",
    "value",
    "change_7d",
    "change_7d_pct",
    "change_28d",
    "change_28d_pct",
]


def daily_totals(audience: pd.DataFrame) -> pd.DataFrame:
    """One value per song, platform and day: the sum over identifiers (or radios); a frame already summed
    (``load_edition_track_audience``) comes back as it was."""
    frame = audience.dropna(subset=["value"]).assign(date=lambda f: as_dates(f["date"]))
    return frame.groupby(["song_uuid", "platform", "date"], as_index=False)["value"].sum()


def track_momentum(
    audience: pd.DataFrame,
    chart: pd.DataFrame,
    as_of: date | None = None,
    max_gap_days: int = MAX_GAP_DAYS,
) -> pd.DataFrame:
    """One row per charted track and platform with 7/28-day changes, by chart position then platform.

    ``chart`` is an edition shaped like ``load_chart``; ``audience`` like ``load_edition_track_audience``.
    """
    return track_momentum_by_chart(audience, {"": chart}, as_of, max_gap_days)[""]


def track_momentum_by_chart(
    audience: pd.DataFrame,
    charts: Mapping[str, pd.DataFrame],
    as_of: date | None = None,
    max_gap_days: int = MAX_GAP_DAYS,
) -> dict[str, pd.DataFrame]:
    """:func:`track_momentum` of each chart (an edition per slug), from one ``audience`` frame holding every
    chart's songs: a song charted in several charts of a fleet is summed and compared once."""
    if not charts:
        return {}
    totals = daily_totals(audience)
    members = chart_members(charts, "song_uuid")
    changes = changes_by_chart(totals, members, "song_uuid", ["platform"], as_of, max_gap_days)
    return {slug: _momentum(chart, changes.get(slug)) for slug, chart in charts.items()}


def _momentum(chart: pd.DataFrame, changes: pd.DataFrame | None) -> pd.DataFrame:
    if changes is None:
        return pd.DataFrame(columns=MOMENTUM_COLUMNS)
    changes = changes.copy()
    changes["measure"] = changes["platform"].map(MEASURES).fillna("value")
    songs = chart.sort_values("position").drop_duplicates("song_uuid")
    songs = songs[["position", "song_uuid", "name", "artists"]]
    momentum = songs.merge(changes, on="song_uuid", how="inner")
    return momentum.sort_values(["position", "platform"]).reset_index(drop=True)[MOMENTUM_COLUMNS]

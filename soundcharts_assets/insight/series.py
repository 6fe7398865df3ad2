"""Change of a time series over a look-back window, tolerant of missing days.

Audience series have holes (a day the API had no point for). A change "over 7 days" therefore compares the
nearest available point at or before each end of the window, but never one older than ``max_gap_days``:
a point from months ago would pass a stale number off as last week's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd

WINDOWS: tuple[int, ...] = (7, 28)
MAX_GAP_DAYS = 7


def as_dates(values: pd.Series) -> pd.Series:
    """Dates as ``datetime64`` at midnight, whatever the loader returned (``date`` objects, text)."""
    return pd.to_datetime(values).dt.tz_localize(None).dt.normalize().astype("datetime64[ns]")


def _value_at(series: pd.DataFrame, keys: Sequence[str], targets: pd.DataFrame, max_gap_days: int) -> pd.Series:
    """For each row of ``targets`` (keys + ``target``), the series value nearest at or before ``target``."""
    left = targets.sort_values("target").reset_index()
    right = series.sort_values("date")
    merged = pd.merge_asof(
        left,
        right,
        left_on="target",
        right_on="date",
        by=list(keys),
        direction="backward",
        tolerance=pd.Timedelta(days=max_gap_days),
    )
    return merged.set_index("index")["value"].sort_index()


def changes_over_windows(
    series: pd.DataFrame,
    keys: Sequence[str],
    as_of: date | pd.Timestamp,
    windows: Sequence[int] = WINDOWS,
    max_gap_days: int = MAX_GAP_DAYS,
) -> pd.DataFrame:
    """One row per key group: ``value`` at ``as_of`` and ``change_{n}d`` / ``change_{n}d_pct`` per window.

    ``series`` holds ``keys``, ``date`` and ``value``; a percentage is empty when the start is 0 or unknown.
    """
    frame = series.dropna(subset=["value"]).copy()
    frame["date"] = as_dates(frame["date"])
    frame["value"] = frame["value"].astype("float64")
    groups = frame[list(keys)].drop_duplicates().reset_index(drop=True)
    end = pd.Timestamp(as_of).tz_localize(None).normalize()
    # Every look-up (the end, then each window's start) in one as-of merge: a fleet's insight step calls this
    # per chart and platform, and each merge costs more in pandas' set-up than in rows.
    offsets = [0, *windows]
    targets = pd.concat([groups.assign(target=end - timedelta(days=days)) for days in offsets], ignore_index=True)
    found = _value_at(frame, keys, targets, max_gap_days).to_numpy().reshape(len(offsets), len(groups))
    result = groups.copy()
    result["value"] = found[0]
    for row, days in enumerate(windows, start=1):
        start = pd.Series(found[row], index=result.index)
        change = result["value"] - start
        result[f"change_{days}d"] = change
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = change / start * 100
        result[f"change_{days}d_pct"] = pct.where(start != 0)
    return result


def latest_date(series: pd.DataFrame) -> pd.Timestamp | None:
    """The newest day in a series: the common "as of" that makes entities comparable."""
    if series.empty:
        return None
    return as_dates(series["date"]).max()

"""Change of a time series over a look-back window, tolerant of missing days.

Audience series have holes (a day the API had no point for). A change "over 7 days" therefore compares the
nearest available point at or before each end of the window, but never one older than ``max_gap_days``:
a point from months ago would pass a stale number off as last week's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd

WINDOWS: tuple[int, ...] = (7, 28)
MAX_GAP_DAYS = 7
LOOKBACK_DAYS = max(WINDOWS) + MAX_GAP_DAYS
"""How far before a series' newest day a change can reach: a window's start, less the gap a point may stand in
for. A chart's "as of" is never before its series' newest day, so older points cannot change any result."""


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
    end = pd.Timestamp(as_of).tz_localize(None).normalize().as_unit("ns")
    # Every look-up (the end, then each window's start) in one as-of merge: each merge costs more in pandas'
    # set-up than in rows (a fleet's insight step calls this once per series and "as of" day).
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


CHART = "chart"
"""The column of ``members`` (:func:`changes_by_chart`) naming the chart an entity belongs to."""


def changes_by_chart(
    series: pd.DataFrame,
    members: pd.DataFrame,
    entity: str,
    series_keys: Sequence[str],
    as_of: date | None = None,
    max_gap_days: int = MAX_GAP_DAYS,
) -> dict[str, pd.DataFrame]:
    """For each chart of ``members`` (``chart``, ``entity``), the changes of its entities' series, each series
    (``series_keys``) as of its newest day among the chart's entities, or ``as_of`` when given.

    A chart's frame is what a loop over its own series (in ``series_keys`` order) with
    :func:`changes_over_windows` gives, plus ``as_of``: the same rows in the same order. Why a fleet at once:
    a fleet's charts share most of their entities, and one as-of merge per series and day costs about what
    one per chart costs (the 100-chart figures are in docs/benchmarks.md). A chart whose entities have no row
    in ``series`` has no frame.
    """
    keys = [entity, *series_keys]
    frame = series.assign(date=as_dates(series["date"])) if len(series) else series.assign(date=pd.NaT)
    belongs = members[[CHART, entity]].drop_duplicates()
    latest = frame.groupby(keys, sort=False, as_index=False)["date"].max()
    needed = belongs.merge(latest, on=entity)
    if needed.empty:
        return {}
    if as_of is None:
        needed["when"] = needed.groupby([CHART, *series_keys])["date"].transform("max")
    else:
        needed["when"] = pd.Timestamp(as_of).tz_localize(None).normalize().as_unit("ns")
    needed = needed.drop(columns="date")
    found = []
    for (*group, when), wanted in needed.groupby([*series_keys, "when"], sort=True):
        rows = frame[_matches(frame, series_keys, group) & frame[entity].isin(wanted[entity])]
        changes = changes_over_windows(rows, keys, when, max_gap_days=max_gap_days)
        found.append(changes.assign(as_of=pd.Timestamp(when).date(), when=when))
    changes = pd.concat(found, ignore_index=True)
    changes["order"] = range(len(changes))
    picked = needed.merge(changes, on=[*keys, "when"]).sort_values("order", kind="stable")
    columns = [column for column in changes.columns if column not in ("when", "order")]
    result = {chart: rows[columns].reset_index(drop=True) for chart, rows in picked.groupby(CHART, sort=False)}
    # A chart whose series hold only empty values has its series but no row (as chart by chart), typed alike.
    for chart in needed[CHART].unique():
        result.setdefault(chart, changes[columns].iloc[:0])
    return result


def chart_members(frames: Mapping[str, pd.DataFrame], entity: str) -> pd.DataFrame:
    """``members`` for :func:`changes_by_chart`: the ``entity`` of each chart's frame, beside its chart."""
    parts = [frame[[entity]].assign(**{CHART: chart}) for chart, frame in frames.items() if len(frame)]
    if not parts:
        return pd.DataFrame(columns=[entity, CHART])
    return pd.concat(parts, ignore_index=True)


def _matches(frame: pd.DataFrame, columns: Sequence[str], values: Sequence[object]) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for column, value in zip(columns, values, strict=True):
        mask &= frame[column] == value
    return mask

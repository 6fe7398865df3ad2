"""What moved between the two newest editions of a chart: entries, re-entries, exits, climbers, fallers.

Positions are compared between the two stored editions rather than read from ``position_evolution``: the
API's evolution is relative to its own previous edition, which may not be the one we stored. When only one
edition is stored (a chart registered today), the API's ``old_position`` and ``entry_state`` are the only
previous edition there is, so they are used instead; exits cannot be known then.
"""

from __future__ import annotations

import pandas as pd

NEW, RE_ENTRY, EXIT, CLIMBER, FALLER = "new", "re-entry", "exit", "climber", "faller"
KINDS: tuple[str, ...] = (NEW, RE_ENTRY, CLIMBER, FALLER, EXIT)
MOVER_COLUMNS = ["kind", "position", "previous_position", "move", "song_uuid", "name", "artists"]
TOP_MOVES = 10
_RE_ENTRY_STATES = {"RE_ENTRY", "REENTRY", "RE-ENTRY"}


def _songs(edition: pd.DataFrame) -> pd.DataFrame:
    """One row per song (its best position), so a song listed twice cannot count twice."""
    columns = ["song_uuid", "position", "name", "artists", "entry_state", "entry_date", "old_position"]
    present = [c for c in columns if c in edition.columns]
    return edition.sort_values("position")[present].drop_duplicates("song_uuid").set_index("song_uuid")


def _is_re_entry(row: pd.Series, seen_before: set[str], previous_date: pd.Timestamp | None) -> bool:
    """Seen on a stored edition before the previous one, or the API says so (state, or an old entry date)."""
    if row.name in seen_before:
        return True
    state = str(row.get("entry_state") or "").upper().replace(" ", "_")
    if state in _RE_ENTRY_STATES:
        return True
    entry_date = row.get("entry_date")
    if previous_date is None or entry_date is None or pd.isna(entry_date):
        return False
    entry = pd.Timestamp(entry_date)
    return bool((entry.tz_localize("UTC") if entry.tzinfo is None else entry) < previous_date)


def _previous_positions(previous: pd.DataFrame, latest: pd.DataFrame) -> pd.Series:
    if not previous.empty:
        return _songs(previous)["position"]
    # One stored edition: the API's own previous positions (0 or empty for entries).
    old = _songs(latest).get("old_position", pd.Series(dtype="float64"))
    return old[old.fillna(0) > 0]


# Long on purpose: the movers' rules (new, re-entry, exit, climb, fall) read best side by side in one place.
def chart_movers(
    previous: pd.DataFrame,
    latest: pd.DataFrame,
    first_ranked: pd.DataFrame | None = None,
    top: int = TOP_MOVES,
) -> pd.DataFrame:
    """Movers between two editions (frames shaped like ``load_chart``), ``MOVER_COLUMNS``, by kind.

    ``move`` is positive for a climb (previous position minus position). ``first_ranked`` (from
    ``load_first_ranked``) tells re-entries from new entries across the whole stored history.
    """
    now = _songs(latest)
    before = _previous_positions(previous, latest)
    previous_date = _edition_date(previous)
    seen_before: set[str] = set()
    if first_ranked is not None and previous_date is not None:
        earlier = pd.to_datetime(first_ranked["first_ranking_date"], utc=True) < previous_date
        seen_before = set(first_ranked.loc[earlier, "song_uuid"])

    table = now.assign(previous_position=before.reindex(now.index))
    table["move"] = table["previous_position"] - table["position"]
    entered = table[table["previous_position"].isna()]
    re_entry = pd.Series(
        [_is_re_entry(row, seen_before, previous_date) for _, row in entered.iterrows()],
        index=entered.index,
        dtype=bool,
    )
    stayed = table.dropna(subset=["previous_position"])
    parts = [
        entered[~re_entry].assign(kind=NEW),
        entered[re_entry].assign(kind=RE_ENTRY),
        stayed[stayed["move"] > 0]
        .sort_values(["move", "position"], ascending=[False, True])
        .head(top)
        .assign(kind=CLIMBER),
        stayed[stayed["move"] < 0].sort_values(["move", "position"]).head(top).assign(kind=FALLER),
    ]
    if not previous.empty:
        gone = _songs(previous).drop(index=now.index, errors="ignore")
        parts.append(gone.assign(previous_position=gone["position"], position=pd.NA, move=pd.NA, kind=EXIT))
    kept = [part for part in parts if not part.empty]
    if not kept:
        return pd.DataFrame(columns=MOVER_COLUMNS)
    movers = pd.concat(kept).rename_axis("song_uuid").reset_index()
    for column in ("position", "previous_position", "move"):
        movers[column] = movers[column].astype("Int64")
    return movers.reindex(columns=MOVER_COLUMNS).reset_index(drop=True)


def _edition_date(edition: pd.DataFrame) -> pd.Timestamp | None:
    if edition.empty or "ranking_date" not in edition.columns:
        return None
    return pd.to_datetime(edition["ranking_date"], utc=True).max()


def split_editions(editions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(previous, latest) from ``load_latest_editions``; previous is empty when one edition is stored."""
    if editions.empty:
        return editions, editions
    dates = pd.to_datetime(editions["ranking_date"], utc=True)
    newest = dates.max()
    return editions[dates < newest], editions[dates == newest]

"""What an event is: its kinds, its identity, and who watches what it is about.

An event's identity (``event_key``) is the watchlist, the kind, the chart, the subject and what makes this
occurrence unique (the edition date, the point's date, the milestone passed, the last edition of a stall). The
same fact computed again by a retried or repeated run has the same key, so the ledger sees it once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from soundcharts_assets.sources import audience_sources
from soundcharts_assets.vocabulary import EntityKind, WatchKind
from soundcharts_assets.warehouse.alert_inputs import SongCredits
from soundcharts_assets.warehouse.alerts import AlertEvent
from soundcharts_assets.warehouse.watchlists import StoredArtist, Watch

__all__ = ["FOLLOWED_CHARTS", "KINDS", "AlertEvent", "Watchers", "event_key", "track_metrics"]

ENTRY, RE_ENTRY, EXIT, TOP_10, NEW_PEAK, NUMBER_ONE = "entry", "re_entry", "exit", "top_10", "new_peak", "number_one"
SPIKE, MILESTONE, STALE = "spike", "milestone", "stale"
KINDS = (ENTRY, RE_ENTRY, EXIT, TOP_10, NEW_PEAK, NUMBER_ONE, SPIKE, MILESTONE, STALE)

FOLLOWED_CHARTS = "*"
"""The watchlist of events about every followed chart (staleness), whoever watches what."""


def track_metrics() -> dict[str, str]:
    """The track series events watch, by platform, and their metric names: every song source but the windowed
    ones (airplay is spins per window, not a running count)."""
    return {source.platform: source.metric for source in audience_sources(EntityKind.SONG) if not source.windowed}


def event_key(watchlist: str, kind: str, chart: str | None, subject: str | None, occurrence: str) -> str:
    return "|".join((watchlist, kind, chart or "-", subject or "-", occurrence))


@dataclass(frozen=True)
class Watchers:
    """Who watches what: targets (an artist uuid or slug, a casefolded label, a chart slug) -> watchlists."""

    artists: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    labels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    charts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, watches: Iterable[Watch]) -> Watchers:
        found: dict[str, dict[str, list[str]]] = {kind.value: {} for kind in WatchKind}
        for watch in watches:
            target = watch.target.casefold() if watch.kind == WatchKind.LABEL else watch.target
            found[watch.kind].setdefault(target, []).append(watch.watchlist)
        artists, labels, charts = (
            {target: tuple(dict.fromkeys(lists)) for target, lists in found[kind.value].items()}
            for kind in (WatchKind.ARTIST, WatchKind.LABEL, WatchKind.CHART)
        )
        return cls(artists, labels, charts)

    def __bool__(self) -> bool:
        return bool(self.artists or self.labels or self.charts)

    def of_artist(self, artist: StoredArtist) -> dict[str, str]:
        """Watchlist -> why (the artist's name), for an artist watched by uuid or by slug."""
        why = artist.name or artist.slug or artist.uuid
        lists = [*self.artists.get(artist.uuid, ()), *(self.artists.get(artist.slug, ()) if artist.slug else ())]
        return dict.fromkeys(lists, why)

    def of_song(self, credits: SongCredits | None) -> dict[str, str]:
        """Watchlist -> why (an artist's name or ``label NAME``), through the song's artists and labels."""
        if credits is None:
            return {}
        found: dict[str, str] = {}
        for artist in credits.artists:
            for watchlist, why in self.of_artist(artist).items():
                found.setdefault(watchlist, why)
        for label in credits.labels:
            for watchlist in self.labels.get(label.casefold(), ()):
                found.setdefault(watchlist, f"label {label}")
        return found


def iso(day: date) -> str:
    return day.isoformat()

"""One message per run and channel: the claimed events grouped by watchlist, with their figures.

The same text goes to Slack (which renders it as is) and e-mail; the JSON webhook gets the text and every
event as data. A digest's ``id`` is the ledger's digest id: sent again after a crash, it is the same message
with the same id (the webhook's ``Idempotency-Key``, the e-mail's ``Message-ID``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import Any

from soundcharts_assets.alerts.events import FOLLOWED_CHARTS
from soundcharts_assets.warehouse.alerts import Claim

MAX_LINES_PER_WATCHLIST = 40
"""A digest stays readable: past this, a watchlist's section ends with how many more and where to see them."""


@dataclass(frozen=True)
class Digest:
    id: str
    subject: str
    text: str
    payload: dict[str, Any]


def watchlist_title(watchlist: str) -> str:
    return "Followed charts" if watchlist == FOLLOWED_CHARTS else f'Watchlist "{watchlist}"'


def build_digest(claim: Claim, now: datetime) -> Digest:
    """The message carrying ``claim``'s events (they arrive sorted by watchlist, date, kind)."""
    events = claim.events
    groups = [(watchlist, list(group)) for watchlist, group in groupby(events, key=lambda e: e.watchlist)]
    count = f"{len(events)} new event{'s' if len(events) != 1 else ''}"
    lines = [f"Soundcharts alerts: {count} ({now:%Y-%m-%d %H:%M} UTC)"]
    if claim.resent:
        lines.append("(sent again: the run that sent this digest first stopped before recording its delivery)")
    for watchlist, group in groups:
        lines += ["", f"{watchlist_title(watchlist)}: {len(group)}"]
        lines += [f"• {event.message}" for event in group[:MAX_LINES_PER_WATCHLIST]]
        hidden = len(group) - MAX_LINES_PER_WATCHLIST
        if hidden > 0:
            where = "" if watchlist == FOLLOWED_CHARTS else f" --watchlist {watchlist!r}"
            lines.append(f"• ... and {hidden} more: soundcharts-assets alerts{where}")
    text = "\n".join(lines)
    names = ", ".join(watchlist_title(w).removeprefix("Watchlist ").strip('"') for w, _ in groups)
    payload = {
        "id": claim.digest_id,
        "resent": claim.resent,
        "text": text,
        "events": [
            {
                "key": event.key,
                "watchlist": event.watchlist,
                "kind": event.kind,
                "chart": event.chart_slug,
                "subject_uuid": event.subject_uuid,
                "date": event.event_date.isoformat(),
                "message": event.message,
                "figures": event.figures,
            }
            for event in events
        ],
    }
    return Digest(claim.digest_id, f"Soundcharts alerts: {count} ({names})", text, payload)

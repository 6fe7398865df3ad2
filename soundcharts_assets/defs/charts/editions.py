"""Deciding which chart editions are new: the pure core of the new-editions sensor."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class EditionRequest:
    slug: str
    ranking_date: datetime

    @property
    def run_key(self) -> str:
        """One run per chart edition, ever: Dagster drops a second request with the same key."""
        return f"{self.slug}:{self.ranking_date.date().isoformat()}"


def parse_cursor(cursor: str | None) -> dict[str, str]:
    """The sensor cursor: the latest edition date seen per chart, as ISO strings."""
    if not cursor:
        return {}
    try:
        value = json.loads(cursor)
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def dump_cursor(seen: Mapping[str, str]) -> str:
    return json.dumps(dict(sorted(seen.items())), separators=(",", ":"))


def new_editions(
    latest_available: Mapping[str, datetime],
    seen: Mapping[str, str],
    stored_latest: Mapping[str, datetime | None],
) -> list[EditionRequest]:
    """Editions the API has that we have neither requested before nor already stored.

    A chart missing from ``seen`` is newly registered: its latest edition is requested unless the warehouse
    already holds it (fetched by hand or by a schedule), which costs nothing to skip.
    """
    requests = []
    for slug, latest in sorted(latest_available.items()):
        if seen.get(slug) == latest.isoformat():
            continue
        stored = stored_latest.get(slug)
        if stored is not None and stored >= latest:
            continue
        requests.append(EditionRequest(slug, latest))
    return requests

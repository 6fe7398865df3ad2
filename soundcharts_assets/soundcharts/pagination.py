"""Walking Soundcharts collections: offset/limit pages linked by ``page.next``, and 90-day date windows.

Known traps this module exists for (see the API reference, "Known pitfalls"):
- the API may offer a ``next`` page after the last item, so an empty page ends the walk, and so does
  reaching ``page.total`` (which saves the paid call that would only fetch that empty page);
- a server bug could hand back a ``next`` already visited, so a repeated link ends the walk too;
- ``offset=0`` must be sent explicitly (the official SDK drops falsy parameters);
- time series accept at most 90 days per call, so long ranges are split on the client.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from .fields import next_page, page_items

logger = logging.getLogger("soundcharts_assets.soundcharts")

MAX_PAGE_SIZE = 100
MAX_WINDOW_DAYS = 90
BATCH_SIZE = 10
"""Uuids per call of the song and artist batch endpoints (the API's maximum)."""


@dataclass(frozen=True)
class Page:
    payload: Mapping[str, Any]
    items: list[Any]


FetchPage = Callable[[str, Mapping[str, Any] | None], Any]
"""``(path, params) -> decoded JSON``; ``params`` is None when ``path`` already carries the query."""


def iter_pages(
    fetch: FetchPage,
    path: str,
    params: Mapping[str, Any] | None = None,
    *,
    where: str,
    page_size: int = MAX_PAGE_SIZE,
) -> Iterator[Page]:
    """Yield the first page (even empty: it carries ``related``) and every further non-empty page.

    Follows ``page.next`` until it is null, repeats, a page comes back empty, or ``page.total`` items have
    been read.
    """
    page_size = max(1, min(MAX_PAGE_SIZE, page_size))
    first_params = {**(params or {}), "offset": 0, "limit": page_size}
    seen = {f"{path}?{urlencode(first_params)}"}
    payload = fetch(path, first_params)
    first = True
    received = 0
    while True:
        items = page_items(payload, where)
        if items or first:
            yield Page(payload=payload, items=items)
        if not items:
            return
        first = False
        received += len(items)
        total = _page_total(payload)
        if total is not None and received >= total:
            return
        link = next_page(payload)
        if link is None:
            return
        if link in seen:
            logger.warning("stopping %s pagination: page.next repeats %s", where, link.split("?", 1)[0])
            return
        seen.add(link)
        payload = fetch(link, None)


def date_windows(start: date, end: date, max_days: int = MAX_WINDOW_DAYS) -> list[tuple[date, date]]:
    """Consecutive inclusive windows of at most ``max_days`` days covering ``[start, end]``.

    200 days -> 90 + 90 + 20. ``start > end`` gives no window (nothing to fetch), not an error, so a caller
    that is already up to date makes no call.
    """
    if max_days < 1:
        raise ValueError(f"max_days must be at least 1, got {max_days}")
    windows: list[tuple[date, date]] = []
    cursor = start
    while cursor <= end:
        window_end = min(end, cursor + timedelta(days=max_days - 1))
        windows.append((cursor, window_end))
        cursor = window_end + timedelta(days=1)
    return windows


def _page_total(payload: Any) -> int | None:
    """``page.total`` when the API gives a usable one; None means "keep following ``next``"."""
    page = payload.get("page") if isinstance(payload, Mapping) else None
    total = page.get("total") if isinstance(page, Mapping) else None
    return total if isinstance(total, int) and not isinstance(total, bool) and total > 0 else None

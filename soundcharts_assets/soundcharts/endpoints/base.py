"""What every endpoint mixin shares: one GET, every page of a collection, a time series, a batch lookup."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime, timezone
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

from ..errors import NotFoundError
from ..fields import page_items
from ..models import Series
from ..pagination import BATCH_SIZE, Page, date_windows, iter_pages
from ..parsing import parse_last_crawl
from ..transport import ApiResponse, ApiTransport


class _Entity(Protocol):
    @property
    def uuid(self) -> str: ...


T = TypeVar("T")
E = TypeVar("E", bound=_Entity)


def seg(value: str) -> str:
    """One path segment, percent-encoded so a slug or uuid can never add a '/' or a query."""
    return quote(str(value), safe="")


def atom(at: datetime) -> str:
    """ATOM (``2024-05-10T00:00:00+00:00``) in UTC, '+' percent-encoded as the ranking path needs."""
    at = at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)
    return quote(at.strftime("%Y-%m-%dT%H:%M:%S+00:00"), safe=":")


class EndpointBase:
    """Plumbing for the endpoint mixins; the client sets ``_api``."""

    _api: ApiTransport

    def _get(
        self,
        endpoint: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        subject: str | None = None,
        free: bool = False,
    ) -> ApiResponse:
        return self._api.get_json(endpoint, path, params, subject=subject, free=free)

    def _pages(
        self,
        endpoint: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        subject: str | None = None,
        page_size: int = 100,
    ) -> Iterator[Page]:
        def fetch(p: str, q: Mapping[str, Any] | None) -> Any:
            return self._get(endpoint, p, q, subject=subject).data

        return iter_pages(fetch, path, params, where=f"{endpoint} (GET {path})", page_size=page_size)

    def _all_items(
        self, endpoint: str, path: str, params: Mapping[str, Any] | None = None, *, subject: str | None = None
    ) -> list[Any]:
        return [item for page in self._pages(endpoint, path, params, subject=subject) for item in page.items]

    def _series(
        self, endpoint: str, path: str, start: date, end: date, subject: str, parse: Callable[[list[Any], str], list[T]]
    ) -> Series[T]:
        """Every point of ``[start, end]``: ≤ 90-day windows, every page, parsed; with the newest
        ``related.lastCrawlDate`` any window's first page gave."""
        points: Series[T] = Series()
        where = f"{endpoint} (GET {path})"
        for window_start, window_end in date_windows(start, end):
            params = {"startDate": window_start.isoformat(), "endDate": window_end.isoformat()}
            for number, page in enumerate(self._pages(endpoint, path, params, subject=subject)):
                if number == 0:
                    crawl = parse_last_crawl(page.payload, where)
                    if crawl is not None and (points.last_crawl_at is None or crawl > points.last_crawl_at):
                        points.last_crawl_at = crawl
                points.extend(parse(page.items, where))
        return points

    def _batch(
        self,
        uuids: Iterable[str],
        prefix: str,
        endpoint: str,
        get_one: Callable[[str], E],
        parse: Callable[[Any, str], E],
    ) -> dict[str, E]:
        """Entities by uuid, ``BATCH_SIZE`` per call; unknown uuids, and answers for another uuid, are absent."""
        wanted = list(dict.fromkeys(u for u in uuids if u))
        found: dict[str, E] = {}
        for i in range(0, len(wanted), BATCH_SIZE):
            chunk = wanted[i : i + BATCH_SIZE]
            if len(chunk) == 1:  # "/song/{uuid}" with one uuid is the single endpoint and its envelope
                try:
                    entity = get_one(chunk[0])
                except NotFoundError:
                    continue
                if entity.uuid == chunk[0]:  # as in a batch: another uuid (a merged entity) is not an
                    found[chunk[0]] = entity  # answer for this one
                continue
            path = f"{prefix}/{','.join(seg(u) for u in chunk)}"
            where = f"{endpoint} (GET {path})"
            try:
                data = self._get(endpoint, path, subject=f"all of {len(chunk)} uuids").data
            except NotFoundError:  # the whole batch unknown
                continue
            for item in page_items(data, where):
                obj = item["object"] if isinstance(item, Mapping) and isinstance(item.get("object"), Mapping) else item
                entity = parse(obj, where)
                if entity.uuid in chunk:
                    found[entity.uuid] = entity
        return {u: found[u] for u in wanted if u in found}

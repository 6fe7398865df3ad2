"""Response envelopes, pagination and query parsing, exactly as the reference describes them.

Single objects: ``{type, object, errors: []}``. Collections: ``{related?, items, page, errors: []}`` where
``page.next``/``previous`` are host-relative paths with the version prefix and the full query string.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse

MAX_LIMIT = 100
MAX_WINDOW_DAYS = 90
NOT_FOUND = "Not found."
NOT_LOGGED_IN = "You are not logged in"
NOT_IN_PLAN = "This endpoint is not included in your current plan, reach out to help@soundcharts.com"


class ApiError(Exception):
    """Raised by handlers; the app turns it into the documented errors body."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def error_body(status: int, message: str, key: str = "access") -> dict[str, Any]:
    return {"errors": [{"key": key, "code": status, "message": message}]}


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(status, message), status_code=status, headers=headers)


def single(kind: str, obj: dict[str, Any]) -> JSONResponse:
    return JSONResponse({"type": kind, "object": obj, "errors": []})


def _int_param(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"Invalid value for {name}: {raw!r}") from None
    if value < 0:
        raise ApiError(400, f"Invalid value for {name}: {raw!r}")
    return value


def page_params(request: Request) -> tuple[int, int]:
    """``offset`` defaults to 0; ``limit`` defaults to 100 and is clamped to 100 (0 also means 100)."""
    offset = _int_param(request, "offset", 0)
    limit = _int_param(request, "limit", MAX_LIMIT)
    return offset, min(limit, MAX_LIMIT) or MAX_LIMIT


def page_link(request: Request, offset: int, limit: int) -> str:
    """The request's own path (still percent-encoded) and query, with offset and limit replaced."""
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    query = [
        (k, v)
        for k, v in parse_qsl(request.scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        if k not in ("offset", "limit")
    ]
    query += [("offset", str(offset)), ("limit", str(limit))]
    return f"{raw_path.decode('latin-1')}?{urlencode(query)}"


def collection(
    request: Request, items: list[Any], related: dict[str, Any] | None = None, phantom_next_page: bool = True
) -> JSONResponse:
    """One page of ``items``. With ``phantom_next_page`` the last page (and every page past the end) still
    offers a ``next``, the real API's pitfall: a correct client stops on an empty page."""
    offset, limit = page_params(request)
    total = len(items)
    more = offset + limit < total
    page = {
        "offset": offset,
        "limit": limit,
        "next": page_link(request, offset + limit, limit) if more or phantom_next_page else None,
        "previous": page_link(request, max(0, offset - limit), limit) if offset > 0 else None,
        "total": total,
    }
    body: dict[str, Any] = {}
    if related is not None:
        body["related"] = related
    body.update({"items": items[offset : offset + limit], "page": page, "errors": []})
    return JSONResponse(body)


def batch(items: list[Any], errors: list[dict[str, Any]]) -> JSONResponse:
    """A batch lookup: one page holding every found object, unknown keys listed in ``errors``."""
    page = {"offset": 0, "limit": len(items), "next": None, "previous": None, "total": len(items)}
    return JSONResponse({"items": items, "page": page, "errors": errors})


def _date_param(request: Request, name: str) -> date | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, f"Invalid date for {name}: {raw!r}, expected YYYY-MM-DD") from None


def date_window(request: Request, today: date) -> tuple[date, date]:
    """``startDate``/``endDate``: missing end = today, missing start = end - 30 days, at most 90 days."""
    end = _date_param(request, "endDate") or today
    start = _date_param(request, "startDate") or end - timedelta(days=30)
    if start > end:
        raise ApiError(400, "Invalid period: startDate is after endDate")
    if (end - start).days > MAX_WINDOW_DAYS:
        raise ApiError(400, f"Invalid period: the period cannot exceed {MAX_WINDOW_DAYS} days")
    return start, end

"""Reading untrusted JSON values: optional scalars become None, required ones fail loudly, dates become dates.

Shared by every parser in ``parsing.py``; nothing here knows an endpoint's shape, only how one value is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timezone
from typing import Any

from .errors import MalformedPayloadError


def malformed(where: str, problem: str) -> MalformedPayloadError:
    return MalformedPayloadError(f"Soundcharts sent a malformed {where} payload: {problem}")


# --- scalars -------------------------------------------------------------------------------------------


def _fromisoformat(text: str) -> datetime:
    # Python 3.10's fromisoformat does not know "Z"; the API uses both "Z" and "+00:00".
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    return datetime.fromisoformat(text)


def parse_datetime(value: Any, where: str = "", field: str = "date") -> datetime | None:
    """An ISO-8601 instant with any offset -> aware UTC datetime; naive values are taken as UTC."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise malformed(where, f"{field} is not a date string: {value!r:.60}")
    try:
        parsed = _fromisoformat(value.strip())
    except ValueError:
        raise malformed(where, f"{field} is not an ISO date: {value!r:.60}") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def parse_day(value: Any, where: str = "", field: str = "date") -> date | None:
    """The calendar day *as written*: ``2021-06-16T00:00:00+02:00`` is the 16th, not the 15th in UTC.

    Day series are labelled in the zone the data was crawled in; converting to UTC would shift every point of
    older (+02:00) data back a day and collide with its neighbours.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise malformed(where, f"{field} is not a date string: {value!r:.60}")
    text = value.strip()
    try:
        return date.fromisoformat(text[:10]) if len(text) >= 10 else date.fromisoformat(text)
    except ValueError:
        raise malformed(where, f"{field} is not an ISO date: {value!r:.60}") from None


def opt_str(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def opt_int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value))
        except ValueError:
            return None
    return None


def opt_float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def opt_bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def as_dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def required_str(obj: Mapping[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip():
        raise malformed(where, f"required field '{key}' is missing or empty")
    return value.strip()


# --- envelopes -----------------------------------------------------------------------------------------


def envelope_object(payload: Any, where: str) -> Mapping[str, Any]:
    """The ``object`` of a single-entity envelope."""
    obj = payload.get("object") if isinstance(payload, Mapping) else None
    if not isinstance(obj, Mapping):
        raise malformed(where, "'object' is missing or not an object")
    return obj


def page_items(payload: Any, where: str) -> list[Any]:
    """The ``items`` of a collection envelope; required."""
    if not isinstance(payload, Mapping):
        raise malformed(where, "the body is not a JSON object")
    items = payload.get("items")
    if not isinstance(items, list):
        raise malformed(where, "'items' is missing or not a list")
    return items


def next_page(payload: Mapping[str, Any]) -> str | None:
    """``page.next``: a host-relative path with the full query, or None on the last page."""
    nxt = as_dict(payload.get("page")).get("next")
    return nxt if isinstance(nxt, str) and nxt.strip() else None

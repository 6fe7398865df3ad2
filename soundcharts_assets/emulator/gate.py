"""Everything that happens to an API request before a handler sees it, as one ASGI middleware.

Order, as a client experiences it: latency, authentication (401), rate limit (429 + ``x-ratelimit-reset``),
quota (429), then the injected faults (stall, 5xx, dropped connection, malformed JSON). Every response gets
``x-quota-remaining``; only 2xx answers of paid routes cost quota. ``/__emulator/*`` skips all of it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from soundcharts_assets.emulator.envelopes import NOT_LOGGED_IN, error_response
from soundcharts_assets.emulator.state import EmulatorState

CONTROL_PREFIX = "/__emulator"
USAGE_ROUTE = "/api/v2/team/usage"
FREE_ROUTES = frozenset({USAGE_ROUTE, "/oauth/token"})
UNMATCHED = "<unmatched>"
QUOTA_MESSAGE = "Your quota has been consumed, reach out to help@soundcharts.com to get more credits"
RATE_MESSAGE = "You have reached the maximum request count per minute, retry later"
MALFORMED_BODY = b'{"items":[{"uuid":"7d534228-5165-11e9'


class ConnectionDropped(Exception):
    """Raised after a partial response so uvicorn closes the socket: the client sees a protocol error."""


class _HideDroppedConnections(logging.Filter):
    """uvicorn logs every exception after a response started; the emulated resets are expected, not bugs."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ConnectionDropped))


def hide_dropped_connection_logs() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _HideDroppedConnections) for f in logger.filters):
        logger.addFilter(_HideDroppedConnections())


class Gate:
    """ASGI middleware: auth, limits, faults and counters around the Starlette router."""

    def __init__(self, app: ASGIApp, state: EmulatorState, routes: list[BaseRoute]) -> None:
        self.app = app
        self.state = state
        self.routes = routes

    def route_template(self, scope: Scope) -> str:
        for route in self.routes:
            match, _ = route.matches(scope)
            if match != Match.NONE:
                return getattr(route, "path", UNMATCHED)
        return UNMATCHED

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith(CONTROL_PREFIX):
            await self.app(scope, receive, self._with_quota_header(send, paid=False, status=[""]))
            return
        route = self.route_template(scope)
        status = ["500"]
        self.state.enter()
        try:
            delay = self.state.latency_seconds()
            if delay:
                await asyncio.sleep(delay)
            paid = route not in FREE_ROUTES and route != UNMATCHED
            header = route != USAGE_ROUTE or self.state.config.usage_quota_header
            tracked_send = self._with_quota_header(send, paid, status, header)
            if scope["path"].startswith("/api/"):
                blocked = await self._check(scope, paid)
                if blocked is not None:
                    await blocked(scope, receive, tracked_send)
                    return
                if await self._inject_fault(scope, receive, send, tracked_send, status):
                    return
            await self.app(scope, receive, tracked_send)
        finally:
            self.state.leave(route, status[0])

    def _with_quota_header(self, send: Send, paid: bool, status: list[str], header: bool = True) -> Send:
        async def tracked(message: Message) -> None:
            if message["type"] == "http.response.start":
                code = message["status"]
                status[0] = str(code)
                remaining = self.state.charge() if paid and 200 <= code < 300 else self.state.quota_remaining
                if header:
                    MutableHeaders(scope=message)["x-quota-remaining"] = str(remaining)
            await send(message)

        return tracked

    def _authenticated(self, scope: Scope) -> bool:
        headers = Headers(scope=scope)
        app_id, api_key = headers.get("x-app-id"), headers.get("x-api-key")
        if app_id is not None and api_key is not None and self.state.config.api_keys.get(app_id) == api_key:
            return True
        scheme, _, token = headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and self.state.token_valid(token.strip())

    async def _check(self, scope: Scope, paid: bool) -> Any:
        """The response that refuses the request (401/429), or None to let it through."""
        if not self._authenticated(scope):
            return error_response(401, NOT_LOGGED_IN)
        wait = self.state.rate_limited_for()
        if wait is not None:
            headers = {"x-ratelimit-reset": str(wait), "retry-after": str(wait)}
            return error_response(429, RATE_MESSAGE, headers)
        if paid and self.state.quota_remaining <= 0:
            return error_response(429, QUOTA_MESSAGE)
        return None

    async def _inject_fault(
        self, scope: Scope, receive: Receive, send: Send, tracked_send: Send, status: list[str]
    ) -> bool:
        """Apply at most one fault (after an optional stall); True when the response has been sent."""
        config = self.state.config
        if self.state.roll(config.stall_rate):
            await asyncio.sleep(config.stall_seconds)
        if self.state.roll(config.fault_rate):
            code = self.state.pick((502, 503, 504))
            messages = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
            await error_response(code, messages[code])(scope, receive, tracked_send)
            return True
        if self.state.roll(config.reset_rate):
            status[0] = "reset"
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", b"4096"),
                        (b"x-quota-remaining", str(self.state.quota_remaining).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b'{"items":[{"uuid":', "more_body": True})
            raise ConnectionDropped("emulated connection reset")
        if self.state.roll(config.malformed_rate):
            await Response(MALFORMED_BODY, media_type="application/json")(scope, receive, tracked_send)
            return True
        return False

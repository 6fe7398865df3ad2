"""The Starlette application: the route table, the OAuth token endpoint, usage, and the control routes.

Route paths are the versioned paths of the real API; the same templates key the request counters in
``/__emulator/stats``. Control routes (``/__emulator/*``) need no auth and are not counted.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import date
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from soundcharts_assets.emulator import handlers
from soundcharts_assets.emulator.config import EmulatorConfig
from soundcharts_assets.emulator.envelopes import NOT_FOUND, ApiError, error_body, error_response, single
from soundcharts_assets.emulator.gate import Gate
from soundcharts_assets.emulator.state import EmulatorState

API_ROUTES: list[Route] = [
    Route("/api/v2/chart/song/platforms", handlers.chart_platforms),
    Route("/api/v2/chart/song/by-platform/{platform}", handlers.charts_by_platform),
    Route("/api/v2.14/chart/song/{slug}/ranking/latest", handlers.ranking),
    Route("/api/v2.14/chart/song/{slug}/ranking/{datetime}", handlers.ranking),
    Route("/api/v2/chart/song/{slug}/available-rankings", handlers.available_rankings),
    Route("/api/v2.25/song/{uuids}", handlers.songs),
    Route("/api/v2.9/artist/{uuids}", handlers.artists),
    Route("/api/v2/song/{uuid}/audience/{platform}", handlers.song_audience),
    Route("/api/v2/song/{uuid}/broadcast-groups", handlers.song_broadcast_groups),
    Route("/api/v2/artist/{uuid}/audience/{platform}", handlers.artist_audience),
    Route("/api/v2/artist/{uuid}/streaming/{platform}/listening", handlers.artist_listening),
    Route("/api/v2/artist/{uuid}/current/stats", handlers.artist_current_stats),
    Route("/api/v2/song/{uuid}/current/stats", handlers.song_current_stats),
]


def _state(request: Request) -> EmulatorState:
    state: EmulatorState = request.app.state.emulator
    return state


async def team_usage(request: Request) -> Response:
    """Free: the monthly quota, this calendar month's paid calls (by the emulator's clock) and the rate
    limit. The real shape is undocumented; these names are ours (see docs/emulator.md), and the knobs
    ``usage_body`` and ``usage_status`` answer anything else."""
    state = _state(request)
    body, status = state.config.usage_body, state.config.usage_status
    if body is None:
        return single("usage", state.usage()) if status < 300 else error_response(status, "usage unavailable")
    if isinstance(body, str):
        return PlainTextResponse(body, status_code=status)
    return JSONResponse(body, status_code=status)


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, _, secret = base64.b64decode(encoded.strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return client_id, secret


async def oauth_token(request: Request) -> JSONResponse:
    """OAuth2 client credentials: HTTP Basic client_id:client_secret, form grant_type and team_id."""
    state = _state(request)
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
    if form.get("grant_type") != "client_credentials":
        return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
    credentials = _basic_credentials(request)
    client = state.config.oauth_clients.get(credentials[0]) if credentials else None
    valid = client is not None and credentials is not None and client == (credentials[1], form.get("team_id"))
    if not valid:
        return JSONResponse(
            {"error": "invalid_client", **error_body(401, "Invalid client credentials")}, status_code=401
        )
    return JSONResponse(
        {"access_token": state.issue_token(), "token_type": "Bearer", "expires_in": int(state.config.token_ttl_seconds)}
    )


async def control_stats(request: Request) -> JSONResponse:
    return JSONResponse(_state(request).stats())


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ApiError(400, f"Body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise ApiError(400, "Body must be a JSON object")
    return body


async def control_reset(request: Request) -> JSONResponse:
    body = await _json_body(request)
    return JSONResponse(_state(request).reset(quota=bool(body.get("quota", False))))


async def control_config(request: Request) -> JSONResponse:
    body = await _json_body(request)
    try:
        return JSONResponse(_state(request).configure(**body))
    except (ValueError, TypeError) as exc:
        raise ApiError(400, str(exc)) from None


async def control_clock(request: Request) -> JSONResponse:
    """``GET`` the emulator's today; ``POST {"today": "YYYY-MM-DD"}`` moves it forward."""
    state = _state(request)
    if request.method == "POST":
        raw = (await _json_body(request)).get("today")
        try:
            state.set_today(date.fromisoformat(str(raw)))
        except ValueError as exc:
            raise ApiError(400, f"Invalid today {raw!r}: {exc}") from None
    return JSONResponse({"today": state.catalogue.today().isoformat()})


async def control_publish(request: Request) -> JSONResponse:
    slug = request.path_params["slug"]
    catalogue = _state(request).catalogue
    if catalogue.chart(slug) is None:
        raise ApiError(404, NOT_FOUND)
    return JSONResponse({"slug": slug, "date": catalogue.publish_edition(slug).isoformat()})


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message, exc.headers)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    message = NOT_FOUND if exc.status_code == 404 else str(exc.detail)
    return error_response(exc.status_code, message)


def build_app(config: EmulatorConfig | None = None, *, state: EmulatorState | None = None) -> Starlette:
    """A Starlette app serving one catalogue; pass ``state`` to share it with a server object."""
    state = state or EmulatorState(config or EmulatorConfig())
    routes = [
        *API_ROUTES,
        Route("/api/v2/team/usage", team_usage),
        Route("/oauth/token", oauth_token, methods=["POST"]),
        Route("/__emulator/stats", control_stats),
        Route("/__emulator/reset", control_reset, methods=["POST"]),
        Route("/__emulator/config", control_config, methods=["GET", "POST"]),
        Route("/__emulator/charts/{slug}/publish", control_publish, methods=["POST"]),
        Route("/__emulator/clock", control_clock, methods=["GET", "POST"]),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(Gate, state=state, routes=list[BaseRoute](routes))],
        exception_handlers={ApiError: _api_error, HTTPException: _http_error},
    )
    app.state.emulator = state
    return app

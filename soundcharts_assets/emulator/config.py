"""Knobs of the emulator: what it serves (seed, catalogue size) and how it misbehaves (latency, faults).

One mutable dataclass so tests can flip a knob at runtime (``EmulatorServer.configure`` or
``POST /__emulator/config``) without restarting the server. Knobs that shape the catalogue are fixed at
start: changing them would silently change data a test already looked at.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import Any

SANDBOX_APP_ID = "soundcharts"
SANDBOX_API_KEY = "soundcharts"
"""The public sandbox pair the real API accepts (docs section 1); the emulator accepts it too. The emulator
is a server of its own and imports nothing from the client or the app, so it names the pair itself."""

UNLIMITED_QUOTA = 1_000_000
"""What ``x-quota-remaining`` starts from when no quota is set: large enough to never run out in practice."""

CATALOGUE_KNOBS = frozenset(
    {
        "seed",
        "song_count",
        "artist_count",
        "ranking_editions",
        "today",
        "charts",
        "crawl_cadence",
        "small_accounts",
        "spikes",
        "chart_entries",
    }
)
"""Fixed at start: they decide the synthetic data itself."""


@dataclass
class EmulatorConfig:
    """Every knob of the emulator. Rates are probabilities per API request, in 0..1."""

    seed: int = 7
    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    rate_limit_per_minute: int | None = None
    rate_limit_window_seconds: float = 60.0
    """The sliding window ``rate_limit_per_minute`` counts over: 60 like the API; tests shorten it so a
    429 storm (and its ``x-ratelimit-reset`` waits) fits in seconds."""
    fault_rate: float = 0.0
    quota: int | None = None
    token_ttl_seconds: float = 3600.0
    api_keys: dict[str, str] = field(default_factory=lambda: {SANDBOX_APP_ID: SANDBOX_API_KEY})
    """Accepted ``x-app-id`` -> ``x-api-key`` pairs."""
    oauth_clients: dict[str, tuple[str, str]] = field(
        default_factory=lambda: {"emulator-client": ("emulator-secret", "emulator-team")}
    )
    """OAuth client_id -> (client_secret, team_id)."""
    not_in_plan_platforms: set[str] = field(default_factory=set)
    not_in_plan_charts: set[str] = field(default_factory=set)
    reset_rate: float = 0.0
    stall_rate: float = 0.0
    stall_seconds: float = 30.0
    malformed_rate: float = 0.0
    missing_optional_rate: float = 0.0
    missing_song_uuids: set[str] = field(default_factory=set)
    gapped_ranking_charts: set[str] = field(default_factory=set)
    """Charts whose editions are served without the entry at position 5: a broken ranking, for the checks."""
    phantom_next_page: bool = True
    song_count: int = 3000
    artist_count: int = 1500
    ranking_editions: int = 45
    today: date | None = None
    """The server's idea of today (UTC); None = the real clock. Moved at runtime only through the clock
    (``POST /__emulator/clock``, ``EmulatorServer.set_today``), which also updates this value."""
    charts: int | None = None
    """A fleet of this many charts (Spotify daily top 200 for 62 markets, then the other platforms), with
    pools scaled for local hits; None = the default 26 charts."""
    crawl_cadence: bool = True
    """Social audiences crawled every 2 days above 5k followers, up to 15 for tiny accounts; False = daily."""
    small_accounts: bool | None = None
    """~30 % of artists' youtube/instagram/tiktok accounts hold a small share of their audience (crawled
    every 3 to 15 days). None = on for a fleet (``charts``), off for the default catalogue, whose follower
    values (all above 5k) stay as they always were."""
    current_stats_in_plan: bool = True
    """False: ``/artist|song/{uuid}/current/stats`` answer 403 not-in-plan."""
    current_stats_related_object: bool = False
    """Serve current stats' ``related`` as an object instead of the documented one-element list."""
    spikes: list[dict[str, Any]] = field(default_factory=list)
    """Scripted audience jumps (``script.py``): ``{"uuid", "source", "date", "factor"}``, the series multiplied
    by ``factor`` from ``date`` on; a song's source is spotify, youtube or shazam, an artist's spotify,
    youtube, instagram, tiktok or listening (monthly listeners)."""
    chart_entries: list[dict[str, Any]] = field(default_factory=list)
    """Scripted chart entries (``script.py``): ``{"chart", "song", "date", "position"}``, the song placed at
    ``position`` of the edition dated ``date``."""
    usage_body: Any = None
    """What ``/api/v2/team/usage`` answers instead of our own shape: any JSON value, or a string served as
    plain text. The real field names are undocumented, so tests feed the client other shapes through this."""
    usage_status: int = 200
    """The status ``/api/v2/team/usage`` answers with (an error body when not 2xx and no ``usage_body``)."""
    usage_quota_header: bool = True
    """False: ``/api/v2/team/usage`` answers without ``x-quota-remaining``."""


_RATES = ("fault_rate", "reset_rate", "stall_rate", "malformed_rate", "missing_optional_rate")
_SETS = ("not_in_plan_platforms", "not_in_plan_charts", "missing_song_uuids", "gapped_ranking_charts")


def knob_names() -> list[str]:
    return [f.name for f in dataclasses.fields(EmulatorConfig)]


def _coerce(name: str, value: Any) -> Any:
    """Turn JSON values (lists, strings) into the knob's Python type and reject nonsense early."""
    if name in _SETS:
        return set(value or ())
    if name in _RATES:
        value = float(value)
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name}={value} must be between 0 and 1")
        return value
    if name in ("rate_limit_per_minute", "quota"):
        if value is None:
            return None
        value = int(value)
        if value < 0 or (name == "rate_limit_per_minute" and value == 0):
            raise ValueError(f"{name}={value} must be positive (or null for no limit)")
        return value
    if name == "rate_limit_window_seconds":
        value = float(value)
        if value <= 0:
            raise ValueError(f"{name}={value} must be positive")
        return value
    if name in ("latency_ms", "latency_jitter_ms", "stall_seconds", "token_ttl_seconds"):
        value = float(value)
        if value < 0:
            raise ValueError(f"{name}={value} must not be negative")
        return value
    if name == "oauth_clients":
        return {str(k): (str(v[0]), str(v[1])) for k, v in dict(value).items()}
    if name == "api_keys":
        return {str(k): str(v) for k, v in dict(value).items()}
    if name == "phantom_next_page":
        return bool(value)
    if name == "usage_status":
        value = int(value)
        if not 100 <= value <= 599:
            raise ValueError(f"usage_status={value} must be an HTTP status")
        return value
    if name in ("current_stats_in_plan", "current_stats_related_object", "usage_quota_header"):
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if not isinstance(value, (bool, int)):
            raise ValueError(f"{name}={value!r} must be true or false")
        return bool(value)
    return value


def apply_knobs(config: EmulatorConfig, knobs: dict[str, Any]) -> dict[str, Any]:
    """Validate all knobs first, then set them, so a bad request changes nothing. Returns what was set."""
    known = set(knob_names())
    unknown = sorted(set(knobs) - known)
    if unknown:
        raise ValueError(f"unknown knob(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    fixed = sorted(set(knobs) & CATALOGUE_KNOBS)
    if fixed:
        hint = " (move the clock with POST /__emulator/clock)" if "today" in fixed else ""
        raise ValueError(f"{', '.join(fixed)} shape the catalogue and can only be set at start{hint}")
    coerced = {name: _coerce(name, value) for name, value in knobs.items()}
    for name, value in coerced.items():
        setattr(config, name, value)
    return coerced


def config_as_json(config: EmulatorConfig) -> dict[str, Any]:
    """The knobs as JSON-friendly values (sets become sorted lists; secrets are emulator-only test data)."""
    out: dict[str, Any] = {}
    for name in knob_names():
        value = getattr(config, name)
        if isinstance(value, set):
            value = sorted(value)
        elif isinstance(value, date):
            value = value.isoformat()
        elif name == "oauth_clients":
            value = {k: list(v) for k, v in value.items()}
        out[name] = value
    return out

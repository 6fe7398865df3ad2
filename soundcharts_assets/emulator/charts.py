"""The song charts the emulator publishes: real-looking slugs across six platforms, daily and weekly.

Charts with a metric rank by it (Spotify streams, YouTube views, Airplay spins); Apple Music, Shazam and
Deezer charts have none, as in the reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from soundcharts_assets.emulator.countries import WORLD, WORLD_NAMES

PLATFORMS: dict[str, str] = {
    "spotify": "Spotify",
    "apple-music": "Apple Music",
    "shazam": "Shazam",
    "airplay": "Airplay",
    "youtube": "YouTube",
    "deezer": "Deezer",
}
METRICS: dict[str, tuple[str, str]] = {
    "streams": ("streams", "Number of streams"),
    "spins": ("spins", "Number of spins on radio"),
    "views": ("views", "Number of views"),
}


@dataclass(frozen=True)
class ChartSpec:
    slug: str
    name: str
    platform: str
    frequency: str  # daily | weekly
    country_code: str | None
    size: int
    metric: str | None
    metric_top: float = 0.0
    """Metric value of the number one; lower positions follow a power law."""

    def as_object(self, with_metric: bool = False) -> dict[str, Any]:
        obj: dict[str, Any] = {
            "name": self.name,
            "type": "top",
            "slug": self.slug,
            "platform": self.platform,
            "frequency": self.frequency,
            "countryCode": self.country_code,
            "countryName": WORLD_NAMES.get(self.country_code) if self.country_code else None,
            "cityName": None,
            "maxResultsCount": self.size,
            "webUrl": f"https://app.soundcharts.com/app/market/charts/song/{self.slug}",
        }
        if with_metric:
            obj["metric"] = (
                {"type": METRICS[self.metric][0], "description": METRICS[self.metric][1]} if self.metric else None
            )
        return obj


def _c(
    slug: str,
    name: str,
    platform: str,
    frequency: str,
    country: str | None,
    size: int,
    metric: str | None = None,
    top: float = 0.0,
) -> ChartSpec:
    return ChartSpec(slug, name, platform, frequency, country, size, metric, top)


CHARTS: list[ChartSpec] = [
    _c("global-28", "Top 200 Global Daily", "spotify", "daily", None, 200, "streams", 6_200_000),
    _c("top-200-us", "Top 200 United States Daily", "spotify", "daily", "US", 200, "streams", 2_100_000),
    _c("top-200-gb", "Top 200 United Kingdom Daily", "spotify", "daily", "GB", 200, "streams", 650_000),
    _c("top-200-fr", "Top 200 France Daily", "spotify", "daily", "FR", 200, "streams", 420_000),
    _c("top-200-de", "Top 200 Germany Daily", "spotify", "daily", "DE", 200, "streams", 520_000),
    _c("top-200-br", "Top 200 Brazil Daily", "spotify", "daily", "BR", 200, "streams", 800_000),
    _c("top-200-mx", "Top 200 Mexico Daily", "spotify", "daily", "MX", 200, "streams", 700_000),
    _c("global-weekly-28", "Top 200 Global Weekly", "spotify", "weekly", None, 200, "streams", 42_000_000),
    _c("top-200-us-weekly", "Top 200 United States Weekly", "spotify", "weekly", "US", 200, "streams", 14_000_000),
    _c("top-100-global", "Top 100 Global", "apple-music", "daily", None, 100),
    _c("top-100-us", "Top 100 United States", "apple-music", "daily", "US", 100),
    _c("top-100-gb", "Top 100 United Kingdom", "apple-music", "daily", "GB", 100),
    _c("top-100-fr", "Top 100 France", "apple-music", "daily", "FR", 100),
    _c("shazam-top-200-world", "Shazam Top 200 World", "shazam", "daily", None, 200),
    _c("shazam-top-200-us", "Shazam Top 200 United States", "shazam", "daily", "US", 200),
    _c("shazam-top-100-gb", "Shazam Top 100 United Kingdom", "shazam", "daily", "GB", 100),
    _c("shazam-top-50-fr", "Shazam Top 50 France", "shazam", "daily", "FR", 50),
    _c("airplay-us", "Airplay United States Weekly", "airplay", "weekly", "US", 100, "spins", 9_500),
    _c("airplay-gb", "Airplay United Kingdom Weekly", "airplay", "weekly", "GB", 50, "spins", 3_200),
    _c("airplay-fr", "Airplay France Daily", "airplay", "daily", "FR", 50, "spins", 600),
    _c("youtube-top-100-global", "YouTube Top 100 Global Weekly", "youtube", "weekly", None, 100, "views", 48_000_000),
    _c(
        "youtube-top-100-us", "YouTube Top 100 United States Weekly", "youtube", "weekly", "US", 100, "views", 9_000_000
    ),
    _c("youtube-top-100-br", "YouTube Top 100 Brazil Weekly", "youtube", "weekly", "BR", 100, "views", 7_000_000),
    _c("deezer-top-100-global", "Deezer Top 100 Global", "deezer", "daily", None, 100),
    _c("deezer-top-100-fr", "Deezer Top 100 France", "deezer", "daily", "FR", 100),
    _c("deezer-top-50-de", "Deezer Top 50 Germany", "deezer", "daily", "DE", 50),
]
CHARTS_BY_SLUG: dict[str, ChartSpec] = {c.slug: c for c in CHARTS}


# The fleet: the default charts first, then a Spotify daily top 200 per market, then the other platforms'
# country charts market by market (largest first), so any prefix is a plausible subscription.
_WEIGHT_TOTAL = sum(weight for _, _, weight, _ in WORLD)


# Long on purpose: the fleet catalogue's chart list in one deterministic order (its order is the catalogue).
def _fleet_candidates() -> list[ChartSpec]:
    by_weight = sorted(WORLD, key=lambda c: -c[2])
    specs = list(CHARTS)
    for code, name, weight, _ in by_weight:
        share = weight / _WEIGHT_TOTAL
        specs.append(
            _c(
                f"top-200-{code.lower()}",
                f"Top 200 {name} Daily",
                "spotify",
                "daily",
                code,
                200,
                "streams",
                round(40_000 + 8_000_000 * share),
            )
        )
    for code, name, weight, _ in by_weight:
        share, cc = weight / _WEIGHT_TOTAL, code.lower()
        specs += [
            _c(f"top-100-{cc}", f"Top 100 {name}", "apple-music", "daily", code, 100),
            _c(f"shazam-top-200-{cc}", f"Shazam Top 200 {name}", "shazam", "daily", code, 200),
            _c(f"deezer-top-100-{cc}", f"Deezer Top 100 {name}", "deezer", "daily", code, 100),
            _c(
                f"youtube-top-100-{cc}",
                f"YouTube Top 100 {name} Weekly",
                "youtube",
                "weekly",
                code,
                100,
                "views",
                round(200_000 + 30_000_000 * share),
            ),
            _c(
                f"airplay-{cc}",
                f"Airplay {name} Weekly",
                "airplay",
                "weekly",
                code,
                50,
                "spins",
                round(150 + 20_000 * share),
            ),
        ]
    unique: dict[str, ChartSpec] = {}
    for spec in specs:
        unique.setdefault(spec.slug, spec)
    return list(unique.values())


FLEET_CANDIDATES: list[ChartSpec] = _fleet_candidates()
MAX_FLEET_CHARTS = len(FLEET_CANDIDATES)


def fleet_charts(count: int) -> list[ChartSpec]:
    """The first ``count`` charts of the fleet (1..MAX_FLEET_CHARTS); a superset of the default charts from
    26 on, with ``global-28`` first."""
    if not 1 <= count <= MAX_FLEET_CHARTS:
        raise ValueError(f"charts={count} must be between 1 and {MAX_FLEET_CHARTS}")
    return FLEET_CANDIDATES[:count]

"""Adding an artist-audience source is one row of ``sources.py``, plus the emulator's data for it (issue 24).

The fixture adds an artist's Deezer fans at runtime, in those two tables only. Everything else picks the row
up: the cascade fetches and stores it, the warehouse records each fetch under its name and stores its points
under its platform and metric, settings accept its name, the due rule bounds it, and the budget forecast and
the cost estimate count it.
"""

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from soundcharts_assets import cascade, clock, sources
from soundcharts_assets.cascade.cost import estimate, stored_state
from soundcharts_assets.cascade.forecast import fleet_state, forecast_daily
from soundcharts_assets.emulator import EmulatorConfig, EmulatorServer, platforms
from soundcharts_assets.refresh_policy import min_hours, refresh_policy
from soundcharts_assets.settings import SettingsError, api_settings_from_env, freshness_from_env
from soundcharts_assets.soundcharts.client import SoundchartsClient
from soundcharts_assets.sources import AudienceSource, Endpoint
from soundcharts_assets.vocabulary import EntityKind
from soundcharts_assets.warehouse import Warehouse
from soundcharts_assets.warehouse.schema import artist_audience

START = date(2026, 12, 1)
SLUG = "shazam-top-50-fr"
DEEZER = AudienceSource(
    "deezer", EntityKind.ARTIST, Endpoint.ARTIST_AUDIENCE, "deezer", "followers", "Deezer fans", current_stats="social"
)


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc)


@pytest.fixture
def deezer(monkeypatch: pytest.MonkeyPatch) -> AudienceSource:
    """The whole change: a row in the app's table, and the emulator's data for it (most artists have fans)."""
    monkeypatch.setattr(sources, "AUDIENCE_SOURCES", (*sources.AUDIENCE_SOURCES, DEEZER))
    monkeypatch.setitem(platforms.SOCIAL_PLATFORMS, "deezer", platforms.SocialPlatform(0.7, {"followerCount": 0.3}))
    return DEEZER


def stored_fans(wh: Warehouse, uuid: str) -> dict[date, int]:
    a = artist_audience.c
    stmt = sa.select(a.date, a.value).where(a.artist_uuid == uuid, a.platform == "deezer", a.metric == "followers")
    with wh.engine.connect() as conn:
        return {day: value for day, value in conn.execute(stmt) if value is not None}


def test_a_source_added_as_one_row_is_fetched_stored_due_and_counted(deezer, monkeypatch, sqlite_url):
    # Its own emulator: started after the Deezer row is patched in (only then does its catalogue hold Deezer fans),
    # and its clock is moved.
    with EmulatorServer(EmulatorConfig(seed=7, today=START)) as server, Warehouse(sqlite_url) as wh:
        monkeypatch.setenv("SOUNDCHARTS_BASE_URL", server.url)
        monkeypatch.setenv("SOUNDCHARTS_RATE_LIMIT_PER_MINUTE", "1000000")
        monkeypatch.setenv("SOUNDCHARTS_TODAY", START.isoformat())
        wh.migrate()
        freshness = freshness_from_env()
        with SoundchartsClient(api_settings_from_env()) as client:
            cascade.refresh_rankings(client, wh, [SLUG])
            cascade.refresh_tracks(client, wh, [SLUG], freshness, now=noon(START))
            cascade.link_artists(wh, [SLUG])
            artists = sorted(set(wh.chart_artist_uuids(SLUG)))
            fans = [u for u in artists if "deezer" in server.catalogue.artist_record(u).platforms]
            assert 0 < len(fans) < len(artists)

            # the cascade fetches it; the warehouse stores its points and records every answer, a 404 included
            reports = cascade.refresh_artist_audience(client, wh, [SLUG], freshness, now=noon(START))
            assert reports[SLUG].not_found >= len(artists) - len(fans)
            for uuid in fans[:5]:
                served = client.get_artist_audience(uuid, "deezer", START - timedelta(days=89), START)
                assert stored_fans(wh, uuid) == {p.date: p.value for p in served if p.metric == "followers" and p.value}
            coverage = wh.audience_coverage("artist", artists, ["deezer"])["deezer"]
            assert coverage == {"ok": len(fans), "not_found": len(artists) - len(fans), "not_in_plan": 0, "missing": 0}
            fetches = wh.last_fetches("artist", fans, ["deezer"])
            assert all(f.last_crawl_at is not None and f.cadence_hours for f in fetches.values())

            # settings know its name, and the due rule its context default (every other freshness window)
            assert min_hours(freshness, "deezer") == 2 * freshness.audience_hours
            custom = freshness_from_env({"SOUNDCHARTS_REFRESH_MIN_HOURS": "deezer=72"})
            assert refresh_policy(custom).bounds("deezer") == (72.0, 360.0)
            with pytest.raises(SettingsError) as error:
                freshness_from_env({"SOUNDCHARTS_REFRESH_MIN_HOURS": "deezr=72"})
            assert "tiktok, spotify_listening, deezer;" in str(error.value)

            # the next day only the series whose next crawl can have happened are fetched; later all of them
            day2 = START + timedelta(days=1)
            server.set_today(day2)
            monkeypatch.setenv("SOUNDCHARTS_TODAY", day2.isoformat())
            clock.reset()
            due = set(wh.due_audience("artist", artists, ["deezer"], refresh_policy(freshness), noon(day2)))
            assert len(due) < len(fans)
            cascade.refresh_artist_audience(client, wh, [SLUG], freshness, now=noon(day2))
            fetched = wh.last_fetches("artist", artists, ["deezer"]).items()
            assert {pair for pair, fetch in fetched if fetch.fetched_at == noon(day2)} == due
            later = noon(START + timedelta(days=16))
            assert len(wh.due_audience("artist", artists, ["deezer"], refresh_policy(freshness), later)) == len(artists)

        # the forecast has a line for it; the estimate prices its calls (a 404 is sent, never billed)
        daily = forecast_daily(fleet_state(wh, {SLUG: "daily"}), freshness, None)
        assert daily["artist:deezer"] > 0
        with_it = stored_state(wh, SLUG, freshness, later)
        monkeypatch.setattr(sources, "AUDIENCE_SOURCES", tuple(s for s in sources.AUDIENCE_SOURCES if s != deezer))
        without = stored_state(wh, SLUG, freshness, later)
        assert with_it.due_artist_pairs - without.due_artist_pairs == len(artists)
        assert with_it.free_artist_pairs - without.free_artist_pairs == len(artists) - len(fans)
        assert estimate(with_it).billed["artist_audience"] > estimate(without).billed["artist_audience"]

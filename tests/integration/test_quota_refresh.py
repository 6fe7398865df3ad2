"""Issue 13 through the emulator's clock: crawl-aware refresh, current stats and the monthly budget."""

from datetime import date, datetime, timedelta, timezone

import dagster as dg
import pytest
import sqlalchemy as sa

from soundcharts_assets import cascade, clock
from soundcharts_assets.cascade.budget import refresh_needs
from soundcharts_assets.cascade.cost import estimate_calls, stored_states
from soundcharts_assets.cascade.current_stats import NOT_IN_PLAN_NOTE
from soundcharts_assets.defs.charts.schedules import daily_charts_schedule
from soundcharts_assets.defs.charts.sensors import new_chart_editions_sensor
from soundcharts_assets.defs.partitions import CHARTS_PARTITIONS_NAME
from soundcharts_assets.defs.resources import SoundchartsResource, WarehouseResource
from soundcharts_assets.emulator import EmulatorConfig, EmulatorServer
from soundcharts_assets.settings import api_settings_from_env, freshness_from_env
from soundcharts_assets.soundcharts.client import SoundchartsClient
from soundcharts_assets.soundcharts.errors import NotFoundError
from soundcharts_assets.warehouse import Warehouse
from soundcharts_assets.warehouse.schema import artist_audience, audience_fetches, track_audience

START = date(2026, 12, 1)
SLUG = "shazam-top-50-fr"


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc)


@pytest.fixture
def world(monkeypatch, sqlite_url):
    """An emulator at START, a warehouse and a client; the chart's catalogue stored on day 1."""

    def start(**knobs):
        server = EmulatorServer(EmulatorConfig(seed=7, today=START, **knobs)).start()
        monkeypatch.setenv("SOUNDCHARTS_BASE_URL", server.url)
        monkeypatch.setenv("SOUNDCHARTS_RATE_LIMIT_PER_MINUTE", "1000000")
        monkeypatch.setenv("SOUNDCHARTS_TODAY", START.isoformat())
        wh = Warehouse(sqlite_url)
        wh.migrate()
        client = SoundchartsClient(api_settings_from_env())
        cascade.refresh_rankings(client, wh, [SLUG])
        cascade.refresh_tracks(client, wh, [SLUG], freshness_from_env(), now=noon(START))
        cascade.link_artists(wh, [SLUG])
        opened.append((server, wh, client))
        return server, wh, client

    opened: list = []
    yield start
    for server, wh, client in opened:
        client.close()
        wh.dispose()
        server.stop()


def fetched_at(wh: Warehouse, uuid: str, source: str) -> datetime:
    f = audience_fetches.c
    with wh.engine.connect() as conn:
        return conn.execute(sa.select(f.fetched_at).where(f.entity_uuid == uuid, f.platform == source)).scalar_one()


def followers(wh: Warehouse, uuid: str, platform: str) -> dict[date, int]:
    a = artist_audience.c
    stmt = sa.select(a.date, a.value).where(a.artist_uuid == uuid, a.platform == platform, a.metric == "followers")
    with wh.engine.connect() as conn:
        return dict(conn.execute(stmt).tuples().all())


def move(server: EmulatorServer, monkeypatch, day: date) -> None:
    server.set_today(day)
    monkeypatch.setenv("SOUNDCHARTS_TODAY", day.isoformat())
    clock.reset()


def test_a_series_waits_for_its_next_crawl_then_loses_no_point(world, monkeypatch):
    server, wh, client = world()
    freshness = freshness_from_env()
    cascade.refresh_artist_audience(client, wh, [SLUG], freshness, now=noon(START))
    # an instagram account crawled every 2 days, crawled on day 1 and on day 3
    candidates = [
        uuid
        for uuid in wh.chart_artist_uuids(SLUG)
        if (c := server.catalogue.cadence("artist", uuid, "instagram")).interval == 2
        and c.crawled(START)
        and c.crawled(START + timedelta(days=2))
        and followers(wh, uuid, "instagram")  # the artist has an instagram account
    ]
    assert candidates, "the default catalogue has 2-day instagram accounts"
    uuid = candidates[0]
    first = fetched_at(wh, uuid, "instagram")

    move(server, monkeypatch, START + timedelta(days=1))  # no crawl can have happened: not due
    reports = cascade.refresh_artist_audience(client, wh, [SLUG], freshness, now=noon(START + timedelta(days=1)))
    assert fetched_at(wh, uuid, "instagram") == first
    assert reports[SLUG].reused > 0

    day3 = START + timedelta(days=2)
    move(server, monkeypatch, day3)  # the next crawl has happened: due, and the window loses nothing
    cascade.refresh_artist_audience(client, wh, [SLUG], freshness, now=noon(day3))
    assert fetched_at(wh, uuid, "instagram") == noon(day3)
    served = client.get_artist_audience(uuid, "instagram", START - timedelta(days=89), day3)
    assert followers(wh, uuid, "instagram") == {p.date: p.value for p in served if p.metric == "followers"}
    assert served.last_crawl_at is not None and served.last_crawl_at.date() == day3


def airplay_rows(wh: Warehouse, uuid: str) -> dict[date, dict[str, int]]:
    t = track_audience.c
    stmt = sa.select(t.date, t.identifier, t.value).where(t.song_uuid == uuid, t.platform == "airplay")
    rows: dict[date, dict[str, int]] = {}
    with wh.engine.connect() as conn:
        for day, radio, spins in conn.execute(stmt):
            rows.setdefault(day, {})[radio] = spins
    return rows


def test_airplay_windows_tile_the_weeks_so_every_spin_is_stored_once(world, monkeypatch):
    server, wh, client = world()
    freshness = freshness_from_env()
    songs = wh.ranking_song_uuids(SLUG)
    airplay_calls = {}
    for offset in range(15):
        day = START + timedelta(days=offset)
        move(server, monkeypatch, day)
        server.reset_stats()
        cascade.refresh_track_audience(client, wh, [SLUG], freshness, now=noon(day))
        airplay_calls[offset] = server.stats()["by_route"].get("/api/v2/song/{uuid}/broadcast-groups", 0)
    # one call per song a week (days 1, 8 and 15), none in between
    assert airplay_calls == {d: (len(set(songs)) if d in (0, 7, 14) else 0) for d in range(15)}
    ends = [START - timedelta(days=1), START + timedelta(days=6), START + timedelta(days=13)]
    compared = 0
    for uuid in sorted(set(songs)):
        stored = airplay_rows(wh, uuid)
        if not stored:
            continue
        assert set(stored) <= set(ends)  # one row per radio per week, dated the week's last complete day
        starts = [START - timedelta(days=7), *(end + timedelta(days=1) for end in ends[:-1])]
        for start, end in zip(starts, ends):  # each week's rows are exactly that week's spins
            served = {c.radio_slug: c.play_count for c in client.get_song_airplay(uuid, start, end)}
            assert stored.get(end, {}) == served
        compared += 1
    assert compared > 5


def test_current_stats_take_todays_values_for_series_without_gaps(world, monkeypatch):
    server, wh, client = world()
    monkeypatch.setenv("SOUNDCHARTS_CURRENT_STATS", "1")
    freshness = freshness_from_env()
    cascade.refresh_artist_audience(client, wh, [SLUG], freshness, now=noon(START))  # history: series
    day2 = START + timedelta(days=1)
    move(server, monkeypatch, day2)
    server.reset_stats()
    cascade.refresh_artist_audience(client, wh, [SLUG], freshness, now=noon(day2))
    stats = server.stats()
    artists = set(wh.chart_artist_uuids(SLUG))
    assert 0 < stats["current_stats_served"]["artist"]["total"] <= len(artists)  # at most one call per entity
    assert stats["current_stats_served"]["artist"]["total"] == stats["current_stats_served"]["artist"]["distinct"]
    listening_calls = stats["by_route"].get("/api/v2/artist/{uuid}/streaming/{platform}/listening", 0)
    assert listening_calls < len(artists) / 2  # monthly listeners came from current stats, not the series
    compared = 0
    for uuid in sorted(artists):  # what current stats stored is what the series serve, day for day
        stored = followers(wh, uuid, "instagram")
        if not stored:
            continue  # no instagram account
        served = client.get_artist_audience(uuid, "instagram", START - timedelta(days=89), day2)
        assert stored == {p.date: p.value for p in served if p.metric == "followers"}
        compared += 1
    assert compared > 10


def test_a_plan_without_current_stats_falls_back_and_says_so_once(world, monkeypatch):
    server, wh, client = world(current_stats_in_plan=False)
    monkeypatch.setenv("SOUNDCHARTS_CURRENT_STATS", "1")
    freshness = freshness_from_env()
    cascade.refresh_track_audience(client, wh, [SLUG], freshness, now=noon(START))
    day2 = START + timedelta(days=1)
    move(server, monkeypatch, day2)
    server.reset_stats()
    reports = cascade.refresh_track_audience(client, wh, [SLUG], freshness, now=noon(day2), workers=1)
    assert reports[SLUG].notes == [NOT_IN_PLAN_NOTE]
    stats = server.stats()
    assert stats["by_route_status"]["/api/v2/song/{uuid}/current/stats"] == {"403": 1}
    assert stats["by_route"]["/api/v2/song/{uuid}/audience/{platform}"] > len(wh.ranking_song_uuids(SLUG))


def test_schedule_and_sensor_skip_naming_the_figures_when_the_month_is_spent(world, monkeypatch, sqlite_url):
    server, wh, _ = world()
    monkeypatch.setenv("SOUNDCHARTS_WAREHOUSE_URL", sqlite_url)
    wh.register_chart(SLUG, "daily")
    wh.record_spend("track_audience", {SLUG: 995 - wh.spend_total(START)}, noon(START))  # day 1's too
    wh.record_spend("track_audience", {SLUG: 5000}, noon(START - timedelta(days=1)))  # last month: not counted
    monkeypatch.setenv("SOUNDCHARTS_MONTHLY_BUDGET", "1000")
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, [SLUG])
        with dg.build_schedule_context(
            instance=instance, scheduled_execution_time=noon(START), resources={"warehouse": WarehouseResource()}
        ) as schedule_context:
            skipped = daily_charts_schedule(schedule_context)
        with dg.build_sensor_context(
            instance=instance, resources={"soundcharts": SoundchartsResource(), "warehouse": WarehouseResource()}
        ) as sensor_context:
            polled_before = server.stats()["requests_total"]
            sensed = new_chart_editions_sensor(sensor_context)
    assert isinstance(skipped, dg.SkipReason)
    assert skipped.skip_message.startswith(
        "monthly budget reached: 995 of SOUNDCHARTS_MONTHLY_BUDGET=1,000 calls spent since 2026-12-01, and "
        f"{SLUG} needs about "
    )
    assert skipped.skip_message.endswith("; raise the budget or wait until 2027-01-01")
    assert isinstance(sensed, dg.SkipReason) and "995 of SOUNDCHARTS_MONTHLY_BUDGET=1,000" in sensed.skip_message
    assert server.stats()["requests_total"] == polled_before  # the sensor did not even poll

    monkeypatch.setenv("SOUNDCHARTS_MONTHLY_BUDGET", "100000")
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, [SLUG])
        with dg.build_schedule_context(
            instance=instance, scheduled_execution_time=noon(START), resources={"warehouse": WarehouseResource()}
        ) as context:
            assert [r.partition_key for r in daily_charts_schedule(context)] == [SLUG]


def test_the_spend_ledger_records_what_the_api_bills_not_what_failed(world, monkeypatch):
    """The API bills 2xx answers only: 5xx retries and by-platform 404s are sent (and paced) but not paid."""
    server, wh, client = world()
    paid_before = server.stats()["used_this_month"]
    server.configure(fault_rate=0.2)  # 5xx on a fifth of the answers, retried by the client
    sent_before, billed_before = client.calls_made, client.calls_billed
    ledger_before = wh.spend_total(noon(START) - timedelta(hours=1))
    reports = cascade.refresh_artist_audience(client, wh, [SLUG], freshness_from_env(), now=noon(START))
    paid = server.stats()["used_this_month"] - paid_before
    sent, billed = client.calls_made - sent_before, client.calls_billed - billed_before
    assert paid > 0 and billed == paid
    assert sent > billed  # the failures were sent, and counted for the rate limit
    assert (reports[SLUG].api_calls, reports[SLUG].billed_calls) == (sent, billed)
    assert wh.spend_total(noon(START) - timedelta(hours=1)) - ledger_before == billed


def test_a_refresh_of_charts_that_share_entities_is_estimated_with_each_entity_once(world):
    """The budget check's estimate for several charts counts a shared song or artist once, as the fleet run
    fetches it once: it is what the run spends (404s aside: free), not the sum of the charts apart."""
    server, wh, client = world()
    other = "top-100-fr"
    cascade.refresh_rankings(client, wh, [other])
    cascade.refresh_tracks(client, wh, [other], freshness_from_env(), now=noon(START))
    cascade.link_artists(wh, [other])
    assert set(wh.ranking_song_uuids(SLUG)) & set(wh.ranking_song_uuids(other))  # the charts overlap
    freshness, now = freshness_from_env(), noon(START)
    apart = sum(refresh_needs(wh, [slug], freshness, now) for slug in (SLUG, other))
    together = refresh_needs(wh, [SLUG, other], freshness, now)
    audience = sum(
        calls["track_audience"] + calls["artist_audience"]
        for calls in map(estimate_calls, stored_states(wh, [SLUG, other], freshness, now).values())
    )

    billed = client.calls_billed
    cascade.refresh_track_audience(client, wh, [SLUG, other], freshness, now=now)
    cascade.refresh_artist_audience(client, wh, [SLUG, other], freshness, now=now)
    spent = client.calls_billed - billed

    assert together < apart
    assert 0.85 * audience <= spent <= audience, (spent, audience)  # what is over: 404s, which cost nothing


def song_points(wh: Warehouse, uuid: str, platform: str, until: date) -> set[tuple[date, str, float]]:
    t = track_audience.c
    stmt = sa.select(t.date, t.identifier, t.value).where(t.song_uuid == uuid, t.platform == platform, t.date <= until)
    with wh.engine.connect() as conn:
        return set(conn.execute(stmt).tuples().all())


def test_songs_that_leave_the_chart_get_one_last_fetch_up_to_their_last_ranked_day(world, monkeypatch):
    """Airplay is fetched weekly and context series every 2 days: a song the chart drops would keep neither
    its last days of spins nor its last Shazam and YouTube days, unless one last fetch reaches them."""
    server, wh, client = world()
    freshness = freshness_from_env()
    day2, day3, day4 = (START + timedelta(days=n) for n in (1, 2, 3))
    cascade.refresh_track_audience(client, wh, [SLUG], freshness, now=noon(START))
    for day in (day2, day3):
        move(server, monkeypatch, day)
        cascade.refresh_rankings(client, wh, [SLUG])
        estimate = estimate_calls(stored_states(wh, [SLUG], freshness, noon(day))[SLUG])["track_audience"]
        billed = client.calls_billed
        cascade.refresh_track_audience(client, wh, [SLUG], freshness, now=noon(day))
        spent = client.calls_billed - billed
        assert 0.85 * estimate <= spent <= estimate, (day, spent, estimate)  # the last fetches are in the model
    *_, before_last, _ = sorted(wh.ranking_dates(SLUG))
    left = set(wh.ranking_song_uuids(SLUG, before_last)) - set(wh.ranking_song_uuids(SLUG))
    assert left, "the chart drops songs from one daily edition to the next"
    last_ranked = before_last.date()
    assert {uuid: day for uuid, day in wh.left_recently(SLUG, "song", 7).items() if uuid in left} == {
        uuid: last_ranked for uuid in left
    }
    for uuid in left:  # every point up to the last day an edition ranked them
        assert fetched_at(wh, uuid, "airplay").date() > last_ranked  # spins up to that day, not the week's end
        for platform in ("spotify", "youtube", "shazam"):
            try:
                served = client.get_song_audience(uuid, platform, START, last_ranked)
            except NotFoundError:
                continue
            assert {(p.date, p.identifier, p.value) for p in served} <= song_points(wh, uuid, platform, last_ranked)
    played = {(uuid, c.radio_slug) for uuid in left for c in client.get_song_airplay(uuid, last_ranked, last_ranked)}
    assert played, "the songs that left were played on their last day"
    stored = {(uuid, radio) for uuid in left for rows in airplay_rows(wh, uuid).values() for radio in rows}
    assert played <= stored

    move(server, monkeypatch, day4)  # caught up once: not fetched again
    cascade.refresh_rankings(client, wh, [SLUG])
    still_left = left - set(wh.ranking_song_uuids(SLUG))
    assert still_left
    sources = ("airplay", "youtube", "shazam")
    before = {(uuid, s): fetched_at(wh, uuid, s) for uuid in still_left for s in sources}
    cascade.refresh_track_audience(client, wh, [SLUG], freshness, now=noon(day4))
    assert {(uuid, s): fetched_at(wh, uuid, s) for uuid in still_left for s in sources} == before

"""Leases on audience series: two runs on overlapping charts never fetch the same series twice."""

import threading
from datetime import date, datetime, timedelta, timezone

from soundcharts_assets.cascade import fetch_leased_audience, AudienceJob
from soundcharts_assets.settings import FreshnessSettings
from soundcharts_assets.soundcharts.models import SongAudiencePoint
from soundcharts_assets.warehouse import Warehouse

NOW = datetime.now(timezone.utc)
DAY = timedelta(hours=24)
SONGS = [f"song-{i}" for i in range(6)]


def test_a_leased_pair_is_not_leased_to_another_chart_until_it_lapses(warehouse_url):
    wh = Warehouse(warehouse_url)
    wh.migrate()
    first = wh.claim_stale_audience("song", SONGS[:4], ["spotify"], DAY, NOW, owner="chart-a", limit=100)
    second = wh.claim_stale_audience("song", SONGS, ["spotify"], DAY, NOW, owner="chart-b", limit=100)
    assert sorted(first) == [(s, "spotify") for s in SONGS[:4]]
    assert sorted(second) == [(s, "spotify") for s in SONGS[4:]]
    # The same chart (a re-run after a killed run) takes its own leases back.
    again = wh.claim_stale_audience("song", SONGS[:4], ["spotify"], DAY, NOW, owner="chart-a", limit=100)
    assert sorted(again) == sorted(first)
    # Once stored, a series is fresh and nobody leases it.
    wh.write_track_audience("song-0", "spotify", [SongAudiencePoint(date(2026, 11, 20), "sp1", 5)], NOW)
    assert ("song-0", "spotify") not in wh.claim_stale_audience(
        "song", SONGS, ["spotify"], DAY, NOW, owner="chart-c", limit=100)
    # A lapsed lease (its run died) can be taken over.
    lapsed = wh.claim_stale_audience("song", ["song-9"], ["spotify"], DAY, NOW, owner="dead", lease=timedelta(0))
    assert lapsed == [("song-9", "spotify")]
    assert wh.claim_stale_audience("song", ["song-9"], ["spotify"], DAY, NOW, owner="alive") == lapsed
    wh.dispose()


def test_two_runs_fetch_each_shared_series_exactly_once(warehouse_url):
    wh = Warehouse(warehouse_url)
    wh.migrate()
    fetched: list[tuple[str, str]] = []
    lock = threading.Lock()

    def handle(job: AudienceJob) -> None:
        with lock:
            fetched.append((job.uuid, job.source))
        wh.write_track_audience(job.uuid, job.source, [SongAudiencePoint(date(2026, 11, 20), "id", 1)], NOW)

    freshness = FreshnessSettings()
    chart_a, chart_b = SONGS[:4], SONGS[2:]
    runs = [
        threading.Thread(target=fetch_leased_audience, args=(
            wh, "song", songs, ["spotify", "youtube"], freshness, NOW, owner, handle, 4))
        for owner, songs in (("chart-a", chart_a), ("chart-b", chart_b))
    ]
    for run in runs:
        run.start()
    for run in runs:
        run.join(timeout=60)
    assert sorted(fetched) == sorted({(s, p) for s in SONGS for p in ("spotify", "youtube")})
    assert wh.stale_audience("song", SONGS, ["spotify", "youtube"], DAY, NOW) == []
    wh.dispose()

"""Leases on audience series and on metadata: two runs on overlapping charts never fetch one thing twice."""

import socket
import subprocess
import sys
import threading
import uuid
from datetime import date, datetime, timedelta, timezone

import dagster as dg

from soundcharts_assets.cascade.audience import AudienceJob
from soundcharts_assets.cascade.leases import fetch_leased_audience, fetch_leased_metadata
from soundcharts_assets.cascade.pool import run_concurrently
from soundcharts_assets.cli.launch import LAUNCHER_TAG, release_abandoned_runs
from soundcharts_assets.settings import FreshnessSettings
from soundcharts_assets.soundcharts.models import Song, SongAudiencePoint
from soundcharts_assets.warehouse import Warehouse

NOW = datetime.now(timezone.utc)
DAY = timedelta(hours=24)
SONGS = [f"song-{i}" for i in range(6)]


def test_a_leased_pair_is_not_leased_to_another_chart_until_it_lapses(warehouse_url):
    wh = Warehouse(warehouse_url)
    wh.migrate()
    first = wh.claim_due_audience("song", SONGS[:4], ["spotify"], DAY, NOW, owner="chart-a", limit=100)
    second = wh.claim_due_audience("song", SONGS, ["spotify"], DAY, NOW, owner="chart-b", limit=100)
    assert sorted(first) == [(s, "spotify") for s in SONGS[:4]]
    assert sorted(second) == [(s, "spotify") for s in SONGS[4:]]
    # The same chart (a re-run after a killed run) takes its own leases back.
    again = wh.claim_due_audience("song", SONGS[:4], ["spotify"], DAY, NOW, owner="chart-a", limit=100)
    assert sorted(again) == sorted(first)
    # Once stored, a series is fresh and nobody leases it.
    wh.write_track_audience("song-0", "spotify", [SongAudiencePoint(date(2026, 11, 20), "sp1", 5)], NOW)
    assert ("song-0", "spotify") not in wh.claim_due_audience(
        "song", SONGS, ["spotify"], DAY, NOW, owner="chart-c", limit=100
    )
    # A lapsed lease (its run died) can be taken over.
    lapsed = wh.claim_due_audience("song", ["song-9"], ["spotify"], DAY, NOW, owner="dead", lease=timedelta(0))
    assert lapsed == [("song-9", "spotify")]
    assert wh.claim_due_audience("song", ["song-9"], ["spotify"], DAY, NOW, owner="alive") == lapsed
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
        threading.Thread(
            target=fetch_leased_audience,
            args=(
                wh,
                "song",
                songs,
                ["spotify", "youtube"],
                timedelta(hours=freshness.audience_hours),
                NOW,
                owner,
                lambda pairs: run_concurrently([AudienceJob("song", u, s) for u, s in pairs], handle, 4),
            ),
        )
        for owner, songs in (("chart-a", chart_a), ("chart-b", chart_b))
    ]
    for run in runs:
        run.start()
    for run in runs:
        run.join(timeout=60)
    assert sorted(fetched) == sorted({(s, p) for s in SONGS for p in ("spotify", "youtube")})
    assert wh.due_audience("song", SONGS, ["spotify", "youtube"], DAY, NOW) == []
    wh.dispose()


def test_metadata_leases_keep_shared_songs_to_one_run(warehouse_url):
    wh = Warehouse(warehouse_url)
    wh.migrate()
    first = wh.claim_due_metadata("song", SONGS[:4], DAY, NOW, owner="chart-a")
    second = wh.claim_due_metadata("song", SONGS, DAY, NOW, owner="chart-b")
    assert (first, second) == (SONGS[:4], SONGS[4:])
    # A metadata lease and an audience lease on the same song are different things.
    assert wh.claim_due_audience("song", ["song-0"], ["spotify"], DAY, NOW, owner="chart-b") == [("song-0", "spotify")]
    assert wh.claim_due_metadata("song", SONGS[:4], DAY, NOW, owner="chart-a") == SONGS[:4]  # its own, again
    # Stored or recorded missing (404): fresh, leased by nobody.
    wh.upsert_songs([Song("song-0", "Song 0")], NOW)
    wh.record_missing_songs(["song-1"], NOW)
    assert wh.claim_due_metadata("song", SONGS[:4], DAY, NOW, owner="chart-c") == []
    assert wh.claim_due_metadata("song", SONGS[:4], DAY, NOW, owner="chart-a") == SONGS[2:4]
    # Artists are leased apart from songs, and a lapsed lease is taken over.
    assert wh.claim_due_metadata("artist", ["song-0"], DAY, NOW, owner="dead", lease=timedelta(0)) == ["song-0"]
    assert wh.claim_due_metadata("artist", ["song-0"], DAY, NOW, owner="alive") == ["song-0"]
    wh.dispose()


def test_two_runs_fetch_each_shared_song_exactly_once(warehouse_url):
    wh = Warehouse(warehouse_url)
    wh.migrate()
    fetched: list[str] = []
    lock = threading.Lock()

    def fetch(uuids) -> None:
        with lock:
            fetched.extend(uuids)
        wh.upsert_songs([Song(uuid, f"Song {uuid}") for uuid in uuids], NOW)

    runs = [
        threading.Thread(target=fetch_leased_metadata, args=(wh, "song", songs, DAY, NOW, owner, fetch))
        for owner, songs in (("chart-a", SONGS[:4]), ("chart-b", SONGS[2:]))
    ]
    for run in runs:
        run.start()
    for run in runs:
        run.join(timeout=60)
    assert sorted(fetched) == SONGS
    assert wh.due_song_uuids(SONGS, DAY, NOW) == []
    wh.dispose()


def test_a_released_lease_is_free_for_the_next_run_at_once(warehouse_url):
    wh = Warehouse(warehouse_url)
    wh.migrate()
    assert wh.claim_due_metadata("song", SONGS[:3], DAY, NOW, owner="chart-a") == SONGS[:3]
    assert wh.claim_due_audience("song", SONGS[:1], ["spotify"], DAY, NOW, owner="chart-a") == [("song-0", "spotify")]
    wh.release_metadata_claims("song", SONGS[:2], owner="chart-b")  # not its leases: nothing happens
    assert wh.claim_due_metadata("song", SONGS[:3], DAY, NOW, owner="chart-b") == []
    wh.release_metadata_claims("song", SONGS[:2], owner="chart-a")
    assert wh.claim_due_metadata("song", SONGS[:3], DAY, NOW, owner="chart-b") == SONGS[:2]
    # The audience lease on song-0 is another lease and is still held.
    assert wh.claim_due_audience("song", SONGS[:1], ["spotify"], DAY, NOW, owner="chart-b") == []
    wh.release_claims("song", [("song-0", "spotify")], owner="chart-a")
    assert wh.claim_due_audience("song", SONGS[:1], ["spotify"], DAY, NOW, owner="chart-b") == [("song-0", "spotify")]
    wh.dispose()


def _never_wait(seconds: float) -> None:
    raise AssertionError(f"the step waited {seconds} s on a lease")


def test_an_id_whose_answer_leaves_it_stale_is_asked_for_once(warehouse_url):
    """An answer that does not make an id fresh (say, stored under another uuid) must not loop the step."""
    wh = Warehouse(warehouse_url)
    wh.migrate()
    asked: list[str] = []
    fetch_leased_metadata(wh, "song", SONGS[:3], DAY, NOW, "chart-a", asked.extend, sleep=_never_wait)
    assert asked == SONGS[:3]
    assert wh.due_song_uuids(SONGS[:3], DAY, NOW) == SONGS[:3]
    wh.dispose()


def test_a_later_run_refetches_at_freshness_zero_without_waiting_for_finished_leases(warehouse_url):
    wh = Warehouse(warehouse_url)
    wh.migrate()
    store = lambda uuids: wh.upsert_songs([Song(u, f"Song {u}") for u in uuids], NOW)  # noqa: E731
    fetch_leased_metadata(wh, "song", SONGS[:4], timedelta(0), NOW, "chart-a", store, sleep=_never_wait)
    later = NOW + timedelta(seconds=30)
    asked: list[str] = []
    fetch_leased_metadata(
        wh,
        "song",
        SONGS[2:],
        timedelta(0),
        later,
        "chart-b",
        lambda uuids: (asked.extend(uuids), store(uuids)),
        sleep=_never_wait,
    )
    assert asked == SONGS[2:]  # freshness 0: everything again, and chart-a's finished leases are gone
    wh.dispose()


def test_a_live_holder_keeps_its_lease_by_heartbeat_and_a_dead_one_loses_it(warehouse_url):
    import time

    from soundcharts_assets.cascade.leases import lease_heartbeat

    wh = Warehouse(warehouse_url)
    wh.migrate()
    short = timedelta(seconds=0.4)
    assert wh.claim_due_audience("song", ["song-1"], ["spotify"], DAY, NOW, owner="alive", lease=short)
    with lease_heartbeat(wh, "alive", every=0.05):
        time.sleep(1.0)  # well past the unrenewed lease
        assert wh.claim_due_audience("song", ["song-1"], ["spotify"], DAY, NOW, owner="other") == []
    assert wh.renew_claims("alive", short) == 1  # still held: the heartbeat kept it alive
    deadline = time.monotonic() + 5
    while not (taken := wh.claim_due_audience("song", ["song-1"], ["spotify"], DAY, NOW, owner="other")):
        assert time.monotonic() < deadline, "a lease nobody renews never lapsed"
        time.sleep(0.05)
    assert taken == [("song-1", "spotify")]
    assert wh.renew_claims("alive", short) == 0  # the dead holder's lease is gone
    wh.dispose()


def test_a_killed_cascade_wait_run_gives_its_leases_back_to_the_next_one(monkeypatch, sqlite_url):
    """The next `cascade --wait` ends a run whose process is gone and drops its leases at once: otherwise the
    next run waited up to a minute for a holder known to be dead."""
    monkeypatch.setenv("SOUNDCHARTS_WAREHOUSE_URL", sqlite_url)
    wh = Warehouse(sqlite_url)
    wh.migrate()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    launcher = f"{socket.gethostname()}:{gone.stdout.strip()}"
    killed = dg.DagsterRun(
        job_name="chart_cascade",
        run_id=str(uuid.uuid4()),
        status=dg.DagsterRunStatus.STARTED,
        tags={"soundcharts/trigger": "cli", LAUNCHER_TAG: launcher},
    )
    with dg.instance_for_test() as instance:
        instance.add_run(killed)
        held = wh.claim_due_audience("song", SONGS, ["spotify"], DAY, NOW, owner=killed.run_id, limit=100)
        assert wh.claim_due_audience("song", SONGS, ["spotify"], DAY, NOW, owner="next", limit=100) == []
        assert release_abandoned_runs(instance) == [killed.run_id]
        assert instance.get_run_by_id(killed.run_id).status == dg.DagsterRunStatus.FAILURE
    assert sorted(wh.claim_due_audience("song", SONGS, ["spotify"], DAY, NOW, owner="next", limit=100)) == sorted(held)
    wh.dispose()


def test_pool_slots_a_finished_run_still_holds_are_given_back_to_the_next_cascade_wait():
    """A Ctrl-C'd run ended failed but kept its `soundcharts_api` slots (the interrupt landed in their release):
    the next `cascade --wait` gives them back instead of waiting for them forever; a live run's slot stays."""
    from soundcharts_assets.defs.names import API_POOL

    ended = dg.DagsterRun(job_name="chart_cascade", run_id=str(uuid.uuid4()), status=dg.DagsterRunStatus.FAILURE)
    live = dg.DagsterRun(job_name="chart_cascade", run_id=str(uuid.uuid4()), status=dg.DagsterRunStatus.STARTED)
    with dg.instance_for_test() as instance:
        storage = instance.event_log_storage
        storage.set_concurrency_slots(API_POOL, 3)
        for run in (ended, live):
            instance.add_run(run)
        for step in ("track_audience", "artist_audience"):
            assert storage.claim_concurrency_slot(API_POOL, ended.run_id, step).is_claimed
        assert storage.claim_concurrency_slot(API_POOL, live.run_id, "tracks").is_claimed
        assert release_abandoned_runs(instance) == []  # no run's process is gone: only the slots are released
        held = {slot.run_id for slot in storage.get_concurrency_info(API_POOL).claimed_slots}
        assert held == {live.run_id}

"""The warehouse against real SQLite files and real Postgres databases (each test runs on both).

Model instances are built by hand: these tests pin what the warehouse stores, not what the API sends.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from soundcharts_assets.soundcharts.models import (
    AirplayCount,
    Artist,
    ArtistAudiencePoint,
    ArtistRef,
    Chart,
    ChartRanking,
    Genre,
    Label,
    RankingEntry,
    Song,
    SongAudiencePoint,
    SongRef,
)
from soundcharts_assets.warehouse import (
    Warehouse,
    WarehouseError,
    load_artist_audience,
    load_artists,
    load_chart,
    load_ranking_history,
    load_track_audience,
    load_tracks,
)
from soundcharts_assets.warehouse.schema import VERSION_TABLE, metadata
from soundcharts_assets.warehouse.warehouse import MIGRATIONS_DIR

NOW = datetime(2024, 5, 10, 12, 0, tzinfo=timezone.utc)
DAY1 = datetime(2024, 5, 9, tzinfo=timezone.utc)
DAY2 = datetime(2024, 5, 10, tzinfo=timezone.utc)
CHART = Chart(slug="top-fr", name="Top France", platform="spotify", frequency="daily", country_code="FR")


def ranking(day: datetime, songs: list[str], chart: Chart = CHART) -> ChartRanking:
    entries = tuple(
        RankingEntry(
            song=SongRef(uuid=uuid, name=f"ranked {uuid}", credit_name=f"credit {uuid}"),
            position=position,
            old_position=position + 1,
            position_evolution=1,
            time_on_chart=7,
            time_on_chart_unit="day",
            entry_date=DAY1 - timedelta(days=6),
            entry_state="STABLE",
            metric=1000.0 / position,
        )
        for position, uuid in enumerate(songs, start=1)
    )
    return ChartRanking(chart=chart, date=day, entries=entries)


def song(uuid: str, *artist_uuids: str) -> Song:
    return Song(
        uuid=uuid,
        name=f"Song {uuid}",
        credit_name=" & ".join(f"Artist {a}" for a in artist_uuids),
        isrc=f"FR{uuid.upper():>10}",
        release_date=date(2024, 1, 5),
        duration=180,
        explicit=False,
        genres=(Genre("pop", ("dance pop",)),),
        labels=(Label("Indie", "independent"),),
        artists=tuple(ArtistRef(uuid=a, slug=f"artist-{a}", name=f"Artist {a}") for a in artist_uuids),
    )


def artist(uuid: str) -> Artist:
    return Artist(uuid=uuid, name=f"Fetched {uuid}", slug=f"artist-{uuid}", country_code="FR")


@pytest.fixture
def wh(warehouse_url: str) -> Iterator[Warehouse]:
    warehouse = Warehouse(warehouse_url)
    warehouse.migrate()
    yield warehouse
    warehouse.dispose()


# -- migrations ---------------------------------------------------------------------------------------------


def test_migrate_twice_is_a_noop_and_matches_schema(wh: Warehouse) -> None:
    wh.write_ranking(ranking(DAY1, ["s1"]))
    before = wh.table_counts()
    wh.migrate()
    assert wh.table_counts() == before
    with wh.engine.connect() as conn:
        versions = conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        diffs = compare_metadata(context, metadata)
    assert versions == [ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()]
    assert diffs == []


def test_concurrent_migrate_from_two_threads(warehouse_url: str) -> None:
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def migrate() -> None:
        warehouse = Warehouse(warehouse_url)
        try:
            barrier.wait()
            warehouse.migrate()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            warehouse.dispose()

    threads = [threading.Thread(target=migrate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with Warehouse(warehouse_url) as warehouse:
        assert warehouse.table_counts()["charts"] == 0


# -- charts registry and rankings ----------------------------------------------------------------------------


def test_chart_registry_keeps_schedule_and_history(wh: Warehouse) -> None:
    wh.upsert_chart(CHART, sync_schedule="daily")
    wh.upsert_chart(Chart(slug="top-fr", name="Top France (renamed)", platform="spotify"))
    row = wh.get_chart("top-fr")
    assert row is not None and row.sync_schedule == "daily" and row.name == "Top France (renamed)"
    assert row.registered_at.tzinfo is not None

    wh.write_ranking(ranking(DAY1, ["s1", "s2"]))
    assert wh.get_chart("top-fr").sync_schedule == "daily"  # type: ignore[union-attr]
    wh.upsert_chart(Chart(slug="top-us", name="Top US", platform="spotify"))
    assert [c.slug for c in wh.list_charts()] == ["top-fr", "top-us"]
    assert [c.slug for c in wh.list_charts("none")] == ["top-us"]
    wh.set_sync_schedule("top-us", "weekly")
    assert wh.get_chart("top-us").sync_schedule == "weekly"  # type: ignore[union-attr]

    with pytest.raises(WarehouseError, match="hourly"):
        wh.set_sync_schedule("top-us", "hourly")
    with pytest.raises(WarehouseError, match="not registered"):
        wh.set_sync_schedule("nope", "daily")

    wh.register_chart("top-de", "weekly")  # by slug alone, as the CLI does before the first ranking
    wh.register_chart("top-de", "daily")
    registered = wh.get_chart("top-de")
    assert registered is not None and registered.sync_schedule == "daily" and registered.name is None

    assert wh.remove_chart("top-fr") is True
    assert wh.remove_chart("top-fr") is False
    assert wh.get_chart("top-fr") is None
    assert wh.ranking_song_uuids("top-fr") == ["s1", "s2"]  # history stays


def test_write_ranking_is_idempotent_and_rewrite_replaces(wh: Warehouse) -> None:
    assert wh.latest_ranking_date("top-fr") is None
    assert wh.write_ranking(ranking(DAY1, ["a", "b", "c"])) == 3
    assert wh.write_ranking(ranking(DAY2, ["s1", "s2", "s3", "s4", "s5"])) == 5
    wh.write_ranking(ranking(DAY2, ["s1", "s2", "s3", "s4", "s5"]))
    assert wh.table_counts()["chart_rankings"] == 8

    # The edition is re-fetched and came back shorter and reordered: positions 4 and 5 must go.
    paris = timezone(timedelta(hours=2))
    wh.write_ranking(ranking(DAY2.astimezone(paris), ["s3", "s1", "s9"]))
    assert wh.ranking_positions("top-fr", DAY2) == [1, 2, 3]
    assert wh.ranking_song_uuids("top-fr") == ["s3", "s1", "s9"]
    assert wh.ranking_song_uuids("top-fr", DAY1) == ["a", "b", "c"]
    assert wh.ranking_dates("top-fr") == [DAY2, DAY1]
    assert wh.latest_ranking_date("top-fr") == DAY2
    assert wh.table_counts()["chart_rankings"] == 6
    assert wh.delete_ranking_position("top-fr", 2) is True
    assert wh.ranking_positions("top-fr") == [1, 3]
    summary = wh.chart_summary("top-fr")
    assert (summary["ranking_rows"], summary["editions"], summary["songs"]) == (5, 2, 5)


# -- tracks and artists --------------------------------------------------------------------------------------


def test_songs_upsert_staleness_and_missing(wh: Warehouse) -> None:
    wh.write_ranking(ranking(DAY2, ["fresh", "old", "gone", "never"]))
    old = NOW - timedelta(days=10)
    assert wh.upsert_songs([song("fresh", "a1"), song("old", "a2")], old) == 2
    assert wh.upsert_songs([song("fresh", "a1", "a2")], NOW) == 1
    wh.upsert_songs([song("fresh", "a1", "a2")], NOW)
    wh.record_missing_songs(["gone", "gone"], NOW)
    assert wh.table_counts()["tracks"] == 3

    uuids = ["never", "fresh", "old", "gone"]
    assert wh.stale_song_uuids(uuids, timedelta(days=7), NOW) == ["never", "old"]
    assert wh.stale_song_uuids(uuids, timedelta(days=7), NOW + timedelta(days=8)) == uuids
    assert wh.songs_without_metadata("top-fr") == ["gone", "never"]
    assert wh.songs_not_found("top-fr") == ["gone"]
    track = wh.get_track("fresh")
    assert track is not None and track.name == "Song fresh" and track.fetched_at == NOW
    assert track.genres == [{"root": "pop", "sub": ["dance pop"]}] and len(track.credited_artists) == 2
    assert wh.get_track("never") is None
    assert wh.credited_artists(["fresh", "gone", "never"]) == {
        "fresh": [ArtistRef("a1", "artist-a1", "Artist a1"), ArtistRef("a2", "artist-a2", "Artist a2")]
    }


def test_link_track_artists_keeps_fetched_artists_and_replaces_links(wh: Warehouse) -> None:
    wh.write_ranking(ranking(DAY2, ["s1", "s2"]))
    wh.upsert_artists([artist("a1")], NOW)
    links = {
        "s1": [ArtistRef("a1", "stub-slug", "Stub name"), ArtistRef("a2", "artist-a2", "Artist a2")],
        "s2": [ArtistRef("a3", None, None), ArtistRef("a3", None, None)],
    }
    assert wh.link_track_artists(links) == 3
    assert wh.link_track_artists(links) == 3
    counts = wh.table_counts()
    assert (counts["track_artists"], counts["artists"]) == (3, 3)

    with wh.connection() as conn:
        rows = {r.artist_uuid: r for r in conn.execute(sa.text("SELECT * FROM artists"))}
    assert rows["a1"].name == "Fetched a1" and rows["a1"].slug == "artist-a1" and rows["a1"].status == "ok"
    assert rows["a2"].fetched_at is None and rows["a2"].name == "Artist a2" and rows["a2"].status == "stub"

    assert wh.chart_artist_uuids("top-fr") == ["a1", "a2", "a3"]
    assert wh.artists_without_metadata("top-fr") == ["a2", "a3"]
    assert wh.stale_artist_uuids(["a1", "a2", "zz"], timedelta(days=7), NOW) == ["a2", "zz"]
    assert wh.stale_artist_uuids(["a1"], timedelta(days=7), NOW + timedelta(days=8)) == ["a1"]

    wh.link_track_artists({"s1": [ArtistRef("a2")]})  # the song's credits changed: a1 is no longer on it
    assert wh.chart_artist_uuids("top-fr") == ["a2", "a3"]
    wh.upsert_artists([artist("a2")], NOW)
    wh.record_missing_artists(["a3"], NOW)
    assert wh.artists_without_metadata("top-fr") == ["a3"]
    assert wh.artists_not_found("top-fr") == ["a3"]
    assert wh.stale_artist_uuids(["a2", "a3"], timedelta(days=7), NOW) == []


def test_large_inputs_are_chunked(wh: Warehouse) -> None:
    uuids = [f"song-{i:05d}" for i in range(3000)]
    assert wh.upsert_songs([song(u, f"art-{i % 700}") for i, u in enumerate(uuids)], NOW) == 3000
    wh.link_track_artists(wh.credited_artists(uuids))
    assert wh.table_counts()["artists"] == 700
    stale = wh.stale_song_uuids(uuids + [f"new-{i}" for i in range(2000)], timedelta(days=1), NOW)
    assert len(stale) == 2000
    assert len(wh.stale_audience("song", uuids, ["spotify", "shazam"], timedelta(days=1), NOW)) == 6000


# -- audience ------------------------------------------------------------------------------------------------


def test_audience_writes_staleness_and_coverage(wh: Warehouse) -> None:
    points = [SongAudiencePoint(date(2024, 5, d), "sp-1", 100 * d) for d in (1, 2, 3)]
    assert wh.write_track_audience("s1", "spotify", points, NOW) == 3
    wh.write_track_audience("s1", "spotify", points, NOW)
    airplay = [AirplayCount("radio-a", "Radio A", "FR", 12), AirplayCount("radio-b", None, "FR", 3)]
    assert wh.write_track_airplay("s1", date(2024, 5, 9), airplay, NOW) == 2
    wh.write_track_airplay("s1", date(2024, 5, 9), airplay, NOW)
    wh.record_audience_outcome("song", "s2", "spotify", "not_found", NOW - timedelta(days=3))
    wh.record_audience_outcome("song", "s2", "shazam", "not_in_plan", NOW)

    artist_points = [
        ArtistAudiencePoint(date(2024, 5, 1), "followers", 10),
        ArtistAudiencePoint(date(2024, 5, 1), "monthly_listeners", 5000),
        ArtistAudiencePoint(date(2024, 5, 2), "followers", None),
    ]
    assert wh.write_artist_audience("a1", "spotify", artist_points, NOW) == 3
    wh.write_artist_audience("a1", "spotify", artist_points, NOW)

    counts = wh.table_counts()
    assert (counts["track_audience"], counts["artist_audience"], counts["audience_fetches"]) == (5, 3, 5)
    assert wh.last_audience_date("song", "s1", "spotify") == date(2024, 5, 3)
    assert wh.last_audience_date("song", "s1", "airplay") == date(2024, 5, 9)
    assert wh.last_audience_date("artist", "a1", "spotify") == date(2024, 5, 2)
    assert wh.last_audience_date("song", "s2", "spotify") is None

    stale = wh.stale_audience("song", ["s1", "s2", "s3"], ["spotify", "shazam"], timedelta(days=1), NOW)
    assert stale == [("s1", "shazam"), ("s2", "spotify"), ("s3", "spotify"), ("s3", "shazam")]
    assert wh.stale_audience("artist", ["a1"], ["spotify"], timedelta(days=1), NOW) == []
    assert wh.audience_coverage("song", ["s1", "s2", "s3"], ["spotify", "shazam", "airplay"]) == {
        "spotify": {"ok": 1, "not_found": 1, "not_in_plan": 0, "missing": 1},
        "shazam": {"ok": 0, "not_found": 0, "not_in_plan": 1, "missing": 2},
        "airplay": {"ok": 1, "not_found": 0, "not_in_plan": 0, "missing": 2},
    }
    with pytest.raises(ValueError):
        wh.stale_audience("album", ["x"], ["spotify"], timedelta(days=1), NOW)


# -- loaders -------------------------------------------------------------------------------------------------


def _fill_for_loaders(wh: Warehouse) -> None:
    wh.write_ranking(ranking(DAY1, ["s2", "s1"]))
    wh.write_ranking(ranking(DAY2, ["s1", "s2", "s3"]))
    wh.write_ranking(ranking(DAY2, ["other"], Chart(slug="top-us", name="Top US", platform="spotify")))
    wh.upsert_songs([song("s1", "a1", "a2"), song("s2", "a2"), song("other", "a9")], NOW)
    wh.link_track_artists(wh.credited_artists(["s1", "s2", "other"]))
    wh.upsert_artists([artist("a1")], NOW)
    wh.write_track_audience("s1", "spotify", [SongAudiencePoint(date(2024, 5, 1), "sp-1", 7)], NOW)
    wh.write_track_audience("other", "spotify", [SongAudiencePoint(date(2024, 5, 1), "sp-9", 1)], NOW)
    wh.write_track_airplay("s1", date(2024, 5, 9), [AirplayCount("radio-a", "Radio A", "FR", 12)], NOW)
    wh.write_artist_audience("a1", "instagram", [ArtistAudiencePoint(date(2024, 5, 1), "followers", 42)], NOW)
    wh.write_artist_audience("a9", "instagram", [ArtistAudiencePoint(date(2024, 5, 1), "followers", 1)], NOW)


def test_loaders_return_joined_frames(wh: Warehouse, warehouse_url: str) -> None:
    _fill_for_loaders(wh)
    chart = load_chart(wh, "top-fr")
    assert chart["position"].tolist() == [1, 2, 3]
    assert chart["song_uuid"].tolist() == ["s1", "s2", "s3"]
    assert chart["name"].tolist() == ["Song s1", "Song s2", "ranked s3"]  # s3 has no metadata yet
    assert chart.loc[0, "artists"] == "Fetched a1, Artist a2"
    assert chart.loc[0, "isrc"] == song("s1").isrc and chart.loc[0, "release_date"] == date(2024, 1, 5)
    assert chart.loc[0, "old_position"] == 2 and chart.loc[0, "time_on_chart"] == 7
    assert chart["ranking_date"].iloc[0] == DAY2
    assert {"position_evolution", "entry_date", "credit_name"} <= set(chart.columns)

    first = load_chart(warehouse_url, "top-fr", DAY1)  # by URL, an earlier edition
    assert first["song_uuid"].tolist() == ["s2", "s1"]
    history = load_ranking_history(wh, "top-fr")
    assert len(history) == 5 and history["ranking_date"].is_monotonic_increasing

    tracks = load_tracks(wh, "top-fr")
    assert tracks["song_uuid"].tolist() == ["s1", "s2"]
    assert len(load_tracks(wh)) == 3
    assert load_artists(wh, "top-fr")["artist_uuid"].tolist() == ["a1", "a2"]
    audience = load_track_audience(wh, "top-fr")
    assert sorted(audience["platform"]) == ["airplay", "spotify"]
    assert load_track_audience(wh, platform="spotify")["value"].tolist() == [1, 7]
    artist_audience = load_artist_audience(wh, "top-fr", "instagram")
    assert artist_audience[["artist_uuid", "name", "value"]].values.tolist() == [["a1", "Fetched a1", 42]]
    assert load_chart(wh, "unknown").empty


def test_audience_loaders_read_only_the_last_rows_when_asked(wh: Warehouse) -> None:
    """The assets' metadata previews read ``last=n`` in SQL; it must equal the tail of the full frame."""
    for uuid in ("s1", "s2", "s3"):
        points = [SongAudiencePoint(date(2024, 5, d), f"sp-{uuid}", d) for d in range(1, 8)]
        wh.write_track_audience(uuid, "spotify", points, NOW)
        wh.write_track_audience(uuid, "youtube", points[:3], NOW)
        followers = [ArtistAudiencePoint(date(2024, 5, d), "followers", 10 * d) for d in range(1, 5)]
        wh.write_artist_audience(f"a-{uuid}", "tiktok", followers, NOW)
    full, tail = load_track_audience(wh), load_track_audience(wh, last=4)
    pd.testing.assert_frame_equal(tail, full.tail(4).reset_index(drop=True))
    assert tail["song_uuid"].tolist() == ["s3"] * 4
    assert tail["platform"].tolist() == ["spotify", "youtube", "youtube", "youtube"]
    artist_full, artist_tail = load_artist_audience(wh), load_artist_audience(wh, last=5)
    pd.testing.assert_frame_equal(artist_tail, artist_full.tail(5).reset_index(drop=True))
    assert len(load_track_audience(wh, last=1000)) == len(full) == 30


def test_upsert_updates_changed_values_across_a_large_batch(wh: Warehouse) -> None:
    """One cached statement with many parameter sets: every conflicting row takes its new value."""
    points = [SongAudiencePoint(date(2024, 1, 1) + timedelta(days=d), "sp", d) for d in range(2000)]
    assert wh.write_track_audience("s1", "spotify", points, NOW) == 2000
    revised = [SongAudiencePoint(p.date, p.identifier, p.value * 2 if p.value % 3 == 0 else p.value) for p in points]
    wh.write_track_audience("s1", "spotify", revised + revised[:5], NOW)  # repeats in one batch are de-duplicated
    values = load_track_audience(wh)["value"].tolist()
    assert len(values) == 2000 and values == [v * 2 if v % 3 == 0 else v for v in range(2000)]


# -- bad URLs ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "this is not a url",
        "mysql://user:s3cr3tpw@db.example/charts",
        "postgresql+nosuchdriver://user:s3cr3tpw@127.0.0.1/charts",
        "postgresql://user:s3cr3tpw@127.0.0.1:1/charts",
        "sqlite:////proc/no-such-folder/warehouse.sqlite",
    ],
)
def test_bad_urls_give_one_line_errors_without_password(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOUNDCHARTS_DB_OUTAGE_WAIT_SECONDS", "1")  # a refused port is waited out like a restart
    if url.startswith("postgresql://"):
        assert "s3cr3tpw" not in Warehouse(url).url_for_display()
    with pytest.raises(WarehouseError) as caught:
        warehouse = Warehouse(url)
        warehouse.migrate()
    message = str(caught.value)
    print(message)
    assert "SOUNDCHARTS_WAREHOUSE_URL" in message
    assert "s3cr3tpw" not in message and "\n" not in message


# -- concurrency ---------------------------------------------------------------------------------------------


def _upsert_overlapping(url: str, worker: int, start: Any) -> None:
    """One racer: songs 0-299 or 150-449 in batches of 10, artists linked, audience written."""
    warehouse = Warehouse(url)
    start.wait(timeout=30)  # a multiprocessing Barrier: both migrate the fresh database, then write, together
    warehouse.migrate()
    uuids = [f"song-{i:04d}" for i in range(worker * 150, worker * 150 + 300)]
    for batch_start in range(0, len(uuids), 10):
        batch = uuids[batch_start : batch_start + 10]
        fetched = datetime.now(timezone.utc)
        warehouse.upsert_songs([song(u, f"art-{int(u[-4:]) % 40}", "art-shared") for u in batch], fetched)
        warehouse.link_track_artists(warehouse.credited_artists(batch))
        for u in batch[:2]:
            point = SongAudiencePoint(date(2024, 5, 1), "id", 1)
            warehouse.write_track_audience(u, "spotify", [point], fetched)
    warehouse.dispose()


def test_two_processes_upserting_overlapping_songs(warehouse_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    processes = [context.Process(target=_upsert_overlapping, args=(warehouse_url, w, start)) for w in (0, 1)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
    assert [p.exitcode for p in processes] == [0, 0]
    with Warehouse(warehouse_url) as warehouse:
        counts = warehouse.table_counts()
    assert counts["tracks"] == 450
    assert counts["artists"] == 41
    assert counts["track_artists"] == 900

"""Reads that cost the same on a year of history as on a week (issue 22): they return what a whole-history read
returns for their window, ignore older history, and go through the indexes of alembic 0009."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from soundcharts_assets.soundcharts.models import ArtistAudiencePoint, Chart, SongAudiencePoint
from soundcharts_assets.warehouse import Warehouse, load_artist_audience, load_track_audience, loaders
from soundcharts_assets.warehouse.schema import chart_rankings
from tests.integration.warehouse.builders import artist, ranking, song
from tests.support.databases import create_database, drop_database

TODAY = date(2024, 5, 10)
SINCE = TODAY - timedelta(days=60)
OTHER = Chart(slug="top-us", name="Top US", platform="spotify")


def _day(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=timezone.utc)


def _fill(wh: Warehouse, days: int) -> None:
    """``days`` days of daily editions and audience for three songs and their artists (older days first)."""
    fetched = _day(TODAY)
    for back in range(days - 1, -1, -1):
        songs = ["s1", "s2", "s3"] if back % 3 else ["s2", "s1"]
        wh.write_ranking(ranking(_day(TODAY - timedelta(days=back)), songs), fetched)
    wh.write_ranking(ranking(_day(TODAY - timedelta(days=400)), ["s9"], OTHER), fetched)
    wh.upsert_songs([song("s1", "a1", "a2"), song("s2", "a2"), song("s3", "a3"), song("s9", "a9")], fetched)
    wh.link_track_artists(wh.credited_artists(["s1", "s2", "s3", "s9"]))
    wh.upsert_artists([artist("a1"), artist("a2")], fetched)
    days_list = [TODAY - timedelta(days=back) for back in range(days)]
    for uuid in ("s1", "s2", "s3"):
        for platform in ("spotify", "youtube"):
            points = [
                SongAudiencePoint(d, f"{platform}-{uuid}-{i}", d.toordinal() + i) for d in days_list for i in (0, 1)
            ]
            wh.write_track_audience(uuid, platform, points, fetched)
    for uuid in ("a1", "a2", "a3"):
        for source, metric in (("spotify", "followers"), ("spotify_listening", "monthly_listeners")):
            points = [ArtistAudiencePoint(d, metric, d.toordinal()) for d in days_list]
            wh.write_artist_audience(uuid, "spotify", points, fetched, source=source)


def _expected_track_window(wh: Warehouse) -> pd.DataFrame:
    """What the windowed read must equal: the whole-history loader's rows, summed and filtered in pandas."""
    edition = set(loaders.load_chart(wh, "top-fr")["song_uuid"])
    full = load_track_audience(wh, "top-fr")
    full = full[full["song_uuid"].isin(edition) & (pd.to_datetime(full["date"]) >= pd.Timestamp(SINCE))]
    summed = full.groupby(["song_uuid", "platform", "date"], as_index=False)["value"].sum()
    return summed.sort_values(["song_uuid", "platform", "date"]).reset_index(drop=True)


def test_windowed_audience_reads_equal_the_whole_history_read_in_their_window(wh: Warehouse) -> None:
    _fill(wh, 120)
    tracks = loaders.load_edition_track_audience(wh, "top-fr", since=SINCE)
    expected = _expected_track_window(wh)
    assert len(tracks) == len(expected) == 2 * 2 * 61  # s1, s2 on the latest edition; 2 platforms; 61 days
    assert tracks[["song_uuid", "platform"]].values.tolist() == expected[["song_uuid", "platform"]].values.tolist()
    assert pd.to_datetime(tracks["date"]).tolist() == pd.to_datetime(expected["date"]).tolist()
    assert tracks["value"].astype("int64").tolist() == expected["value"].astype("int64").tolist()

    artists = loaders.load_edition_artist_audience(wh, "top-fr", since=SINCE, metrics=["followers"])
    full = load_artist_audience(wh, "top-fr")
    full = full[
        full["artist_uuid"].isin({"a1", "a2"})
        & (full["metric"] == "followers")
        & (pd.to_datetime(full["date"]) >= pd.Timestamp(SINCE))
    ]
    assert artists[["artist_uuid", "platform", "metric", "value"]].values.tolist() == (
        full[["artist_uuid", "platform", "metric", "value"]].values.tolist()
    )
    assert len(artists) == 2 * 61


def test_windowed_reads_ignore_older_history(warehouse_url: str, tmp_path: Path, request: Any) -> None:
    """A year of history before the window changes nothing the insight reads."""
    results = []
    with _sibling(warehouse_url, tmp_path, request) as short_url:
        for days, url in ((70, short_url), (365, warehouse_url)):
            with Warehouse(url) as wh:
                wh.migrate()
                _fill(wh, days)
                results.append(
                    (
                        loaders.load_edition_track_audience(wh, "top-fr", since=SINCE),
                        loaders.load_edition_artist_audience(wh, "top-fr", since=SINCE),
                        loaders.load_latest_editions(wh, "top-fr"),
                        loaders.load_chart(wh, "top-fr"),
                        wh.ranking_dates("top-fr", limit=2),
                    )
                )
    (short, long) = results
    for before, after in zip(short[:4], long[:4], strict=True):
        pd.testing.assert_frame_equal(before, after)
    assert short[4] == long[4] == [_day(TODAY), _day(TODAY - timedelta(days=1))]


@contextmanager
def _sibling(warehouse_url: str, tmp_path: Path, request: Any) -> Iterator[str]:
    """A second, empty warehouse of the same kind (a SQLite file, or a PostgreSQL database of its own)."""
    if warehouse_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'short.sqlite'}"
        return
    admin = request.getfixturevalue("postgres_admin_url")
    url = create_database(admin)
    try:
        yield url
    finally:
        drop_database(admin, url)


def test_first_ranked_of_some_songs_and_latest_editions_equal_the_whole_reads(wh: Warehouse) -> None:
    _fill(wh, 40)
    every = loaders.load_first_ranked(wh, "top-fr")
    some = loaders.load_first_ranked(wh, "top-fr", songs=["s3", "s1", "missing"])
    pd.testing.assert_frame_equal(some, every[every["song_uuid"].isin(["s1", "s3"])].reset_index(drop=True))
    assert loaders.load_first_ranked(wh, "top-fr", songs=[]).empty

    r = chart_rankings.c
    with wh.connection() as conn:
        grouped = dict(conn.execute(sa.select(r.chart_slug, sa.func.max(r.ranking_date)).group_by(r.chart_slug)).all())
    assert wh.latest_editions() == grouped == {"top-fr": _day(TODAY), "top-us": _day(TODAY - timedelta(days=400))}
    assert wh.ranking_dates("top-fr", limit=3) == wh.ranking_dates("top-fr")[:3]


def test_an_empty_warehouse_has_no_latest_editions(wh: Warehouse) -> None:
    assert wh.latest_editions() == {}


def test_sqlite_reads_the_window_through_the_new_indexes(tmp_path: Path) -> None:
    """The query plans name the indexes of alembic 0009, not the primary key walked over every day."""
    with Warehouse(f"sqlite:///{tmp_path / 'w.sqlite'}") as wh:
        wh.migrate()
        _fill(wh, 30)
        statements: list[tuple[str, Any]] = []

        def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
            statements.append((statement, parameters))

        sa.event.listen(wh.engine, "before_cursor_execute", record)
        loaders.load_edition_track_audience(wh, "top-fr", since=SINCE)
        loaders.load_edition_artist_audience(wh, "top-fr", since=SINCE)
        loaders.load_first_ranked(wh, "top-fr", songs=["s1"])
        sa.event.remove(wh.engine, "before_cursor_execute", record)
        plans = []
        with wh.engine.connect() as conn:
            for statement, parameters in statements:
                if "GROUP BY" in statement or "artist_audience" in statement:
                    rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
                    plans.append(" ".join(str(row[-1]) for row in rows))
    joined = "\n".join(plans)
    assert "ix_track_audience_song_date (song_uuid=? AND date>?)" in joined
    assert "ix_artist_audience_artist_date (artist_uuid=? AND date>?)" in joined
    assert "ix_chart_rankings_song_chart (song_uuid=? AND chart_slug=?)" in joined


def test_opening_the_warehouse_imports_no_pandas() -> None:
    """`status`, the sensors and every API step open the warehouse; only frames need pandas (loaded on use)."""
    code = (
        "import sys; import soundcharts_assets.warehouse as w; before = 'pandas' in sys.modules; w.load_chart; "
        "print(before, 'pandas' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True"]

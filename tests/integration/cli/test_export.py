"""`export` writes each whole-history table in chunks (issue 22): the files equal the loaders' frames written at
once (CSV byte for byte, Parquet value for value), and no chunk holds more than the rows asked for."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from soundcharts_assets.cli import export
from soundcharts_assets.soundcharts.models import ArtistAudiencePoint, SongAudiencePoint
from soundcharts_assets.warehouse import Warehouse
from soundcharts_assets.warehouse.exports import PLANS, ChunkedTable
from tests.integration.warehouse.builders import artist, ranking, song

TODAY = date(2024, 5, 10)
DAYS = 30
ROWS = 7  # small chunks: every table but the one-edition ranking spans several


def _fill(wh: Warehouse) -> None:
    """A month of a chart whose first song (``s0``) was never fetched, with gaps in a series and a stub artist:
    the columns whose dtype a chunk could get wrong (NULL names first, integers with NULLs, all-NULL chunks)."""
    for back in range(DAYS - 1, -1, -1):
        day = datetime(TODAY.year, TODAY.month, TODAY.day, tzinfo=timezone.utc) - timedelta(days=back)
        wh.write_ranking(ranking(day, ["s0", "s1", "s2", "s3"]), day + timedelta(hours=9, minutes=back))
    fetched = datetime(2024, 5, 10, 12, 30, tzinfo=timezone.utc)
    wh.upsert_songs([song("s1", "a1", "a2"), song("s2", "a2"), song("s3", "a3")], fetched)
    wh.link_track_artists(wh.credited_artists(["s1", "s2", "s3"]))
    wh.upsert_artists([artist("a1"), artist("a2")], fetched)  # a3 stays a stub: no fetched_at
    days = [TODAY - timedelta(days=back) for back in range(DAYS)]
    for uuid in ("s0", "s1", "s2", "s3"):
        for platform in ("spotify", "youtube"):
            points = [
                SongAudiencePoint(d, f"{platform}-{uuid}-{i}", None if (uuid, i) == ("s2", 1) else d.toordinal() + i)
                for d in days
                for i in (0, 1)
            ]
            wh.write_track_audience(uuid, platform, points, fetched + timedelta(seconds=len(uuid)))
    for uuid in ("a1", "a2", "a3"):
        for source, metric in (("spotify", "followers"), ("spotify_listening", "monthly_listeners")):
            points = [ArtistAudiencePoint(d, metric, d.toordinal() * 1000) for d in days]
            wh.write_artist_audience(uuid, "spotify", points, fetched, source=source)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_chunked_files_equal_the_loaders_frames_written_at_once(wh: Warehouse, tmp_path: Path, fmt: str) -> None:
    _fill(wh)
    paths = export.export_chart(wh, "top-fr", fmt, tmp_path / "chunked", rows=ROWS)
    assert [p.name for p in paths] == [f"top-fr_{name}.{fmt}" for name in export.TABLES]
    for name, load in export.TABLES.items():
        whole = tmp_path / "whole" / f"top-fr_{name}.{fmt}"
        whole.parent.mkdir(exist_ok=True)
        frame = load(wh, "top-fr")
        if fmt == "csv":
            frame.to_csv(whole, index=False)
            assert (tmp_path / "chunked" / whole.name).read_bytes() == whole.read_bytes(), name
        else:
            frame.to_parquet(whole, index=False)
            chunked = pd.read_parquet(tmp_path / "chunked" / whole.name)
            pd.testing.assert_frame_equal(chunked, pd.read_parquet(whole), obj=name)
            pd.testing.assert_frame_equal(chunked, frame, check_dtype=False, obj=name)
    audience = pd.read_csv(tmp_path / "chunked" / f"top-fr_track_audience.{fmt}") if fmt == "csv" else None
    if audience is not None:  # the data meant to trip a chunk up is there
        assert len(audience) == 4 * 2 * DAYS * 2 and audience["value"].isna().sum() == 2 * DAYS
        assert audience["name"].isna().sum() == 2 * DAYS * 2


@contextmanager
def _recording(real: Any, seen: dict[str, list[int]], name: str, *args: Any) -> Iterator[ChunkedTable]:
    with real(*args) as table:
        yield ChunkedTable(table.kinds, _counted(table.chunks, seen.setdefault(name, [])))


def _counted(chunks: Iterator[pd.DataFrame], lengths: list[int]) -> Iterator[pd.DataFrame]:
    for chunk in chunks:
        lengths.append(len(chunk))
        yield chunk


def test_export_holds_one_chunk_of_rows_at_a_time(
    wh: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Memory follows the chunk, not the history: a table of n rows is read as ceil(n / rows) chunks of at most
    ``rows``; on PostgreSQL through a server-side (named) cursor, so the driver does not hold the rest."""
    _fill(wh)
    seen: dict[str, list[int]] = {}
    real = export.chunked_table
    monkeypatch.setattr(export, "chunked_table", lambda w, name, *rest: _recording(real, seen, name, w, name, *rest))
    cursors: list[tuple[str, Any]] = []

    def record(_conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        cursors.append((statement, getattr(cursor, "name", None)))

    sa.event.listen(wh.engine, "before_cursor_execute", record)
    export.export_chart(wh, "top-fr", "csv", tmp_path, rows=ROWS)
    sa.event.remove(wh.engine, "before_cursor_execute", record)

    assert set(seen) == set(PLANS)
    for name, lengths in seen.items():
        total = len(export.TABLES[name](wh, "top-fr"))
        assert sum(lengths) == total and len(lengths) == math.ceil(total / ROWS), name
        assert max(lengths) <= ROWS, name
    assert len(seen["track_audience"]) == math.ceil(4 * 2 * DAYS * 2 / ROWS)
    if wh.engine.dialect.name == "postgresql":
        streamed = [named for statement, named in cursors if "ORDER BY track_audience.song_uuid" in statement]
        assert streamed and all(streamed)

"""Audience series and fetch outcomes (``warehouse/audience.py``), on SQLite and Postgres."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from soundcharts_assets.soundcharts.models import AirplayCount, ArtistAudiencePoint, SongAudiencePoint
from soundcharts_assets.vocabulary import EntityKind
from soundcharts_assets.warehouse import Warehouse, load_track_audience
from tests.integration.warehouse.builders import NOW

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
    songs = wh.stored_series("song", ["s1", "s2"], ["spotify", "airplay"])
    assert {key: series.last_day for key, series in songs.items()} == {
        ("s1", "spotify"): date(2024, 5, 3),
        ("s1", "airplay"): date(2024, 5, 9),
    }
    assert wh.stored_series("artist", ["a1"], ["spotify"], "followers")[("a1", "spotify")].last_day == date(2024, 5, 2)
    assert wh.stored_series("artist", ["a1"], ["spotify"], "monthly_listeners")[("a1", "spotify")].last_day == date(
        2024, 5, 1
    )

    stale = wh.due_audience("song", ["s1", "s2", "s3"], ["spotify", "shazam"], timedelta(days=1), NOW)
    assert stale == [("s1", "shazam"), ("s2", "spotify"), ("s3", "spotify"), ("s3", "shazam")]
    assert wh.due_audience("artist", ["a1"], ["spotify"], timedelta(days=1), NOW) == []
    assert wh.audience_coverage("song", ["s1", "s2", "s3"], ["spotify", "shazam", "airplay"]) == {
        "spotify": {"ok": 1, "not_found": 1, "not_in_plan": 0, "missing": 1},
        "shazam": {"ok": 0, "not_found": 0, "not_in_plan": 1, "missing": 2},
        "airplay": {"ok": 1, "not_found": 0, "not_in_plan": 0, "missing": 2},
    }
    with pytest.raises(ValueError):
        wh.due_audience("album", ["x"], ["spotify"], timedelta(days=1), NOW)


def test_upsert_updates_changed_values_across_a_large_batch(wh: Warehouse) -> None:
    """One cached statement with many parameter sets: every conflicting row takes its new value."""
    points = [SongAudiencePoint(date(2024, 1, 1) + timedelta(days=d), "sp", d) for d in range(2000)]
    assert wh.write_track_audience("s1", "spotify", points, NOW) == 2000
    revised = [SongAudiencePoint(p.date, p.identifier, p.value * 2 if p.value % 3 == 0 else p.value) for p in points]
    wh.write_track_audience("s1", "spotify", revised + revised[:5], NOW)  # repeats in one batch are de-duplicated
    values = load_track_audience(wh)["value"].tolist()
    assert len(values) == 2000 and values == [v * 2 if v % 3 == 0 else v for v in range(2000)]


def test_the_spend_ledger_adds_calls_per_day_chart_and_step(wh):
    from datetime import date, datetime, timezone

    day = datetime(2026, 11, 30, 10, tzinfo=timezone.utc)
    wh.record_spend("tracks", {"global-28": 3, "airplay-fr": 0}, day)
    wh.record_spend("tracks", {"global-28": 2}, day)  # a second run the same day adds up
    wh.record_spend("track_audience", {"global-28": 10, "airplay-fr": 4}, day)
    wh.record_spend("tracks", {"global-28": 7}, datetime(2026, 12, 1, 1, tzinfo=timezone.utc))
    assert wh.spend_by_chart(date(2026, 11, 30), date(2026, 11, 30)) == {"global-28": 15, "airplay-fr": 4}
    assert wh.spend_by_chart(date(2026, 12, 1)) == {"global-28": 7}
    assert wh.spend_total(date(2026, 11, 1)) == 26
    # The last 24 hours, by the hour: 10:00 on the 30th is more than 24 h before 11:00 on the 1st.
    assert wh.spend_by_chart(datetime(2026, 11, 30, 11, tzinfo=timezone.utc)) == {"global-28": 7}


def test_a_step_that_filled_an_audience_table_refreshes_its_planner_statistics(wh: Warehouse) -> None:
    """PostgreSQL's planner believed a freshly filled table empty (no autovacuum yet) and read it in nested
    loops; after a step writes a tenth of a table or more, the table is analyzed. SQLite is left as it is."""
    points = [SongAudiencePoint(date(2024, 1, 1) + timedelta(days=d), "sp", d) for d in range(500)]
    written = wh.write_track_audience("s1", "spotify", points, NOW)
    analyzed = wh.refresh_audience_statistics(EntityKind.SONG, written)
    if wh.dialect != "postgresql":
        assert analyzed is False
        return
    assert analyzed
    with wh.engine.connect() as conn:
        believed = conn.execute(sa.text("SELECT reltuples FROM pg_class WHERE relname = 'track_audience'")).scalar()
    assert believed == 500
    assert not wh.refresh_audience_statistics(EntityKind.SONG, 49)  # under a tenth of 500
    assert wh.refresh_audience_statistics(EntityKind.SONG, 50)
    assert not wh.refresh_audience_statistics(EntityKind.ARTIST, 0)

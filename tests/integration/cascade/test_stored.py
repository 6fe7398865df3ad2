"""What the estimates read (``cascade/stored.py``): a fleet's describes read each series' fetches once, and price
each chart as a read of its own would, on SQLite and Postgres."""

from __future__ import annotations

from datetime import date, timedelta

from soundcharts_assets.cascade.cost import Estimator, estimate_calls, stored_state
from soundcharts_assets.settings import freshness_from_env
from soundcharts_assets.soundcharts.models import ArtistAudiencePoint, Chart, SongAudiencePoint
from soundcharts_assets.warehouse import Warehouse
from tests.integration.warehouse.builders import CHART, DAY1, DAY2, ranking, song

OTHER = Chart(slug="top-gb", name="Top UK", platform="spotify", frequency="daily", country_code="GB")
SHARED, OWN, THEIRS, DROPPED = ["s1", "s2", "s3"], ["f1", "f2"], ["g1"], "f0"


ARTISTS = {"s1": ["a1"], "s2": ["a1", "a2"], "s3": ["a3"], "f1": ["a4"], "f2": ["a4"], "g1": ["a5"], DROPPED: ["a6"]}


def _stored(wh: Warehouse) -> None:
    """Two charts sharing three songs (and the artists they credit); series fetched an hour ago (fresh), ten days
    ago (due) and answered 404 (due, free), one song dropped by top-fr the day before (its last fetch is due)."""
    wh.write_ranking(ranking(DAY1, [DROPPED, *SHARED, *OWN]))
    wh.write_ranking(ranking(DAY2, [*SHARED, *OWN]))
    wh.write_ranking(ranking(DAY2, [*SHARED, *THEIRS], chart=OTHER))
    wh.upsert_songs([song(uuid, *artists) for uuid, artists in ARTISTS.items()], fetched_at=DAY1)
    wh.link_track_artists(wh.credited_artists(list(ARTISTS)))
    wh.write_artist_audience(
        "a1", "spotify", [ArtistAudiencePoint(date(2024, 5, 9), "followers", 10)], DAY2 - timedelta(hours=1)
    )
    wh.record_audience_outcome("artist", "a2", "tiktok", "not_found", DAY2 - timedelta(days=10))
    point = [SongAudiencePoint(date(2024, 5, 9), "id", 5)]
    wh.write_track_audience("s1", "spotify", point, DAY2 - timedelta(hours=1))
    wh.write_track_audience("s2", "spotify", point, DAY2 - timedelta(days=10))
    wh.record_audience_outcome("song", "s3", "youtube", "not_found", DAY2 - timedelta(days=10))
    wh.write_track_audience("f1", "spotify", point, DAY2 - timedelta(hours=1))


def test_a_fleets_estimates_read_each_series_once_and_price_each_chart_as_alone(wh: Warehouse, monkeypatch) -> None:
    _stored(wh)
    freshness, now = freshness_from_env({}), DAY2 + timedelta(hours=2)
    alone = {slug: estimate_calls(stored_state(wh, slug, freshness, now)) for slug in (CHART.slug, OTHER.slug)}

    asked: list[str] = []
    read = wh.last_fetches

    def counted(entity, uuids, sources):  # the warehouse's own read, counting the uuids asked
        uuids = list(uuids)
        asked.extend(f"{entity}:{uuid}" for uuid in uuids)
        return read(entity, uuids, sources)

    monkeypatch.setattr(wh, "last_fetches", counted)
    estimator = Estimator(wh, freshness, now)
    assert {slug: estimator.billed(slug) for slug in (CHART.slug, OTHER.slug)} == alone
    assert sorted(asked) == sorted(set(asked))  # every song and artist read once for the two charts
    assert {uuid for uuid in asked if uuid.startswith("song:")} == {
        f"song:{uuid}" for uuid in (DROPPED, *SHARED, *OWN, *THEIRS)
    }
    assert {uuid for uuid in asked if uuid.startswith("artist:")} >= {f"artist:a{i}" for i in range(1, 6)}
    state = stored_state(wh, CHART.slug, freshness, now)
    assert state.free_track_pairs == 1  # s3 on YouTube answered 404: due, asked again, not billed
    assert state.free_artist_pairs == 1  # a2 on TikTok, likewise
    assert alone[CHART.slug]["track_audience"] > 0 and alone[CHART.slug]["artist_audience"] > 0

"""The due read and the crawl bookkeeping (alembic 0006) on SQLite and Postgres."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from soundcharts_assets.due import RefreshPolicy
from soundcharts_assets.soundcharts.models import ArtistAudiencePoint, SongAudiencePoint
from soundcharts_assets.warehouse import Warehouse

UTC = timezone.utc
FETCHED = datetime(2026, 12, 1, 12, tzinfo=UTC)


def every(days: int, count: int, end: date) -> list[date]:
    return [end - timedelta(days=days * i) for i in range(count)][::-1]


def test_fetches_record_the_last_crawl_and_the_stored_cadence_and_the_due_read_uses_them(wh: Warehouse) -> None:
    crawl = datetime(2026, 12, 1, 4, tzinfo=UTC)
    social = [ArtistAudiencePoint(d, "followers", 100 + i) for i, d in enumerate(every(2, 10, date(2026, 12, 1)))]
    wh.write_artist_audience("a1", "instagram", social, FETCHED, source="instagram", last_crawl_at=crawl)
    listening = [ArtistAudiencePoint(d, "monthly_listeners", 7) for d in every(1, 10, date(2026, 12, 1))]
    wh.write_artist_audience("a1", "spotify", listening, FETCHED, source="spotify_listening", last_crawl_at=crawl)
    wh.write_artist_audience("a2", "instagram", social, FETCHED, source="instagram")  # no lastCrawlDate
    songs = [SongAudiencePoint(d, ident, 1) for d in every(1, 5, date(2026, 12, 1)) for ident in ("x", "y")]
    wh.write_track_audience("s1", "spotify", songs, FETCHED, last_crawl_at=crawl)

    fetches = wh.last_fetches("artist", ["a1", "a2"], ["instagram", "spotify_listening"])
    assert fetches[("a1", "instagram")].cadence_hours == 48.0
    assert fetches[("a1", "instagram")].last_crawl_at == crawl
    assert fetches[("a1", "spotify_listening")].cadence_hours == 24.0  # its own metric, not the followers'
    assert fetches[("a2", "instagram")].last_crawl_at is None
    assert wh.last_fetches("song", ["s1"], ["spotify"])[("s1", "spotify")].cadence_hours == 24.0

    stored = wh.stored_series("song", ["s1"], ["spotify"])[("s1", "spotify")]
    assert (stored.last_day, stored.identifiers, stored.identifier) == (date(2026, 12, 1), 2, None)
    followers = wh.stored_series("artist", ["a1"], ["instagram"], metric="followers")
    assert followers[("a1", "instagram")].last_day == date(2026, 12, 1)

    policy = RefreshPolicy()
    sources = ["instagram", "spotify_listening", "tiktok"]
    next_day = FETCHED + timedelta(days=1)
    due = set(wh.due_audience("artist", ["a1", "a2"], sources, policy, next_day))
    # a1's instagram waits for its crawl on the 3rd; its listeners and a2 (no lastCrawlDate) are due after 24 h
    assert due == {("a1", "spotify_listening"), ("a1", "tiktok"), ("a2", "instagram"), ("a2", "spotify_listening"),
                   ("a2", "tiktok")}  # fmt: skip
    assert ("a1", "instagram") in wh.due_audience("artist", ["a1"], sources, policy, FETCHED + timedelta(days=2))
    # the old window still works for callers that pass one
    later = next_day + timedelta(minutes=1)
    assert wh.due_audience("artist", ["a1"], ["instagram"], timedelta(hours=24), later) == [("a1", "instagram")]


def test_the_due_read_and_the_rule_over_read_fetches_agree_at_their_bounds(wh: Warehouse) -> None:
    """``due_audience`` (the steps' read) and ``due_among`` over ``last_fetches`` (an estimate's one read of a
    fleet) are one rule: at an age bound (fetched exactly ``max_age`` ago: fresh) and at the policy's longest
    interval (fetched exactly that long ago: due), and for a series never fetched."""
    from soundcharts_assets.warehouse.audience import due_among

    policy = RefreshPolicy()
    points = [SongAudiencePoint(date(2026, 12, 1), "x", 1)]
    ages = {"s1": timedelta(hours=24), "s2": policy.longest, "s3": timedelta(hours=24, microseconds=1)}
    for uuid, age in ages.items():
        wh.write_track_audience(uuid, "spotify", points, FETCHED - age)
    uuids, sources = [*ages, "never"], ["spotify", "shazam"]
    read = wh.last_fetches("song", uuids, sources)
    for rule in (timedelta(hours=24), policy):
        assert due_among(read, uuids, sources, rule, FETCHED) == wh.due_audience("song", uuids, sources, rule, FETCHED)
    by_age = set(wh.due_audience("song", uuids, ["spotify"], timedelta(hours=24), FETCHED))
    assert by_age == {("s2", "spotify"), ("s3", "spotify"), ("never", "spotify")}  # s1: exactly 24 h, fresh
    assert ("s2", "spotify") in wh.due_audience("song", ["s2"], ["spotify"], policy, FETCHED)  # exactly the longest

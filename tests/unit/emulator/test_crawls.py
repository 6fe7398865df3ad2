"""Crawl cadences without HTTP: which days a series has, lastCrawlDate, and a clock that only adds days."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from soundcharts_assets.emulator import Catalogue
from soundcharts_assets.emulator.crawls import Cadence, social_interval_days

BAD_GUY = "7d534228-5165-11e9-9375-549f35161576"
BILLIE = "11e81bcc-9c1c-ce38-b96b-a0369fe50396"
TODAY = date(2026, 11, 30)


def _days(points: list[dict]) -> list[date]:
    return [date.fromisoformat(p["date"][:10]) for p in points]


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue(seed=7, today=TODAY, small_accounts=True)


@pytest.mark.parametrize(
    ("followers", "interval"),
    [(10_000_000, 2), (5_001, 2), (5_000, 2), (2_000, 5), (700, 9), (250, 12), (100, 15), (3, 15)],
)
def test_social_interval_interpolates_between_2_and_15_days(followers: float, interval: int) -> None:
    assert social_interval_days(followers) == interval


def test_intervals_only_lengthen_as_accounts_shrink() -> None:
    sizes = [10 ** (k / 10) for k in range(0, 80)]
    intervals = [social_interval_days(s) for s in sizes]
    assert intervals == sorted(intervals, reverse=True) and set(intervals) == set(range(2, 16))


def test_points_exist_only_on_crawl_days_and_the_newest_is_the_last_crawl() -> None:
    cadence = Cadence(7, "some-artist", "tiktok", interval=5)
    days = [TODAY - timedelta(days=i) for i in range(120)]
    crawled = sorted(d for d in days if cadence.crawled(d))
    assert crawled and all((b - a).days % 5 == 0 for a, b in zip(crawled, crawled[1:]))
    assert cadence.last_crawl(TODAY) == crawled[-1]
    stamp = datetime.fromisoformat(cadence.last_crawl_date(TODAY))
    assert stamp.date() == crawled[-1] and stamp.utcoffset() == timedelta(0)


def test_a_large_account_is_crawled_every_two_days_and_a_small_one_every_fifteen(catalogue: Catalogue) -> None:
    start = TODAY - timedelta(days=90)
    big = _days(catalogue.artist_audience(BILLIE, "instagram", start, TODAY))
    assert catalogue.cadence("artist", BILLIE, "instagram").interval == 2
    assert {(b - a).days for a, b in zip(big, big[1:])} <= {2, 4, 6} and 35 <= len(big) <= 46
    tiny = next(
        (u, p)
        for u in catalogue.artist_uuids()
        for p in sorted(catalogue.artist_record(u).platforms)
        if catalogue.cadence("artist", u, p).interval == 15
    )
    small = _days(catalogue.artist_audience(*tiny, start, TODAY))
    assert 4 <= len(small) <= 7 and {(b - a).days for a, b in zip(small, small[1:])} <= {15, 30}
    assert catalogue.last_crawl("artist", *tiny) == small[-1]


def test_the_default_catalogue_crawls_every_social_account_every_two_days() -> None:
    # Its accounts all have more than 5k followers (the follower values are the ones it always served).
    default = Catalogue(seed=7, today=TODAY)
    assert {
        default.cadence("artist", u, p).interval
        for u in default.artist_uuids()[:300]
        for p in default.artist_record(u).platforms
    } == {2}


def test_song_series_and_monthly_listeners_stay_daily(catalogue: Catalogue) -> None:
    start = TODAY - timedelta(days=60)
    for days in (
        _days(catalogue.song_audience(BAD_GUY, "spotify", start, TODAY)),
        _days(catalogue.monthly_listeners(BILLIE, start, TODAY)),
    ):
        assert 50 <= len(days) <= 61 and min((b - a).days for a, b in zip(days, days[1:])) == 1
    assert catalogue.last_crawl("song", BAD_GUY, "airplay") == TODAY


def test_crawl_cadence_off_gives_daily_social_series() -> None:
    daily = Catalogue(seed=7, today=TODAY, crawl_cadence=False)
    days = _days(daily.artist_audience(BILLIE, "instagram", TODAY - timedelta(days=60), TODAY))
    assert len(days) >= 50 and min((b - a).days for a, b in zip(days, days[1:])) == 1


def test_moving_the_clock_adds_crawls_and_editions_without_touching_the_past() -> None:
    catalogue = Catalogue(seed=7, today=TODAY)
    start = TODAY - timedelta(days=40)
    before = catalogue.artist_audience(BILLIE, "spotify", start, TODAY)
    ranking = catalogue.ranking("global-28")
    dates = catalogue.ranking_dates("global-28")
    catalogue.set_today(TODAY + timedelta(days=10))
    after = catalogue.artist_audience(BILLIE, "spotify", start, TODAY + timedelta(days=10))
    assert after[: len(before)] == before and len(after) > len(before)
    assert catalogue.last_crawl("artist", BILLIE, "spotify") == _days(after)[-1] > TODAY
    assert catalogue.ranking_dates("global-28")[10:] == dates
    assert catalogue.ranking("global-28", dates[0]) == ranking
    with pytest.raises(ValueError, match="only moves forward"):
        catalogue.set_today(TODAY)


def test_a_chart_first_read_after_the_clock_moved_is_the_same_as_one_read_before() -> None:
    early, late = Catalogue(seed=7, today=TODAY), Catalogue(seed=7, today=TODAY)
    early.ranking("top-200-gb")
    for catalogue in (early, late):
        catalogue.set_today(TODAY + timedelta(days=8))
    assert early.ranking_dates("top-200-gb") == late.ranking_dates("top-200-gb")
    assert early.ranking("top-200-gb") == late.ranking("top-200-gb")

"""The due rule (due.py): pure functions on datetimes and intervals."""

from datetime import date, datetime, timedelta, timezone

from soundcharts_assets.due import EARLY_START, RefreshPolicy, cadence_hours, covers, due_at, next_crawl

UTC = timezone.utc


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, tzinfo=UTC)


def test_cadence_is_the_median_gap_between_stored_days():
    days = [date(2026, 12, d) for d in (1, 3, 5, 7, 11, 13)]  # one missed crawl (9) does not move it
    assert cadence_hours(days) == 48.0
    assert cadence_hours([date(2026, 12, 1), date(2026, 12, 1)]) is None
    assert cadence_hours([]) is None
    # a young daily series with a failed crawl among its few points is not read as a 2-day one
    assert cadence_hours([date(2026, 12, d) for d in (1, 3, 4)]) is None


def test_next_crawl_skips_the_crawl_the_last_fetch_already_looked_for():
    assert next_crawl(at(1, 4), timedelta(days=2), fetched_at=at(1, 12)) == at(3, 4)
    # fetched after the expected crawl and found nothing new (a failed crawl): wait for the one after it
    assert next_crawl(at(1, 4), timedelta(days=2), fetched_at=at(3, 12)) == at(5, 4)
    assert next_crawl(at(1, 4), timedelta(days=1), fetched_at=at(3, 12)) == at(4, 4)
    # and at least ``gap`` after the last crawl
    assert next_crawl(at(1, 4), timedelta(days=1), fetched_at=at(1, 12), gap=timedelta(hours=48)) == at(3, 4)
    # a fetch on the 3rd that found nothing new (the 3rd's crawl failed): two crawls after the 3rd's, not one
    assert next_crawl(at(1, 4), timedelta(days=1), fetched_at=at(3, 12), gap=timedelta(hours=48)) == at(5, 4)
    assert next_crawl(at(2, 4), timedelta(days=1), fetched_at=at(3, 12), gap=timedelta(hours=48)) == at(5, 4)


def test_due_at_is_the_next_crawl_within_the_minimum_and_maximum():
    # a 2-day series crawled at 04:00 on the 1st, fetched at noon: due at the next crawl
    assert due_at(at(1, 12), at(1, 4), 48.0, minimum_hours=24, maximum_hours=360) == at(3, 4)
    # the minimum counts in crawl time: a 6-hourly series with a 24 h minimum, fetched at noon after the 10:00
    # crawl, waits for the crawl a day after that one
    assert due_at(at(1, 12), at(1, 4), 6.0, minimum_hours=24, maximum_hours=360) == at(2, 10)
    # a daily series with a 48 h minimum: every second crawl, two days a call
    assert due_at(at(1, 12), at(1, 4), 24.0, minimum_hours=48, maximum_hours=360) == at(3, 4)
    # a 2-day series with a 48 h minimum keeps its crawl's phase, whenever it was first fetched
    assert due_at(at(3, 12), at(2, 4), 48.0, minimum_hours=48, maximum_hours=360) == at(4, 4)
    # the maximum wins over a late crawl (a 15-day account with a 5-day cap)
    assert due_at(at(1, 12), at(1, 4), 360.0, minimum_hours=24, maximum_hours=120) == at(6, 12) - EARLY_START


def test_without_last_crawl_or_cadence_the_interval_applies():
    assert due_at(at(1, 12), None, 48.0, minimum_hours=24, maximum_hours=360) == at(2, 12) - EARLY_START
    assert due_at(at(1, 12), at(1, 4), None, minimum_hours=24, maximum_hours=360) == at(2, 12) - EARLY_START


def test_a_schedule_starting_a_little_earlier_than_last_time_still_refreshes():
    policy = RefreshPolicy(24.0, 360.0, min_hours={"airplay": 168.0})
    # yesterday's run fetched at 12:00; today's starts at 11:50: due, not pushed to tomorrow
    assert policy.is_due("spotify", at(2, 11) + timedelta(minutes=50), at(1, 12), at(1, 4), 24.0)
    assert policy.is_due("airplay", at(8, 11) + timedelta(minutes=50), at(1, 12))
    # the slack is on the interval, never on the crawl: a run before the next crawl is not due
    assert not policy.is_due("instagram", at(3, 3) + timedelta(minutes=30), at(1, 12), at(1, 4), 48.0)
    # and it is an hour, not a day
    assert not policy.is_due("airplay", at(7, 12), at(1, 12))


def test_policy_bounds_per_source_and_never_fetched_is_due():
    policy = RefreshPolicy(24.0, 360.0, min_hours={"instagram": 48.0}, max_hours={"tiktok": 12.0})
    assert policy.bounds("instagram") == (48.0, 360.0)
    assert policy.bounds("tiktok") == (24.0, 24.0)  # a maximum below the minimum is the minimum
    assert policy.is_due("spotify", at(1), None)
    daily = {"last_crawl_at": at(1, 4), "cadence": 24.0}
    assert not policy.is_due("spotify", at(2, 3), at(1, 12), **daily)
    assert policy.is_due("spotify", at(2, 12), at(1, 12), **daily)
    assert not policy.is_due("instagram", at(2, 12), at(1, 12), **daily)  # its minimum is 48 h
    assert policy.longest == timedelta(hours=360)


def test_a_fetch_covers_a_day_once_the_next_expected_crawl_is_after_it():
    day2 = date(2026, 12, 2)
    assert covers(at(2, 12), at(2, 4), 24.0, day2)  # fetched after day 2's crawl
    assert not covers(at(1, 12), at(1, 4), 24.0, day2)  # day 2's crawl came after the fetch
    assert covers(at(1, 12), at(1, 4), 48.0, day2)  # a 2-day series: no crawl on day 2
    # without a crawl date (airplay's windows end the day before their fetch): a fetch after the day
    assert not covers(at(2, 12), None, None, day2)
    assert covers(at(3, 1), None, None, day2)


def test_an_entity_that_left_the_charts_is_due_once_up_to_its_last_followed_day():
    policy = RefreshPolicy(24.0, 360.0, min_hours={"airplay": 168.0, "shazam": 48.0})
    leaving = policy.catching_up(date(2026, 12, 2))
    # airplay fetched on the 1st (spins up to the 30th): its week is not over, yet the 1st and 2nd are wanted
    assert not policy.is_due("airplay", at(3, 12), at(1, 12))
    assert leaving.is_due("airplay", at(3, 12), at(1, 12))
    assert not leaving.is_due("airplay", at(4, 12), at(3, 12))  # the catch-up reached the 2nd: done
    # a daily series under a 48 h minimum, fetched on the 1st: the 2nd's crawl is wanted
    assert not policy.is_due("shazam", at(2, 12), at(1, 12), at(1, 4), 24.0)
    assert leaving.is_due("shazam", at(3, 12), at(1, 12), at(1, 4), 24.0)
    assert not leaving.is_due("shazam", at(3, 12), at(2, 12), at(2, 4), 24.0)  # fetched on its last day
    assert leaving.is_due("spotify", at(3, 12), None)  # never fetched

"""Issue 13's settings: refresh intervals per source, current stats, the monthly budget, SOUNDCHARTS_TODAY."""

from datetime import date, datetime, timedelta, timezone

import pytest

from soundcharts_assets import clock
from soundcharts_assets.refresh_policy import max_hours, min_hours, refresh_policy
from soundcharts_assets.settings import SettingsError, budget_from_env, freshness_from_env, today_from_env
from soundcharts_assets.sources import source_names


def test_refresh_intervals_default_to_the_freshness_window_for_spotify_and_twice_it_for_context():
    defaults = refresh_policy(freshness_from_env({}))
    assert defaults.bounds("spotify") == (24.0, 360.0)
    assert [defaults.bounds(s)[0] for s in ("youtube", "shazam", "instagram", "tiktok", "spotify_listening")] == [
        48.0
    ] * 5
    assert defaults.bounds("airplay") == (168.0, 360.0)
    freshness = freshness_from_env({"SOUNDCHARTS_AUDIENCE_FRESHNESS_HOURS": "12"})
    assert min_hours(freshness, "spotify") == 12.0
    assert min_hours(freshness, "instagram") == 24.0
    assert max_hours(freshness, "instagram") == 360.0
    assert not freshness.current_stats
    policy = refresh_policy(freshness)
    assert policy.bounds("spotify_listening") == (24.0, 360.0)
    current_stats = freshness_from_env({"SOUNDCHARTS_CURRENT_STATS": "1"})
    assert min_hours(current_stats, "shazam") == min_hours(current_stats, "spotify_listening") == 24.0
    refetch_all = freshness_from_env({"SOUNDCHARTS_AUDIENCE_FRESHNESS_HOURS": "0"})
    assert min_hours(refetch_all, "shazam") == 0.0


def test_a_blanket_minimum_replaces_the_context_default_but_not_airplays_week():
    daily = freshness_from_env({"SOUNDCHARTS_REFRESH_MIN_HOURS": "24"})
    assert {s: min_hours(daily, s) for s in ("spotify", "youtube", "shazam", "spotify_listening", "airplay")} == {
        "spotify": 24.0,
        "youtube": 24.0,
        "shazam": 24.0,
        "spotify_listening": 24.0,
        "airplay": 168.0,
    }
    assert min_hours(freshness_from_env({"SOUNDCHARTS_REFRESH_MIN_HOURS": "shazam=24"}), "youtube") == 48.0


def test_per_source_overrides_and_a_default_in_one_variable():
    freshness = freshness_from_env(
        {
            "SOUNDCHARTS_REFRESH_MIN_HOURS": "instagram=48",
            "SOUNDCHARTS_REFRESH_MAX_HOURS": "96, instagram=360,tiktok=360",
            "SOUNDCHARTS_CURRENT_STATS": "1",
        }
    )
    assert refresh_policy(freshness).bounds("instagram") == (48.0, 360.0)
    assert refresh_policy(freshness).bounds("youtube") == (24.0, 96.0)  # current stats on
    assert freshness.current_stats


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"SOUNDCHARTS_REFRESH_MAX_HOURS": "instagrm=360"},
            "SOUNDCHARTS_REFRESH_MAX_HOURS='instagrm=360': unknown source 'instagrm'; use one of "
            f"{', '.join(source_names())}; set it to e.g. 360 or instagram=360,tiktok=360",
        ),
        (
            {"SOUNDCHARTS_REFRESH_MIN_HOURS": "-1"},
            "SOUNDCHARTS_REFRESH_MIN_HOURS='-1': -1 hours is negative; use 0 or more; set it to e.g. 24 or "
            "instagram=48,tiktok=48",
        ),
        (
            {"SOUNDCHARTS_REFRESH_MIN_HOURS": "tiktok=soon"},
            "SOUNDCHARTS_REFRESH_MIN_HOURS='tiktok=soon': 'soon' is not a number of hours; set it to e.g. 24 or "
            "instagram=48,tiktok=48",
        ),
        (
            {"SOUNDCHARTS_CURRENT_STATS": "maybe"},
            "SOUNDCHARTS_CURRENT_STATS='maybe' is not on or off; set it to 1 or 0",
        ),
    ],
)
def test_bad_refresh_settings_are_one_line(env, expected):
    with pytest.raises(SettingsError) as error:
        freshness_from_env(env)
    assert str(error.value) == expected
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("raw", ["-5", "0", "lots"])
def test_bad_monthly_budget_is_one_line(raw):
    with pytest.raises(SettingsError) as error:
        budget_from_env({"SOUNDCHARTS_MONTHLY_BUDGET": raw})
    assert str(error.value).startswith(f"SOUNDCHARTS_MONTHLY_BUDGET={raw}") or raw in str(error.value)
    assert "set it to e.g. 500000" in str(error.value)
    assert budget_from_env({}).monthly_budget is None
    assert budget_from_env({"SOUNDCHARTS_MONTHLY_BUDGET": "50000"}).monthly_budget == 50000


def test_today_moves_utc_now_and_keeps_the_time_of_day(monkeypatch):
    assert today_from_env({}) is None
    monkeypatch.setenv("SOUNDCHARTS_TODAY", "2027-01-05")
    clock.reset()  # read once per process
    now = clock.utc_now()
    real = datetime.now(timezone.utc)
    assert now.date() == date(2027, 1, 5)
    assert now.utcoffset() == timedelta(0)
    assert abs(datetime.combine(real.date(), now.time()) - datetime.combine(real.date(), real.time())) < timedelta(
        minutes=1
    )
    monkeypatch.setenv("SOUNDCHARTS_TODAY", "2027-02-30")
    clock.reset()
    with pytest.raises(SettingsError) as error:
        clock.utc_now()
    assert str(error.value) == (
        "SOUNDCHARTS_TODAY='2027-02-30' is not a date; set it to e.g. 2026-12-01 (YYYY-MM-DD) or unset it"
    )


def test_the_dagster_policy_resource_keeps_the_environments_intervals_and_current_stats(monkeypatch):
    """Runs read their freshness from ``CascadePolicyResource``: its own fields win, the rest (refresh
    intervals, current-stats mode) stays what the environment says, or a Dagster run would ignore them."""
    from soundcharts_assets.defs.resources import CascadePolicyResource

    monkeypatch.setenv("SOUNDCHARTS_REFRESH_MIN_HOURS", "spotify=48")
    monkeypatch.setenv("SOUNDCHARTS_CURRENT_STATS", "1")
    monkeypatch.setenv("SOUNDCHARTS_METADATA_FRESHNESS_HOURS", "72")
    freshness = CascadePolicyResource(audience_freshness_hours=12).freshness()
    assert freshness.current_stats
    assert refresh_policy(freshness).bounds("spotify") == (48.0, 360.0)
    assert min_hours(freshness, "youtube") == 12.0  # the resource's audience window (current stats: no doubling)
    assert freshness.metadata_hours == 72.0  # unset on the resource: the environment's

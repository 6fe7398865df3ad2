"""The budget forecast's arithmetic (cascade/forecast.py) on plain numbers."""

import pytest

from soundcharts_assets.cascade.forecast import (
    FleetState,
    SeriesRecord,
    churn_per_day,
    forecast_daily,
    refresh_every_days,
)
from soundcharts_assets.settings import freshness_from_env


def test_a_series_is_paid_once_per_crawl_bounded_by_its_schedule_and_intervals():
    freshness = freshness_from_env({})
    assert refresh_every_days(SeriesRecord("song", "spotify", 1, "ok", 24.0), freshness) == 1
    assert refresh_every_days(SeriesRecord("artist", "instagram", 1, "ok", 48.0), freshness) == 2
    assert refresh_every_days(SeriesRecord("artist", "tiktok", 1, "ok", 15 * 24.0), freshness) == 15
    assert refresh_every_days(SeriesRecord("artist", "tiktok", 7, "ok", 48.0), freshness) == 7  # weekly chart
    # context sources (48 h minimum): a daily series every second crawl, a 36 h one every second crawl too
    assert refresh_every_days(SeriesRecord("song", "shazam", 1, "ok", 24.0), freshness) == 2
    assert refresh_every_days(SeriesRecord("artist", "spotify_listening", 1, "ok", 36.0), freshness) == 3
    # no cadence: the source's minimum; airplay's is a week of spins, unless it is named
    assert refresh_every_days(SeriesRecord("song", "spotify", 1, None, None), freshness) == 1
    assert refresh_every_days(SeriesRecord("song", "airplay", 1, "ok", None), freshness) == 7
    assert refresh_every_days(SeriesRecord("song", "airplay", 7, "ok", None), freshness) == 7
    blanket = freshness_from_env({"SOUNDCHARTS_REFRESH_MIN_HOURS": "48"})
    assert refresh_every_days(SeriesRecord("song", "airplay", 1, "ok", None), blanket) == 7
    daily_spins = freshness_from_env({"SOUNDCHARTS_REFRESH_MIN_HOURS": "48,airplay=24"})
    assert refresh_every_days(SeriesRecord("song", "airplay", 1, "ok", None), daily_spins) == 1
    capped = freshness_from_env({"SOUNDCHARTS_REFRESH_MAX_HOURS": "tiktok=120"})
    assert refresh_every_days(SeriesRecord("artist", "tiktok", 1, "ok", 15 * 24.0), capped) == 5


def test_forecast_counts_entities_once_leaves_out_free_answers_and_adds_the_sensor():
    state = FleetState(
        charts={"a": "daily", "b": "daily", "c": "none"},
        ranking_pages={"a": 2, "b": 1, "c": 1},
        songs={"daily": 100},
        artists={"daily": 50},
        series=[SeriesRecord("song", "spotify", 1, "ok", 24.0)] * 100
        + [SeriesRecord("song", "youtube", 1, "not_found", None)] * 100
        + [SeriesRecord("artist", "instagram", 1, "ok", 48.0)] * 50,
    )
    daily = forecast_daily(state, freshness_from_env({}), sensor_interval_seconds=3600)
    assert daily["chart_rankings"] == 3.0
    assert daily["song:spotify"] == 100.0
    assert "song:youtube" not in daily  # a 404 costs no quota
    assert daily["artist:instagram"] == 25.0
    assert daily["tracks"] == pytest.approx(100 / 7 / 10, abs=0.1)
    assert daily["new_chart_editions"] == 72.0  # 24 polls per followed chart per day
    current = forecast_daily(state, freshness_from_env({"SOUNDCHARTS_CURRENT_STATS": "1"}), None)
    assert current["song:current_stats"] == 100.0 and current["artist:current_stats"] == 50.0
    assert "song:spotify" not in current and "new_chart_editions" not in current


def test_churn_adds_first_fetches_and_airplays_last_fetch_per_entering_song():
    freshness = freshness_from_env({})
    series = [
        SeriesRecord("song", "spotify", 1, "ok", 24.0),  # due every refresh: no extra
        SeriesRecord("song", "youtube", 1, "ok", 24.0),  # every 2nd: half a first fetch, no last fetch
        SeriesRecord("song", "shazam", 1, "ok", 24.0),
        SeriesRecord("song", "airplay", 1, "ok", None),  # weekly window: 6/7 first fetch, 6/7 last fetch
    ]
    state = FleetState({"a": "daily"}, {"a": 1}, songs={"daily": 1}, series=series)
    assert churn_per_day(state, freshness) == 0.0
    state.entering = {"song": {"daily": 10}}
    per_series = (0 + 0.5 + 0.5 + 2 * 6 / 7) / 4
    assert churn_per_day(state, freshness) == round(10 * (per_series * 4 + 0.1), 1)
    assert forecast_daily(state, freshness, None)["churn"] == churn_per_day(state, freshness)
    weekly = FleetState(
        {"a": "weekly"}, {"a": 1}, songs={"weekly": 1}, series=[SeriesRecord("song", "airplay", 7, "ok", None)]
    )
    weekly.entering = {"song": {"weekly": 7}}
    assert churn_per_day(weekly, freshness) == round(7 * (0 * 4 + 0.1) / 7, 1)  # due every refresh: no churn

"""The dry-run arithmetic on plain counts: pages, batches of 10, audience pairs times windows."""

from __future__ import annotations

from soundcharts_assets.cascade.cost import StoredState, estimate_calls, windows_for


def state(**overrides: object) -> StoredState:
    base: dict[str, object] = dict(
        chart_size=200,
        edition_size=200,
        stale_songs=0,
        songs_without_credits=0,
        songs_with_credits=200,
        known_artists=130,
        stale_known_artists=0,
    )
    base.update(overrides)
    return StoredState(**base)  # type: ignore[arg-type]


def test_nothing_stored_counts_every_song_artist_and_audience() -> None:
    calls = estimate_calls(state(edition_size=0, songs_with_credits=0, known_artists=0))
    assert calls["chart_rankings"] == 2
    assert calls["tracks"] == 20
    assert calls["artist_metadata"] == 30  # 200 songs x 1.5 artists, 10 per call
    assert calls["track_audience"] == 200 * 4
    assert calls["artist_audience"] == 300 * 5
    assert calls["artists"] == 0


def test_unknown_size_falls_back_to_the_stored_edition_then_a_default() -> None:
    assert estimate_calls(state(chart_size=None, edition_size=250))["chart_rankings"] == 3
    assert estimate_calls(state(chart_size=None, edition_size=0))["chart_rankings"] == 1


def test_fresh_warehouse_costs_only_the_ranking() -> None:
    calls = estimate_calls(state())
    assert calls == {
        "chart_rankings": 2,
        "tracks": 0,
        "artists": 0,
        "artist_metadata": 0,
        "track_audience": 0,
        "artist_audience": 0,
    }


def test_stale_entities_are_batched_by_ten() -> None:
    calls = estimate_calls(state(stale_songs=21, stale_known_artists=10))
    assert calls["tracks"] == 3
    assert calls["artist_metadata"] == 1


def test_new_songs_bring_artists_at_the_warehouse_ratio() -> None:
    calls = estimate_calls(state(stale_songs=40, songs_without_credits=40, stored_tracks=100, stored_artists=50))
    assert calls["artist_metadata"] == 2  # 40 songs x 0.5 = 20 new artists
    assert calls["artist_audience"] == 20 * 5


def test_audience_pairs_need_one_window_unless_never_fetched_over_a_long_lookback() -> None:
    recent = state(stale_track_pairs=800, stale_artist_pairs=650)
    assert estimate_calls(recent)["track_audience"] == 800
    long = state(stale_track_pairs=10, stale_track_pairs_long=4, lookback_days=365)
    assert estimate_calls(long)["track_audience"] == 6 + 4 * 5


def test_windows_are_ninety_days() -> None:
    assert [windows_for(d) for d in (1, 90, 91, 180, 365)] == [1, 1, 2, 2, 5]

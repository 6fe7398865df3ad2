"""The dry-run arithmetic on plain counts: pages, batches of 10, audience pairs times windows, calls sent and
billed, the new editions' songs."""

from __future__ import annotations

from soundcharts_assets.cascade.cost import ARTISTS_PER_SONG, StoredState, estimate, estimate_calls, windows_for


def state(**overrides: object) -> StoredState:
    base: dict[str, object] = dict(
        chart_size=200,
        edition_size=200,
        due_songs=0,
        songs_without_credits=0,
        songs_with_credits=200,
        known_artists=130,
        due_known_artists=0,
    )
    base.update(overrides)
    return StoredState(**base)  # type: ignore[arg-type]


def test_nothing_stored_counts_every_song_artist_and_audience() -> None:
    found = estimate(state(edition_size=0, songs_with_credits=0, known_artists=0))
    calls = found.billed
    assert found.first_fetch and found.sent == calls  # nothing tells which series will 404: all billed
    assert calls["chart_rankings"] == 2
    assert calls["tracks"] == 20
    assert calls["artist_metadata"] == 18  # 200 songs x 0.9 new artists, 10 per call
    assert ARTISTS_PER_SONG == 0.9
    assert calls["track_audience"] == 200 * 4
    assert calls["artist_audience"] == 180 * 5
    assert calls["artists"] == 0


def test_a_fifty_entry_chart_costs_a_quarter_of_a_two_hundred_entry_one() -> None:
    small = estimate(state(chart_size=50, edition_size=0, songs_with_credits=0, known_artists=0)).total_billed
    large = estimate(state(chart_size=200, edition_size=0, songs_with_credits=0, known_artists=0)).total_billed
    assert (small, large) == (1 + 5 + 5 + 200 + 225, 2 + 20 + 18 + 800 + 900)


def test_the_warehouse_404_shares_and_stale_404s_are_sent_not_billed() -> None:
    shares = {"song:youtube": 0.25, "artist:tiktok": 0.5}
    first = estimate(state(edition_size=0, songs_with_credits=0, known_artists=0, free_shares=shares))
    assert first.sent["track_audience"] == 800 and first.billed["track_audience"] == 800 - 50
    assert first.sent["artist_audience"] == 900 and first.billed["artist_audience"] == 900 - 90
    stale = estimate(state(due_track_pairs=100, free_track_pairs=7, due_artist_pairs=40, free_artist_pairs=3))
    assert (stale.sent["track_audience"], stale.billed["track_audience"]) == (100, 93)
    assert (stale.sent["artist_audience"], stale.billed["artist_audience"]) == (40, 37)


def test_new_editions_bring_new_songs_their_metadata_artists_and_first_fetches() -> None:
    calls = estimate_calls(
        state(new_editions=2, new_songs_per_edition=5.5, stored_tracks=1000, stored_artists=500, due_track_pairs=30)
    )
    assert calls["tracks"] == 2  # 11 new songs, 10 per call
    assert calls["artist_metadata"] == 1  # 11 x 0.5 artists per song
    assert calls["track_audience"] == 30 + 11 * 4
    assert calls["artist_audience"] == 6 * 5
    assert estimate_calls(state(new_songs_per_edition=5.5))["tracks"] == 0  # no new edition: nothing new


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
    calls = estimate_calls(state(due_songs=21, due_known_artists=10))
    assert calls["tracks"] == 3
    assert calls["artist_metadata"] == 1


def test_new_songs_bring_artists_at_the_warehouse_ratio_once_it_holds_enough() -> None:
    calls = estimate_calls(state(due_songs=40, songs_without_credits=40, stored_tracks=100, stored_artists=50))
    assert calls["artist_metadata"] == 2  # 40 songs x 0.5 = 20 new artists
    assert calls["artist_audience"] == 20 * 5
    few = estimate_calls(state(due_songs=40, songs_without_credits=40, stored_tracks=10, stored_artists=20))
    assert few["artist_audience"] == 36 * 5  # 10 songs say little: 0.9 per song


def test_audience_pairs_need_one_window_unless_never_fetched_over_a_long_lookback() -> None:
    recent = state(due_track_pairs=800, due_artist_pairs=650)
    assert estimate_calls(recent)["track_audience"] == 800
    long = state(due_track_pairs=10, due_track_pairs_long=4, lookback_days=365)
    assert estimate_calls(long)["track_audience"] == 6 + 4 * 5


def test_windows_are_ninety_days() -> None:
    assert [windows_for(d) for d in (1, 90, 91, 180, 365)] == [1, 1, 2, 2, 5]

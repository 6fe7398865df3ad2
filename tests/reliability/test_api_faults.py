"""API faults: the cascade absorbs transient trouble and stores exactly what a clean run stores; the gaps
the API explains (404, 403, missing optional fields) are reported, and nothing else is lost."""

from __future__ import annotations

import dagster as dg
import pytest
from faultkit import CHART, Setup, materializations, materialize, snapshot, step_failures

from soundcharts_assets.emulator.randomness import unit

pytestmark = pytest.mark.slow  # Dagster runs or subprocesses: left out of `make test-fast`

STORMS = {
    # One request in five answers 502, 503 or 504.
    "5xx": {"fault_rate": 0.2},
    # The emulator allows 60 requests a second; the cascade asks for ~150 a second.
    "429": {"rate_limit_per_minute": 60, "rate_limit_window_seconds": 1.0},
    # Stalls past the client's read timeout, connections dropped mid-body, truncated JSON.
    "timeouts_resets_malformed": {
        "stall_rate": 0.02,
        "stall_seconds": 3.0,
        "reset_rate": 0.05,
        "malformed_rate": 0.03,
    },
}


@pytest.mark.parametrize("storm", sorted(STORMS))
def test_transient_faults_store_the_same_rows_as_a_clean_run(setup: Setup, clean_reference, storm: str) -> None:
    expected = clean_reference[CHART]
    setup.emulator.configure(**STORMS[storm])
    with dg.instance_for_test() as instance:
        result = materialize(instance)
    assert result.success, step_failures(result)
    by_status = setup.emulator.stats()["by_status"]
    refused = {"5xx": ("502", "503", "504"), "429": ("429",), "timeouts_resets_malformed": ("reset",)}[storm]
    assert sum(by_status.get(s, 0) for s in refused) >= 10, by_status  # the storm really happened
    assert snapshot(setup.url) == expected


def _without(rows, **match):
    return [r for r in rows if not all(r[k] in v for k, v in match.items())]


def test_gaps_are_reported_and_nothing_else_is_lost(setup: Setup, clean_reference) -> None:
    clean = clean_reference[CHART]
    ranked = [r["song_uuid"] for r in sorted(clean["chart_rankings"], key=lambda r: r["position"])]
    missing_song = ranked[9]
    setup.emulator.configure(
        missing_song_uuids=[missing_song], not_in_plan_platforms=["youtube"], missing_optional_rate=0.2
    )
    with dg.instance_for_test() as instance:
        result = materialize(instance)
    assert result.success, step_failures(result)

    metadata = materializations(result)
    assert metadata["tracks"]["not_found"] == 1 and missing_song in metadata["tracks"]["gaps"]
    assert (
        metadata["track_audience"]["not_in_plan"] > 0 and "youtube: not_in_plan" in metadata["track_audience"]["gaps"]
    )
    assert metadata["artist_audience"]["not_in_plan"] > 0
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    for name in ("every_ranked_song_has_metadata", "track_audience_coverage", "artist_audience_coverage"):
        assert checks[name].passed is False and checks[name].severity == dg.AssetCheckSeverity.WARN, name
    assert checks["positions_unique_and_contiguous"].passed

    got = snapshot(setup.url)
    # The ranking is whole; the 404 song has no metadata, no credits and no audience.
    assert got["chart_rankings"] == clean["chart_rankings"]
    lost_links = [r for r in clean["track_artists"] if r["song_uuid"] == missing_song]
    assert got["track_artists"] == _without(clean["track_artists"], song_uuid={missing_song})
    still_linked = {r["artist_uuid"] for r in got["track_artists"]}
    orphans = {r["artist_uuid"] for r in lost_links} - still_linked
    # Tracks and artists: the same rows; those the emulator stripped lack only their optional fields.
    stripped = {u for u in [*ranked, *still_linked] if unit(7, u, "optional") < 0.2}
    assert stripped, "the knob strips some objects"
    assert [r["song_uuid"] for r in got["tracks"] if r["status"] == "not_found"] == [missing_song]
    _assert_same_except_optional(
        _without(got["tracks"], song_uuid={missing_song}),
        _without(clean["tracks"], song_uuid={missing_song}),
        "song_uuid",
        stripped,
        keep={"song_uuid", "name", "credit_name", "status"},
    )
    _assert_same_except_optional(
        got["artists"],
        _without(clean["artists"], artist_uuid=orphans),
        "artist_uuid",
        stripped,
        keep={"artist_uuid", "slug", "name", "status"},
    )
    # Audience: everything but YouTube (not in plan) and the 404 song.
    assert got["track_audience"] == _without(
        _without(clean["track_audience"], platform={"youtube"}), song_uuid={missing_song}
    )
    assert got["artist_audience"] == _without(
        _without(clean["artist_audience"], platform={"youtube"}), artist_uuid=orphans
    )
    outcomes = {(r["entity_uuid"], r["platform"]): r["status"] for r in got["audience_fetches"]}
    assert {s for (u, p), s in outcomes.items() if p == "youtube"} == {"not_in_plan"}
    assert {outcomes[(missing_song, p)] for p in ("spotify", "shazam", "airplay")} == {"not_found"}


def _assert_same_except_optional(got, expected, key: str, stripped: set[str], keep: set[str]) -> None:
    got, expected = sorted(got, key=lambda r: r[key]), sorted(expected, key=lambda r: r[key])
    assert [r[key] for r in got] == [r[key] for r in expected]
    for row, clean in zip(got, expected):
        if row[key] in stripped:
            assert {k: row[k] for k in keep} == {k: clean[k] for k in keep}
        else:
            assert row == clean

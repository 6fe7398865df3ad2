"""Runs that stop half way: an exhausted quota and a SIGKILL. What was fetched stays stored and consistent,
and the re-run fetches only what is missing (counted by the emulator)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa
from faultkit import (
    ARTIST_AUDIENCE,
    ARTIST_BATCH,
    ARTIST_LISTENING,
    CHART,
    SONG_AIRPLAY,
    SONG_AUDIENCE,
    SONG_BATCH,
    Setup,
    calls,
    materialize,
    snapshot,
    step_failures,
)

from soundcharts_assets.sources import source_names
from tests.support.cli import run_cli
from tests.support.waiting import wait_for

pytestmark = pytest.mark.slow  # Dagster runs or subprocesses: left out of `make test-fast`

CLI = str(Path(sys.executable).parent / "soundcharts-assets")
SONG_AUDIENCE_ROUTES = (SONG_AUDIENCE, SONG_AIRPLAY)
ARTIST_AUDIENCE_ROUTES = (ARTIST_AUDIENCE, ARTIST_LISTENING)


def _scalar(url: str, sql: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text(sql)).scalar() or 0)
    finally:
        engine.dispose()


def _what_is_missing(url: str) -> dict[str, int]:
    """The work a re-run has left: songs and artists without metadata, audience pairs never answered."""
    songs = _scalar(url, f"SELECT count(DISTINCT song_uuid) FROM chart_rankings WHERE chart_slug = '{CHART}'")
    artists = _scalar(url, "SELECT count(*) FROM artists")
    return {
        "songs": songs - _scalar(url, "SELECT count(*) FROM tracks"),
        "artists": _scalar(url, "SELECT count(*) FROM artists WHERE fetched_at IS NULL"),
        "song_pairs": songs * len(source_names("song"))
        - _scalar(url, "SELECT count(*) FROM audience_fetches WHERE entity = 'song'"),
        "artist_pairs": artists * len(source_names("artist"))
        - _scalar(url, "SELECT count(*) FROM audience_fetches WHERE entity = 'artist'"),
    }


def _assert_rows_match_bookkeeping(url: str) -> None:
    """Audience rows and their audience_fetches record are written in one transaction: they always agree."""
    for entity, table, key in (("song", "track_audience", "song_uuid"), ("artist", "artist_audience", "artist_uuid")):
        recorded = _scalar(url, f"SELECT coalesce(sum(points), 0) FROM audience_fetches WHERE entity = '{entity}'")
        assert _scalar(url, f"SELECT count(*) FROM {table}") == recorded, table
        orphans = _scalar(
            url,
            f"SELECT count(*) FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM audience_fetches f "
            f"WHERE f.entity = '{entity}' AND f.entity_uuid = t.{key})",
        )
        assert orphans == 0, table


def _assert_rerun_fetched_only(emulator, missing: dict[str, int]) -> None:
    assert calls(emulator, SONG_BATCH) == -(-missing["songs"] // 10)
    assert calls(emulator, ARTIST_BATCH) == -(-missing["artists"] // 10)
    assert calls(emulator, *SONG_AUDIENCE_ROUTES) == missing["song_pairs"]
    assert calls(emulator, *ARTIST_AUDIENCE_ROUTES) == missing["artist_pairs"]


def test_exhausted_quota_stops_keeps_everything_and_the_rerun_fetches_only_the_rest(
    setup: Setup, clean_reference
) -> None:
    emulator, url = setup.emulator, setup.url
    emulator.configure(quota=150)  # a cold cascade of this chart pays for ~390 answers
    with dg.instance_for_test() as instance:
        result = materialize(instance)
        assert not result.success
        failures = step_failures(result)
        assert failures and all("quota exhausted" in f and "\n" not in f for f in failures), failures

        # Everything paid for is stored: each 2xx audience answer has its row in audience_fetches.
        paid = emulator.stats()["by_route_status"]
        answered = sum(paid.get(r, {}).get("200", 0) for r in (*SONG_AUDIENCE_ROUTES, *ARTIST_AUDIENCE_ROUTES))
        assert answered > 0
        assert _scalar(url, "SELECT count(*) FROM audience_fetches WHERE status = 'ok'") == answered
        assert _scalar(url, "SELECT count(*) FROM tracks") == 50
        _assert_rows_match_bookkeeping(url)
        missing = _what_is_missing(url)
        assert missing["song_pairs"] + missing["artist_pairs"] > 0

        emulator.configure(quota=None)  # the monthly quota is back
        emulator.reset_stats()
        rerun = materialize(instance)
    assert rerun.success, step_failures(rerun)
    _assert_rerun_fetched_only(emulator, missing)
    assert snapshot(url) == clean_reference[CHART]


def test_sigkill_mid_asset_leaves_a_consistent_warehouse_and_the_rerun_fetches_only_the_rest(
    setup: Setup, clean_reference
) -> None:
    emulator, url = setup.emulator, setup.url
    env = dict(os.environ)
    added = run_cli(env, "charts", "add", CHART, timeout=60)
    assert added.returncode == 0, added.stderr
    emulator.configure(latency_ms=60)  # audience steps then take seconds: time to catch one half way
    run = subprocess.Popen(
        [CLI, "cascade", CHART, "--wait"],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # Killed once the artist audience has begun: the audience steps run beside the metadata steps, and
        # before ``artists`` has linked the credits this model of what is missing cannot count the artists.
        _wait_for_artist_audience(run, url)
        os.killpg(run.pid, signal.SIGKILL)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
        run.wait(timeout=30)

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
    engine.dispose()
    _assert_rows_match_bookkeeping(url)
    missing = _what_is_missing(url)
    assert missing["song_pairs"] + missing["artist_pairs"] > 0, "killed too late to prove anything"

    emulator.configure(latency_ms=0)
    _wait_until_idle(emulator)  # requests of the killed run still sleeping in the emulator would count
    emulator.reset_stats()
    rerun = run_cli(env, "cascade", CHART, "--wait", timeout=180)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    _assert_rerun_fetched_only(emulator, missing)
    assert snapshot(url) == clean_reference[CHART]
    # No daemon watched the killed run: the re-run ended it and gave its `soundcharts_api` slots back (while the
    # killed run held them, the re-run's API steps waited for slots nobody would free).
    with dg.DagsterInstance.from_config(str(setup.data_dir / "dagster_home")) as instance:
        statuses = sorted(record.dagster_run.status.value for record in instance.get_run_records())
    assert statuses == ["FAILURE", "SUCCESS"], statuses


def _scalar_or_zero(url: str, sql: str) -> int:
    """The table may not exist yet while the run migrates the warehouse."""
    try:
        return _scalar(url, sql)
    except sa.exc.OperationalError:
        return 0


def _leases_held_by(url: str, run_id: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            held = sa.text("SELECT count(*) FROM audience_claims WHERE claimed_by = :owner")
            return int(conn.execute(held, {"owner": run_id}).scalar_one())
    finally:
        engine.dispose()


def _wait_for_artist_audience(run: subprocess.Popen, url: str) -> None:
    """Until the run has stored 30 artist audience fetches, failing if it ends first."""

    def begun() -> bool:
        if _scalar_or_zero(url, "SELECT count(*) FROM audience_fetches WHERE entity = 'artist'") >= 30:
            return True
        assert run.poll() is None, "the run ended before it could be stopped"
        return False

    wait_for("30 artist audience rows", begun, 120, interval=0.05)


def _wait_until_idle(emulator) -> None:
    wait_for(
        "the emulator to end the killed run's requests", lambda: not emulator.stats()["in_flight"], 10, interval=0.02
    )


def test_ctrl_c_ends_cascade_wait_as_interrupted_and_the_rerun_fetches_only_the_rest(
    setup: Setup, clean_reference
) -> None:
    """Ctrl-C in the terminal (SIGINT to the command's process group) stops `cascade --wait`: the chart's answer
    says it was interrupted, the run ends failed, what was stored is consistent, and the same command finishes."""
    emulator, url = setup.emulator, setup.url
    env = dict(os.environ)
    added = run_cli(env, "charts", "add", CHART, timeout=60)
    assert added.returncode == 0, added.stderr
    emulator.configure(latency_ms=60)
    run = subprocess.Popen(
        [CLI, "cascade", CHART, "--wait"],
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_artist_audience(run, url)
        os.killpg(run.pid, signal.SIGINT)
        stdout, stderr = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait(timeout=30)
    assert run.returncode == 1, stdout + stderr
    answer = json.loads(stdout.strip().splitlines()[-1])
    assert answer["success"] is False and "interrupted before the end" in answer["message"], answer
    with dg.DagsterInstance.from_config(str(setup.data_dir / "dagster_home")) as instance:
        assert instance.get_run_by_id(answer["run_id"]).status == dg.DagsterRunStatus.FAILURE
    _assert_rows_match_bookkeeping(url)
    # the run is over: no lease of it is left for the re-run to wait out (a minute each)
    assert _leases_held_by(url, answer["run_id"]) == 0

    emulator.configure(latency_ms=0)
    _wait_until_idle(emulator)
    rerun = run_cli(env, "cascade", CHART, "--wait", timeout=180)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert snapshot(url) == clean_reference[CHART]

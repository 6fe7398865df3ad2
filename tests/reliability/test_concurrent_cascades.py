"""Two cascades at once on overlapping charts, each in its own process, on SQLite and on Postgres."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from faultkit import CHART, OTHER_CHART, point_at, snapshot

pytestmark = pytest.mark.slow  # Dagster runs or subprocesses: left out of `make test-fast`

RUNNER = str(Path(__file__).with_name("cascade_process.py"))
RATE_PER_MINUTE = 3000  # two unthrottled cascades ask for ~70-100 a second on two cores
RATE_PER_SECOND = RATE_PER_MINUTE / 60
#: What the shared bucket may hand out above the rate: its burst (one second's worth) and a local
#: reservoir of at most 5 tokens per process.
SLACK = RATE_PER_SECOND + 2 * 5
REFEREE_WINDOW_SECONDS = 2.0


def _union(*snapshots):
    out = {}
    for table in snapshots[0]:
        rows = {repr(sorted(r.items())): r for s in snapshots for r in s[table]}
        out[table] = [rows[k] for k in sorted(rows)]
    return out


AUDIENCE_ROUTE_PARTS = ("/audience/", "/broadcast-groups", "/listening")


@pytest.mark.postgres
def test_two_overlapping_cascades_at_once(
    monkeypatch, emulator, warehouse_url: str, tmp_path: Path, clean_reference
) -> None:
    expected = _union(clean_reference[CHART], clean_reference[OTHER_CHART])
    point_at(monkeypatch, emulator.url, warehouse_url, tmp_path / "data")
    # Both processes share one limit through the warehouse; the emulator referees it over 2 s windows.
    monkeypatch.setenv("SOUNDCHARTS_RATE_LIMIT_PER_MINUTE", str(RATE_PER_MINUTE))
    emulator.configure(
        rate_limit_per_minute=int(RATE_PER_SECOND * REFEREE_WINDOW_SECONDS + SLACK),
        rate_limit_window_seconds=REFEREE_WINDOW_SECONDS,
    )
    env = dict(os.environ)
    started = time.monotonic()
    runs = [
        subprocess.Popen(
            [sys.executable, RUNNER, slug], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for slug in (CHART, OTHER_CHART)
    ]
    outputs = [run.communicate(timeout=180) for run in runs]
    elapsed = time.monotonic() - started

    for run, (_out, err) in zip(runs, outputs):
        assert run.returncode == 0, err[-3000:]
        assert "database is locked" not in err and "deadlock" not in err.lower()
    # Every row once: nothing lost, nothing duplicated.
    assert snapshot(warehouse_url) == expected
    stats = emulator.stats()
    # Each series of either chart was fetched by exactly one of the two runs (leases in audience_claims):
    # the shared artists are not paid for twice.
    audience_calls = sum(
        n for route, n in stats["by_route"].items() if any(part in route for part in AUDIENCE_ROUTE_PARTS)
    )
    assert audience_calls == len(expected["audience_fetches"])
    # And each shared song and artist was in one run's metadata batches only (leases on metadata).
    for kind in ("song", "artist"):
        served = stats["metadata_served"][kind]
        assert served["total"] == served["distinct"], (kind, served)
    print(f"{stats['requests_total']} requests in {elapsed:.1f} s (limit {RATE_PER_SECOND:g}/s)")
    assert "429" not in stats["by_status"], stats["by_status"]  # never above the shared limit in any window
    assert elapsed >= (stats["requests_total"] - SLACK) / RATE_PER_SECOND  # and not above it on average


def _cascade_processes(slugs: list[str]) -> list[tuple[int, str]]:
    env = dict(os.environ)
    runs = [
        subprocess.Popen(
            [sys.executable, RUNNER, slug], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for slug in slugs
    ]
    errors = [run.communicate(timeout=240)[1] for run in runs]
    return [(run.returncode, err) for run, err in zip(runs, errors)]


def test_two_runs_of_the_same_chart_at_once_spend_what_one_spends(monkeypatch, emulator, tmp_path: Path) -> None:
    """The schedule plus a click, two --wait, a retry: leases belong to runs, so the second run waits for what
    the first leased instead of fetching it again."""
    point_at(monkeypatch, emulator.url, f"sqlite:///{tmp_path / 'race.sqlite'}", tmp_path / "race")
    monkeypatch.setenv("SOUNDCHARTS_RATE_LIMIT_PER_MINUTE", "1000000")
    emulator.configure(latency_ms=20)  # long enough that the two runs overlap for real
    emulator.reset_stats()
    outcomes = _cascade_processes([CHART, CHART])
    assert all(code == 0 for code, _ in outcomes), [err[-2000:] for _, err in outcomes]
    race = emulator.stats()

    point_at(monkeypatch, emulator.url, f"sqlite:///{tmp_path / 'alone.sqlite'}", tmp_path / "alone")
    emulator.reset_stats()
    [(code, err)] = _cascade_processes([CHART])
    assert code == 0, err[-2000:]
    alone = emulator.stats()

    for kind in ("song", "artist"):
        assert race["metadata_served"][kind]["total"] == race["metadata_served"][kind]["distinct"], kind
    assert all(s["total"] == s["distinct"] for s in race["series_served"].values()), race["series_served"]
    # Only the ranking is fetched by both (its pages are the edition each run stores).
    assert race["requests_total"] <= 1.02 * alone["requests_total"], (race["requests_total"], alone["requests_total"])

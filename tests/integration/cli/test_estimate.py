"""Estimates use what is known (issue 21, point 4): the chart's size, what is stored, the editions to come.

The warehouse reads on SQLite and PostgreSQL; a cold chart's estimate against what its run then sends over
the emulator's socket; `cascade --all --dry-run` as users type it (one table and a total, or JSON lines).
Their accuracy over a fleet, first fetches and refreshes, is measured by benchmarks/estimate_benchmark.py.
"""

from __future__ import annotations

import functools
import json
from datetime import timedelta

import pytest

from soundcharts_assets.cascade.cost import estimate_charts
from soundcharts_assets.settings import freshness_from_env
from soundcharts_assets.warehouse import Warehouse
from tests.integration.warehouse.builders import CHART, DAY1, DAY2, NOW, ranking
from tests.support.cli import run_cli

LEGACY_KEYS = {"chart", "estimated_calls", "total_calls", "seconds_at_rate_limit", "rate_limit_per_minute", "basis"}


def test_entrants_say_which_songs_came_in_and_which_were_new_to_the_warehouse(wh: Warehouse) -> None:
    other = CHART.__class__(slug="top-gb", name="Top UK", platform="spotify", frequency="daily")
    wh.write_ranking(ranking(DAY1, ["a", "b", "c"]), fetched_at=NOW - timedelta(days=1))
    wh.write_ranking(ranking(DAY1, ["x"], chart=other), fetched_at=NOW - timedelta(days=1))
    assert wh.entrants(CHART.slug) is not None and wh.entrants(CHART.slug).new_to_warehouse is None
    wh.write_ranking(ranking(DAY2, ["a", "x", "d", "b"]), fetched_at=NOW)  # x: held (top-gb), d: new
    found = wh.entrants(CHART.slug)
    assert found is not None
    assert (found.latest, found.period_days) == (DAY2.date(), 1)
    assert (found.songs, found.new_to_warehouse) == ({"x", "d"}, {"d"})
    assert wh.entrants("no-such-chart") is None


def test_a_new_edition_is_priced_with_its_new_songs(wh: Warehouse) -> None:
    """The day after the stored edition's next one came out, the estimate expects the songs it brings."""
    wh.write_ranking(ranking(DAY1, ["a", "b", "c"]), fetched_at=NOW - timedelta(days=1))
    wh.write_ranking(ranking(DAY2, ["a", "b", "d"]), fetched_at=NOW)  # d was new to the warehouse
    freshness = freshness_from_env({})
    same_day = estimate_charts(wh, [CHART.slug], freshness, NOW)[CHART.slug]
    next_day = estimate_charts(wh, [CHART.slug], freshness, NOW + timedelta(days=2))[CHART.slug]
    assert not same_day.first_fetch and not next_day.first_fetch
    assert same_day.billed["tracks"] == 1  # a, b, d never fetched: one batch
    assert next_day.billed["tracks"] == 1 and next_day.billed["track_audience"] > same_day.billed["track_audience"]


@pytest.mark.slow
def test_a_cold_chart_costs_what_it_is_estimated_to_send(shared_emulator, tmp_path) -> None:
    """A 50-entry chart, nothing stored: estimated from its size, then refreshed by the cascade's steps."""
    from soundcharts_assets import cascade
    from soundcharts_assets.clock import utc_now
    from soundcharts_assets.settings import api_settings_from_env
    from soundcharts_assets.soundcharts.client import SoundchartsClient

    slug, freshness = "shazam-top-50-fr", freshness_from_env({})
    settings = api_settings_from_env({"SOUNDCHARTS_BASE_URL": shared_emulator.url})
    with Warehouse(f"sqlite:///{tmp_path / 'wh.sqlite'}") as wh, SoundchartsClient(settings) as client:
        wh.migrate()
        [chart] = [c for c in client.list_song_charts("shazam") if c.slug == slug]  # what `charts add` learns
        wh.upsert_chart(chart, "daily")
        estimated = estimate_charts(wh, [slug], freshness, utc_now())[slug]
        before = client.calls_made
        cascade.refresh_rankings(client, wh, [slug])
        cascade.refresh_tracks(client, wh, [slug], freshness)
        cascade.link_artists(wh, [slug])
        cascade.refresh_artist_metadata(client, wh, [slug], freshness)
        cascade.refresh_track_audience(client, wh, [slug], freshness)
        cascade.refresh_artist_audience(client, wh, [slug], freshness)
        sent = client.calls_made - before
    assert chart.max_results == 50 and estimated.first_fetch
    assert abs(estimated.total_sent - sent) <= 0.15 * sent, (estimated.sent, sent)


@pytest.mark.slow
def test_dry_run_of_every_chart_is_one_table_and_a_total(cli_env, emulator) -> None:
    run = functools.partial(run_cli, cli_env)

    assert run("charts", "add", "shazam-top-50-fr", "global-28").returncode == 0
    requests = emulator.stats()["requests_total"]
    table = run("cascade", "--all", "--dry-run")
    assert table.returncode == 0, table.stderr
    header, *rows, total, legend = table.stdout.splitlines()
    assert header.split()[:2] == ["CHART", "ENTRIES"] and header.split()[-3:] == ["BILLED", "SENT", "NOTE"]
    assert [row.split()[0] for row in rows] == ["shazam-top-50-fr", "global-28"]
    assert total.startswith("total, 2 charts") and legend.startswith("calls billed: ")
    lines = [json.loads(line) for line in run("cascade", "--all", "--dry-run", "--json").stdout.splitlines()]
    *charts, summary = lines
    assert all(set(chart) >= LEGACY_KEYS and chart["first_fetch"] for chart in charts)
    assert summary["total_calls"] == sum(chart["total_calls"] for chart in charts)
    assert total.split()[-2:] == [f"{summary['total_calls']:,}", f"{summary['calls_sent']:,}"]
    [single] = [json.loads(line) for line in run("cascade", "global-28", "--dry-run", "--json").stdout.splitlines()]
    assert set(single) >= LEGACY_KEYS and single["total_calls"] == sum(single["estimated_calls"].values())
    assert emulator.stats()["requests_total"] == requests  # a dry run calls nothing

"""Operating a fleet from the command line: discover, add many (all or none), cascade many or --all."""

import json
import re

import pytest

from tests.support.cli import run_cli

pytestmark = pytest.mark.slow


def test_discover_lists_the_api_charts_as_a_table_and_says_what_it_cost(cli_env, emulator):
    emulator.reset_stats()
    result = run_cli(cli_env, "charts", "discover", "--platform", "spotify")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:4] == ["SLUG", "PLATFORM", "FREQ", "CC"]
    assert any(line.startswith("global-28 ") for line in lines)
    calls = emulator.stats()["requests_total"]
    assert calls == 1  # the Spotify charts fit one page
    assert lines[-1] == f"{len(lines) - 2} charts; this listing: 1 call sent (1 per 100 charts)"
    as_json = json.loads(run_cli(cli_env, "charts", "discover", "--country", "fr", "--json").stdout)
    assert as_json["charts"] and all(row["country"] == "FR" for row in as_json["charts"])


def test_add_many_is_all_or_nothing_and_names_the_unknown_slug(cli_env):
    refused = run_cli(cli_env, "charts", "add", "airplay-fr", "no-such-chart", "top-100-fr")
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        "error: unknown chart 'no-such-chart': Soundcharts has no song chart with this slug (check its spelling)"
    ]
    assert json.loads(run_cli(cli_env, "charts", "list", "--json").stdout) == []
    added = run_cli(cli_env, "charts", "add", "airplay-fr", "top-100-fr")
    assert added.returncode == 0, added.stderr
    assert [row["slug"] for row in json.loads(run_cli(cli_env, "charts", "list", "--json").stdout)] == [
        "airplay-fr",
        "top-100-fr",
    ]


def test_add_from_a_file_skips_blank_lines_and_refuses_a_hostile_one(cli_env, tmp_path):
    hostile = tmp_path / "hostile.txt"
    hostile.write_text("airplay-fr\n\n# a comment\nx;drop table charts\n")
    refused = run_cli(cli_env, "charts", "add", "--from-file", str(hostile))
    assert refused.returncode == 2  # bad usage: a malformed slug
    [line] = refused.stderr.strip().splitlines()
    assert line.startswith(f"error: {hostile}, line 4: invalid chart slug 'x;drop table charts'")
    assert json.loads(run_cli(cli_env, "charts", "list", "--json").stdout) == []
    good = tmp_path / "fleet.txt"
    good.write_text("airplay-fr\n\n   \n# the French market\ntop-100-fr\n")
    added = run_cli(cli_env, "charts", "add", "--from-file", str(good), "--schedule", "daily")
    assert added.returncode == 0, added.stderr
    rows = json.loads(run_cli(cli_env, "charts", "list", "--json").stdout)
    assert [(r["slug"], r["sync_schedule"]) for r in rows] == [("airplay-fr", "daily"), ("top-100-fr", "daily")]


def test_cascade_all_with_nothing_registered_says_what_to_do(cli_env):
    result = run_cli(cli_env, "cascade", "--all", "--dry-run")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: --all: no chart is registered; add some with `soundcharts-assets charts add SLUG`"
    ]
    unknown = run_cli(cli_env, "cascade", "airplay-fr", "no-such-chart", "--dry-run")
    assert unknown.returncode == 2  # bad usage: a chart not followed
    assert unknown.stderr.strip().splitlines() == [
        "error: chart 'airplay-fr' is not registered: run `soundcharts-assets charts add airplay-fr`"
    ]


def test_cascade_of_several_charts_is_one_run_with_a_json_line_each_and_a_summary(cli_env, emulator):
    paid_before = emulator.stats()["used_this_month"]  # from before `charts add`: its checks are in the ledger too
    assert run_cli(cli_env, "charts", "add", "shazam-top-50-fr", "deezer-top-50-de").returncode == 0
    emulator.reset_stats()
    result = run_cli(cli_env, "cascade", "--all", "--wait", timeout=400)
    assert result.returncode == 0, result.stdout + result.stderr
    *per_chart, summary = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [line["message"] for line in per_chart] == [
        "cascade for shazam-top-50-fr succeeded",
        "cascade for deezer-top-50-de succeeded",
    ]
    assert all(line["success"] and line["tracks_count"] == 50 for line in per_chart)
    assert len({line["run_id"] for line in per_chart}) == 1  # adjacent charts: one run
    assert summary == {"charts": 2, "succeeded": 2, "failed": 0, "run_ids": [per_chart[0]["run_id"]]}
    # Live progress, as plain lines on stderr when not on a terminal: step, state, entities done of total, calls
    # sent, quota left, elapsed; every step of the run ends "done".
    done = re.findall(r"^\d\d:\d\d:\d\d (\w+) +done +(.*)$", result.stderr, re.M)
    fetched = {step: re.match(r"([\d,]+)/([\d,]+) entities, [\d,]+ calls? sent", figures) for step, figures in done}
    assert {"chart_rankings", "tracks", "artist_metadata", "track_audience", "artist_audience"} <= {
        step for step, found in fetched.items() if found
    }
    assert all(found[1] == found[2] for found in fetched.values() if found), done
    assert {"artists", "chart_movers", "artist_growth", "track_momentum", "run"} <= set(fetched)

    # status: both charts, their run and its outcome, every asset fresh, the calls charged to each
    billed = emulator.stats()["used_this_month"] - paid_before  # 2xx answers: 404s are sent but not billed
    shown = run_cli(cli_env, "status", "--json")
    assert shown.returncode == 0, shown.stderr
    report = json.loads(shown.stdout)
    assert [row["slug"] for row in report["charts"]] == ["shazam-top-50-fr", "deezer-top-50-de"]
    for row in report["charts"]:
        assert row["last_run"]["run_id"] == per_chart[0]["run_id"] and row["last_run"]["status"] == "SUCCESS"
        assert all(row["fresh"].values()), row["fresh"]
        assert row["calls_billed_24h"] == row["calls_billed_30d"] > 0
    assert sum(row["calls_billed_24h"] for row in report["charts"]) == billed  # the ledger: every billed call
    assert report["account"]["quota_left"] is not None
    table = run_cli(cli_env, "status")
    assert table.returncode == 0 and table.stdout.splitlines()[0].startswith("CHART")

"""Every surface names what it counts, and they agree (issue 21, point 3).

One cascade through the real CLI (`cascade SLUG --wait` in a subprocess, SQLite, the emulator on a socket),
then: `status --json`, the run's materializations in the instance, the spend ledger and the demo's summary
report the same calls sent (every request: the emulator's ``requests_total``) and calls billed (the paid 2xx
answers: what the emulator's monthly usage gained), and the same quota left (the lowest seen).
"""

import json
from datetime import date

import dagster as dg
import pytest

from soundcharts_assets.cli.demo import demo_summary, run_calls
from soundcharts_assets.warehouse import Warehouse
from tests.support.cli import cli_environment, run_cli

pytestmark = pytest.mark.slow  # a Dagster run in a subprocess: left out of `make test-fast`

SLUG = "shazam-top-50-fr"
CASCADE = ("chart_rankings", "tracks", "artists", "artist_metadata", "track_audience", "artist_audience")


def test_status_metadata_ledger_and_demo_agree_with_the_emulator(emulator, tmp_path, monkeypatch):
    env = cli_environment(emulator.url, tmp_path)
    emulator.reset_stats()
    assert run_cli(env, "charts", "add", SLUG).returncode == 0
    check = emulator.stats()  # `charts add` checks the chart with one call, in the ledger under the chart too
    assert (check["requests_total"], check["used_this_month"]) == (1, 1)
    before = emulator.reset_stats()
    result = run_cli(env, "cascade", SLUG, "--wait", timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    run_id = json.loads(result.stdout.strip().splitlines()[-1])["run_id"]
    after = emulator.stats()
    calls = run_calls(before, after)
    sent, billed, quota_left = calls["calls_sent"], calls["calls_billed"], calls["quota_left"]
    assert sent > billed > 0  # the catalogue has by-platform 404s: sent, not billed
    assert billed == sum(
        int(n) for counts in after["by_route_status"].values() for code, n in counts.items() if code.startswith("2")
    )

    # status: the ledger's figures for the chart, and the account's quota left (a free call)
    shown = run_cli(env, "status", "--json")
    assert shown.returncode == 0, shown.stderr
    status = json.loads(shown.stdout)
    [row] = status["charts"]
    assert (row["calls_sent_24h"], row["calls_billed_24h"]) == (sent + 1, billed + 1)
    assert (row["calls_sent_30d"], row["calls_billed_30d"]) == (sent + 1, billed + 1)
    assert status["account"]["quota_left"] == quota_left == emulator.stats()["quota_remaining"]

    # the run's metadata: every call is charged to the chart by exactly one asset; quota left is the lowest seen
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        metadata = {}
        for asset in CASCADE:
            [record] = instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset), asset_partitions=[SLUG]), limit=1
            ).records
            assert record.run_id == run_id
            metadata[asset] = {k: v.value for k, v in record.asset_materialization.metadata.items()}
    assert sum(m["calls_sent"] for m in metadata.values()) == sent
    assert sum(m["calls_billed"] for m in metadata.values()) == billed
    assert min(m["quota_left"] for m in metadata.values() if "quota_left" in m) == quota_left

    # the spend ledger
    warehouse = Warehouse(f"sqlite:///{tmp_path / 'data' / 'warehouse.sqlite'}")
    try:
        spent = warehouse.calls_by_chart(date(2000, 1, 1))[SLUG]
        assert (spent.sent, spent.billed) == (sent + 1, billed + 1)
    finally:
        warehouse.dispose()

    # the demo's summary, built from the same counters around its run
    monkeypatch.setenv("SOUNDCHARTS_DATA_DIR", env["SOUNDCHARTS_DATA_DIR"])
    lines = demo_summary(SLUG, f"run {run_id}: succeeded", calls, 1.0)
    figures = dict(line.split(None, 1) for line in lines if line.startswith("  "))
    assert (figures["calls_sent"], figures["calls_billed"], figures["quota_left"]) == (
        str(sent),
        str(billed),
        str(quota_left),
    )
    assert figures["tracks"] == "50"

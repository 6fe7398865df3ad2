"""`soundcharts-assets budget` and the monthly cap of a manual cascade, as users type them."""

import json
from pathlib import Path

import pytest

from soundcharts_assets.warehouse import Warehouse
from tests.support.cli import run_cli

pytestmark = pytest.mark.slow  # subprocesses: left out of `make test-fast`


def test_budget_forecasts_beside_the_account_and_a_spent_month_refuses_a_cascade(cli_env, emulator):
    assert run_cli(cli_env, "charts", "add", "airplay-gb", "--schedule", "daily").returncode == 0
    report = run_cli(cli_env, "budget", "--json")
    assert report.returncode == 0, report.stderr
    forecast = json.loads(report.stdout)
    assert forecast["charts"] == 1 and forecast["schedules"] == {"daily": 1}
    assert forecast["calls_per_day"]["new_chart_editions"] == 24.0
    assert forecast["total_per_month"] == forecast["total_per_day"] * forecast["days_in_month"]
    assert forecast["account"]["monthly_quota"] == 1_000_000
    assert forecast["next_refresh_calls"] > 0  # nothing stored yet: the whole chart
    assert (
        run_cli(cli_env, "budget").stdout.splitlines()[0] == "1 followed chart (schedule: 1 daily); current stats: off"
    )

    too_small = run_cli({**cli_env, "SOUNDCHARTS_MONTHLY_BUDGET": "3"}, "cascade", "airplay-gb", "--wait")
    assert too_small.returncode == 1
    [line] = too_small.stderr.strip().splitlines()
    assert line.startswith("error: SOUNDCHARTS_MONTHLY_BUDGET=3 is smaller than one refresh of airplay-gb needs")
    assert line.endswith("or follow fewer charts")
    assert run_cli({**cli_env, "SOUNDCHARTS_MONTHLY_BUDGET": "3"}, "budget").returncode == 1
    requests_before = emulator.stats()["requests_total"]

    warehouse = Warehouse(f"sqlite:///{Path(cli_env['SOUNDCHARTS_DATA_DIR']) / 'warehouse.sqlite'}")
    try:
        assert warehouse.table_counts()["tracks"] == 0  # refused before storing anything
        from soundcharts_assets.clock import utc_now

        warehouse.record_spend("track_audience", {"airplay-gb": 9_990}, utc_now())
    finally:
        warehouse.dispose()
    spent = run_cli({**cli_env, "SOUNDCHARTS_MONTHLY_BUDGET": "10000"}, "cascade", "airplay-gb", "--wait")
    assert spent.returncode == 1
    [line] = spent.stderr.strip().splitlines()
    # 9,990 recorded here and the 1 call of `charts add`'s check, which the ledger holds too
    assert line.startswith("error: monthly budget reached: 9,991 of SOUNDCHARTS_MONTHLY_BUDGET=10,000 calls spent")
    assert emulator.stats()["requests_total"] == requests_before  # refused without a paid call

    bad = run_cli({**cli_env, "SOUNDCHARTS_REFRESH_MAX_HOURS": "insta=3"}, "budget")
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1
    assert "unknown source 'insta'" in bad.stderr

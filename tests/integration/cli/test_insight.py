"""The CLI's report and export on a seeded warehouse: the HTML opened in headless Chromium, files read back.

Chromium is Debian's (/usr/bin/chromium); Playwright never downloads a browser here.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import pytest

from soundcharts_assets.cli.export import TABLES
from soundcharts_assets.warehouse import Warehouse
from tests.integration.insight_seed import SLUG, seed
from tests.support.cli import run_cli

pytestmark = pytest.mark.slow  # Dagster runs or subprocesses: left out of `make test-fast`

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def cli_env(tmp_path, sqlite_url):
    seed(sqlite_url)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "SOUNDCHARTS_WAREHOUSE_URL": sqlite_url,
        "SOUNDCHARTS_DATA_DIR": str(tmp_path / "data"),
    }
    return env, sqlite_url


def cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return run_cli(env, *args, timeout=60)


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")
def test_report_renders_in_a_headless_browser(cli_env, tmp_path):
    from playwright.sync_api import sync_playwright

    env, _ = cli_env
    out = tmp_path / "report"
    done = cli(env, "report", SLUG, "-o", str(out))
    assert done.returncode == 0, done.stderr
    page_path = out / "report.html"
    assert done.stdout.strip() == f"wrote {page_path}"
    assert (out / "movers.png").stat().st_size > 0 and (out / "growth.png").stat().st_size > 0

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(page_path.as_uri())
            assert page.title() == "Insight Test Top 6 — chart insight"
            assert page.locator("h1").inner_text() == "Insight Test Top 6 — chart insight"
            movers = page.locator("table").first.inner_text()
            assert "Northern Lights" in movers and "climber" in movers and "exit" in movers
            loaded = "images => images.map(i => i.complete && i.naturalWidth)"
            widths = page.eval_on_selector_all("img", loaded)
            assert len(widths) == 2 and all(width > 0 for width in widths)
            assert "Xavi Lume" in page.locator("body").inner_text()
        finally:
            browser.close()


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_round_trips_with_pandas(cli_env, tmp_path, fmt):
    env, url = cli_env
    out = tmp_path / "export"
    done = cli(env, "export", SLUG, "--format", fmt, "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{SLUG}_{name}.{fmt}" for name in TABLES)

    wh = Warehouse(url)
    try:
        for name, load in TABLES.items():
            expected = load(wh, SLUG)
            path = out / f"{SLUG}_{name}.{fmt}"
            read = pd.read_csv(path) if fmt == "csv" else pd.read_parquet(path)
            assert list(read.columns) == list(expected.columns) and len(read) == len(expected), name
            if fmt == "parquet":
                pd.testing.assert_frame_equal(read, expected, check_dtype=False)
    finally:
        wh.dispose()
    ranking = pd.read_csv(out / f"{SLUG}_ranking.csv") if fmt == "csv" else None
    if ranking is not None:
        assert ranking["name"].tolist()[0] == "Northern Lights"
        assert ranking["position"].tolist() == [1, 2, 3, 4, 5, 6]
        assert ranking.loc[1, "artists"] == "Xavi Lume, Yara"


def test_unknown_and_unstored_charts_are_one_line_errors(cli_env):
    env, url = cli_env
    for args in (["report", "nope"], ["export", "nope", "--format", "csv"]):
        done = cli(env, *args)
        assert done.returncode == 2 and done.stdout == ""  # a chart never followed: bad usage
        assert done.stderr.strip().splitlines() == [
            "error: unknown chart 'nope': nothing stored; add it with `soundcharts-assets charts add nope`"
        ]
    wh = Warehouse(url)
    wh.register_chart("registered-only")
    wh.dispose()
    done = cli(env, "report", "registered-only")
    assert done.returncode == 1 and len(done.stderr.splitlines()) == 1
    assert "no stored ranking yet" in done.stderr

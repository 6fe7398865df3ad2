"""`dg` works on the project beside the `dagster` commands ([tool.dg] in pyproject.toml)."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import run_cli, warehouse_of
from tests.support.paths import REPO_ROOT

pytestmark = pytest.mark.slow
DG = str(Path(sys.executable).with_name("dg"))


def run_dg(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([DG, *args], env=env, capture_output=True, text=True, timeout=300, cwd=REPO_ROOT)


def test_dg_checks_lists_and_launches_a_chart_partition(cli_env):
    checked = run_dg(cli_env, "check", "defs")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "All definitions loaded successfully" in checked.stdout + checked.stderr
    listed = run_dg(cli_env, "list", "defs", "--json")
    assert listed.returncode == 0, listed.stderr
    assert '"chart_rankings"' in listed.stdout and '"artist_audience"' in listed.stdout

    assert run_cli(cli_env, "charts", "add", "shazam-top-50-fr").returncode == 0
    launched = run_dg(cli_env, "launch", "--assets", "chart_rankings", "--partition", "shazam-top-50-fr")
    assert launched.returncode == 0, launched.stdout[-2000:] + launched.stderr[-2000:]
    with warehouse_of(cli_env) as wh:
        assert len(wh.ranking_song_uuids("shazam-top-50-fr")) == 50

"""`budget` and `status` print whatever `/team/usage` answers: any shape, an error, no header (issue 21).

The field names of `/team/usage` are undocumented, so the emulator's knobs (`usage_body`, `usage_status`,
`usage_quota_header`) serve other shapes over a real socket and the real CLI runs in a subprocess: an unknown
figure is printed as "unknown", never a traceback.
"""

import json
import sys

import pytest

from tests.support.cli import cli_environment, run_cli
from tests.support.paths import REPO_ROOT

pytestmark = pytest.mark.slow  # subprocesses: left out of `make test-fast`

CLI = [sys.executable, "-m", "soundcharts_assets.cli"]
ROOT = REPO_ROOT
UNKNOWN = "quota left unknown; monthly quota unknown; calls billed this month: unknown"


@pytest.fixture
def cli_env(emulator, tmp_path):
    env = cli_environment(emulator.url, tmp_path)
    added = run_cli(env, "charts", "add", "shazam-top-50-fr")
    assert added.returncode == 0, added.stderr
    return env


def account_lines(env: dict) -> list[str]:
    """The `account:` line of `budget` and of `status`, once each command exited 0 without a traceback."""
    lines = []
    for command in ("budget", "status"):
        result = run_cli(env, command)
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-2000:]
        [line] = [line for line in result.stdout.splitlines() if line.startswith("account: ")]
        lines.append(line.removeprefix("account: "))
    return lines


@pytest.mark.parametrize(
    ("knobs", "expected"),
    [
        ({}, "quota left 999,999; monthly quota 1,000,000; calls billed in {month}: 1"),
        ({"usage_body": {}, "usage_quota_header": False}, UNKNOWN),
        ({"usage_body": {}}, "quota left 999,999; monthly quota unknown; calls billed this month: unknown"),
        ({"usage_body": ["a", "list"], "usage_quota_header": False}, UNKNOWN),
        (
            {"usage_body": {"quota": {"monthly": 5000, "remaining": 12}, "rateLimit": {"limit": 100}}},
            "quota left 12; monthly quota 5,000; calls billed this month: unknown",
        ),
        (
            {"usage_body": {"object": {"quotaRemaining": None, "usedThisMonth": "n/a"}}, "usage_quota_header": False},
            UNKNOWN,
        ),
    ],
)
def test_any_usage_shape_renders(cli_env, emulator, knobs, expected):
    emulator.configure(**knobs)
    month = emulator.stats()["usage_month"]
    assert account_lines(cli_env) == [expected.format(month=month)] * 2


@pytest.mark.parametrize(
    ("knobs", "reason"),
    [
        ({"usage_status": 500}, "Soundcharts kept failing on GET /api/v2/team/usage (500)"),
        ({"usage_status": 403, "usage_quota_header": False}, "GET /api/v2/team/usage"),
        ({"usage_body": "<html>maintenance</html>"}, "Soundcharts sent a body that is not JSON"),
    ],
)
def test_a_usage_error_is_unknown_with_its_reason(cli_env, emulator, knobs, reason):
    emulator.configure(**knobs)
    for line in account_lines(cli_env):
        assert line.startswith(f"{UNKNOWN} (/team/usage did not answer: "), line
        assert reason in line
    shown = json.loads(run_cli(cli_env, "status", "--json").stdout)["account"]
    assert shown["quota_left"] is None and reason in shown["unavailable"]
    forecast = json.loads(run_cli(cli_env, "budget", "--json").stdout)
    assert forecast["account"]["monthly_quota"] is None and forecast["total_per_day"] > 0

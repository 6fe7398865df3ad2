"""`make dev` as a person runs it: a clean start, a second shell that finds its emulator and instance, Ctrl-C.

`soundcharts-assets dev` runs from the project root in a session of its own (a terminal's foreground group), on
SQLite and its own emulator; a second process with no SOUNDCHARTS_BASE_URL or DAGSTER_HOME uses both through the
recorded setup; Ctrl-C (SIGINT to the whole group) stops everything with exit 0 and no error line.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import dagster as dg
import httpx
import pytest
from dagster_deployment import REPO_ROOT, VENV_BIN, free_port

from tests.support.waiting import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

STARTUP_TIMEOUT_SECONDS = 240
MISLEADING = ("SupersessionWarning", "Use 'dg dev' instead", "will not be used", "Aborted!", "Traceback", "Error 1")


def test_dev_starts_clean_is_found_by_a_second_shell_and_stops_on_ctrl_c(tmp_path: Path):
    shell = {k: v for k, v in os.environ.items() if not k.startswith(("SOUNDCHARTS_", "DAGSTER_"))}
    shell["SOUNDCHARTS_DATA_DIR"] = str(tmp_path / "data")  # the project's data/, away from the checkout's own
    port = free_port()
    log = tmp_path / "dev.log"
    with log.open("wb") as out:
        dev = subprocess.Popen(
            [str(VENV_BIN / "soundcharts-assets"), "dev", "--port", str(port)],
            cwd=REPO_ROOT,
            env=shell,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:

        def ui_up() -> bool:
            if dev.poll() is not None:
                raise RuntimeError(f"dev exited with {dev.returncode}:\n{log.read_text()}")
            try:
                return httpx.get(f"http://127.0.0.1:{port}/server_info", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for("the Dagster UI of `soundcharts-assets dev`", ui_up, STARTUP_TIMEOUT_SECONDS)
        record = json.loads((tmp_path / "data" / "local_setup.json").read_text())
        assert record["command"] == "make dev" and record["emulator_url"].startswith("http://127.0.0.1:")

        def second_shell(*args: str) -> subprocess.CompletedProcess:
            command = [sys.executable, "-m", "soundcharts_assets.cli", *args]
            return subprocess.run(command, env=shell, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)

        added = second_shell("charts", "add", "airplay-fr")
        assert added.returncode == 0, added.stderr
        served = httpx.get(f"{record['emulator_url']}/__emulator/stats", timeout=5).json()
        assert served["requests_total"] == 1  # the check of airplay-fr, sent to dev's emulator
        with dg.DagsterInstance.from_config(record["dagster_home"]) as instance:
            assert instance.get_dynamic_partitions("charts") == ["airplay-fr"]
    finally:
        if dev.poll() is None:
            os.killpg(dev.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the whole foreground group
        try:
            code = dev.wait(timeout=60)
        finally:
            try:
                os.killpg(dev.pid, signal.SIGKILL)  # whatever would be left behind
            except ProcessLookupError:
                pass
    output = log.read_text(errors="replace")
    assert code == 0, output[-3000:]
    assert not [word for word in MISLEADING if word in output], output[-3000:]
    banner = f"emulator: {record['emulator_url']}; Dagster UI: http://127.0.0.1:{port} (Ctrl-C stops both)"
    assert output.splitlines()[0] == banner

    stopped = second_shell("charts", "add", "global-28")
    assert stopped.returncode != 0 and stopped.stderr.splitlines() == [
        f"error: the emulator that `make dev` started ({record['emulator_url']}, recorded in "
        f"{tmp_path / 'data' / 'local_setup.json'}) is no longer running: start `make dev` again, or set "
        "SOUNDCHARTS_BASE_URL"
    ]

"""The development UI and the emulator listen on 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import re

from click.testing import CliRunner

from soundcharts_assets.cli import main
from soundcharts_assets.cli.demo import dev_command
from soundcharts_assets.emulator import EmulatorServer


def test_dev_ui_binds_to_loopback() -> None:
    command = dev_command(3000)
    assert command[command.index("-h") + 1] == "127.0.0.1"
    assert command[command.index("-p") + 1] == "3000"
    assert "0.0.0.0" not in command and "--host" not in command  # one host flag, the loopback one


def test_emulator_command_defaults_to_loopback() -> None:
    help_text = CliRunner().invoke(main, ["emulator", "--help"]).output
    host_option = re.search(r"--host TEXT(.*?)(?=\n  --)", help_text, re.S)
    assert host_option and "[default:" in host_option.group(1)
    assert "127.0.0.1" in " ".join(host_option.group(1).split())
    assert EmulatorServer().host == "127.0.0.1"

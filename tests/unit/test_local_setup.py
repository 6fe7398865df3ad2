"""What `make dev` and `make demo` record for other shells, and what explicit settings still win over it."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from dagster._core.secrets.env_file import get_env_var_dict

from soundcharts_assets.cli import demo
from soundcharts_assets.cli.dagster_dev import MISLEADING, DropLinkedConfigWarning, same_instance_config
from soundcharts_assets.local_setup import EmulatorStoppedError, read_local_setup, write_local_setup
from soundcharts_assets.settings import api_settings_from_env, dagster_home_from_env
from soundcharts_assets.soundcharts.config import DEFAULT_BASE_URL


def a_dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def test_a_record_is_read_back(tmp_path: Path) -> None:
    write_local_setup(tmp_path, "make dev", "http://127.0.0.1:4321", tmp_path / "home")
    setup = read_local_setup(tmp_path)
    assert setup is not None
    assert (setup.command, setup.emulator_url, setup.pid, setup.host) == (
        "make dev",
        "http://127.0.0.1:4321",
        os.getpid(),
        socket.gethostname(),
    )
    assert setup.emulator_running()


@pytest.mark.parametrize("content", ["", "{", "[]", '{"command": "make dev"}'])
def test_a_broken_record_is_ignored(tmp_path: Path, content: str) -> None:
    (tmp_path / "local_setup.json").write_text(content)
    assert read_local_setup(tmp_path) is None
    assert api_settings_from_env({"SOUNDCHARTS_DATA_DIR": str(tmp_path)}).base_url == DEFAULT_BASE_URL


def test_the_recorded_emulator_and_instance_are_used_when_nothing_explicit_is_set(tmp_path: Path) -> None:
    write_local_setup(tmp_path, "make dev", "http://127.0.0.1:4321/", tmp_path / "home")
    env = {"SOUNDCHARTS_DATA_DIR": str(tmp_path)}
    assert api_settings_from_env(env).base_url == "http://127.0.0.1:4321"
    assert dagster_home_from_env(env) == tmp_path / "home"
    # explicit settings win: a base URL, real credentials (the real API), DAGSTER_HOME
    assert api_settings_from_env({**env, "SOUNDCHARTS_BASE_URL": "http://h:1"}).base_url == "http://h:1"
    assert api_settings_from_env({**env, "SOUNDCHARTS_API_KEY": "k"}).base_url == DEFAULT_BASE_URL
    oauth = {"SOUNDCHARTS_CLIENT_ID": "c", "SOUNDCHARTS_CLIENT_SECRET": "s", "SOUNDCHARTS_TEAM_ID": "t"}
    assert api_settings_from_env({**env, **oauth}).base_url == DEFAULT_BASE_URL
    assert dagster_home_from_env({**env, "DAGSTER_HOME": str(tmp_path / "mine")}) == tmp_path / "mine"
    assert (
        dagster_home_from_env({"SOUNDCHARTS_DATA_DIR": str(tmp_path / "other")}) == tmp_path / "other" / "dagster_home"
    )


def test_a_recorded_emulator_that_stopped_is_one_line_naming_what_to_do(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "data"
    path = write_local_setup(data, "make dev", "http://127.0.0.1:4321", data / "dagster_home")
    path.write_text(path.read_text().replace(f'"pid": {os.getpid()}', f'"pid": {a_dead_pid()}'))
    with pytest.raises(EmulatorStoppedError) as stopped:
        api_settings_from_env({})
    assert str(stopped.value) == (
        "the emulator that `make dev` started (http://127.0.0.1:4321, recorded in data/local_setup.json) is no "
        "longer running: start `make dev` again, or set SOUNDCHARTS_BASE_URL"
    )
    write_local_setup(data, "make demo", "http://127.0.0.1:4321", data / "dagster_home")
    path.write_text(path.read_text().replace(f'"pid": {os.getpid()}', f'"pid": {a_dead_pid()}'))
    with pytest.raises(EmulatorStoppedError) as demo_stopped:
        api_settings_from_env({})
    assert str(demo_stopped.value) == (
        "the emulator of `make demo` (http://127.0.0.1:4321, recorded in data/local_setup.json) stopped with it: "
        "`make dev` starts one that stays up, or set SOUNDCHARTS_BASE_URL"
    )


def test_the_project_env_file_names_the_instance_for_dg_and_an_export_still_wins(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(demo, "project_root", lambda: tmp_path)
    monkeypatch.setenv("SOUNDCHARTS_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / ".env").write_text("SOUNDCHARTS_QUOTA_FLOOR=10\n")
    home = tmp_path / "data" / "dagster_home"

    assert demo.point_dg_at_instance(home) == tmp_path / ".env"
    assert demo.point_dg_at_instance(home) == tmp_path / ".env"  # written once, not appended again
    lines = (tmp_path / ".env").read_text().splitlines()
    assert lines == ["SOUNDCHARTS_QUOTA_FLOOR=10", demo.DG_ENV_COMMENT, f"DAGSTER_HOME=${{DAGSTER_HOME:-{home}}}"]
    # what `dg` and `dagster` commands read from the folder they run in
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert get_env_var_dict(str(tmp_path))["DAGSTER_HOME"] == str(home)
    monkeypatch.setenv("DAGSTER_HOME", "/srv/exported")
    assert get_env_var_dict(str(tmp_path))["DAGSTER_HOME"] == "/srv/exported"


def test_the_env_file_is_left_alone_for_another_data_directory_or_a_dagster_home_of_its_own(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(demo, "project_root", lambda: tmp_path)
    monkeypatch.setenv("SOUNDCHARTS_DATA_DIR", str(tmp_path / "elsewhere"))
    assert demo.point_dg_at_instance(tmp_path / "elsewhere" / "dagster_home") is None  # a test's, a user's own
    assert not (tmp_path / ".env").exists()
    monkeypatch.setenv("SOUNDCHARTS_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / ".env").write_text("export DAGSTER_HOME=/srv/dagster\n")
    assert demo.point_dg_at_instance(tmp_path / "data" / "dagster_home") is None
    assert (tmp_path / ".env").read_text() == "export DAGSTER_HOME=/srv/dagster\n"


def test_the_dagster_yaml_warning_is_dropped_only_when_it_is_wrong(tmp_path: Path, monkeypatch) -> None:
    project, home = tmp_path / "project", tmp_path / "home"
    project.mkdir()
    home.mkdir()
    (project / "dagster.yaml").write_text("telemetry: {enabled: false}\n")
    (home / "dagster.yaml").symlink_to(project / "dagster.yaml")
    assert same_instance_config(project, str(home))
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "dagster.yaml").write_text("telemetry: {enabled: false}\n")
    assert not same_instance_config(project, str(tmp_path / "other"))
    assert not same_instance_config(project, None)

    monkeypatch.chdir(project)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    warning = logging.LogRecord("dagster", logging.WARNING, "", 0, f"{MISLEADING} (dagster.yaml) ...", None, None)
    other = logging.LogRecord("dagster", logging.WARNING, "", 0, "something else", None, None)
    assert not DropLinkedConfigWarning().filter(warning) and DropLinkedConfigWarning().filter(other)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "other"))
    assert DropLinkedConfigWarning().filter(warning)

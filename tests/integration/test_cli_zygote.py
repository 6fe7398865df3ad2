"""The tests' CLI runner (tests/support/cli.py): a command forked from the zygote prints, exits and fails as
the same command in a fresh interpreter does, reads its own environment, and is killed on a timeout."""

from __future__ import annotations

import subprocess

import pytest

from tests.support import cli

pytestmark = pytest.mark.slow  # fresh interpreters beside the forked ones: left out of `make test-fast`


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch):
    """The forked runner, whatever the session chose."""
    monkeypatch.setenv("SOUNDCHARTS_TEST_CLI_FORK", "1")
    return cli.run_cli


def both(env: dict, *args: str, monkeypatch: pytest.MonkeyPatch) -> tuple[subprocess.CompletedProcess, ...]:
    results = []
    for fork in ("1", "0"):
        monkeypatch.setenv("SOUNDCHARTS_TEST_CLI_FORK", fork)
        results.append(cli.run_cli(env, *args))
    return tuple(results)


@pytest.mark.parametrize(
    "args",
    [
        ("--version",),
        ("charts", "add", "Top 200!"),  # a usage error: exit 2, click's message naming the program
        ("cascade", "global-28"),  # not followed: one line on stderr, exit 1
        ("charts", "list", "--json"),
    ],
)
def test_a_forked_command_answers_as_a_fresh_interpreter_does(shared_emulator, tmp_path, monkeypatch, args):
    forked, fresh = both(cli.cli_environment(shared_emulator.url, tmp_path), *args, monkeypatch=monkeypatch)
    assert (forked.returncode, forked.stdout, forked.stderr) == (fresh.returncode, fresh.stdout, fresh.stderr)


def test_each_forked_command_reads_its_own_environment(runner, shared_emulator, tmp_path):
    """Nothing of ours is imported before the fork (the zygote refuses to start otherwise), so each command
    reads its own settings: one with a wrong key is refused in one line, the next without it is served."""
    env = cli.cli_environment(shared_emulator.url, tmp_path)
    refused = runner({**env, "SOUNDCHARTS_API_KEY": "not-the-key"}, "charts", "add", "global-28")
    assert refused.returncode == 1 and "(401)" in refused.stderr and "Traceback" not in refused.stderr
    added = runner(env, "charts", "add", "global-28")
    assert added.returncode == 0 and added.stdout.startswith("registered global-28"), added.stderr


def test_a_command_past_its_timeout_is_killed(runner, tmp_path):
    """An API that accepts and never answers: the command outlives its timeout and is killed, as
    ``subprocess.run`` would, and the zygote still serves the next command."""
    import socket

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        env = cli.cli_environment(f"http://127.0.0.1:{silent.getsockname()[1]}", tmp_path)
        with pytest.raises(subprocess.TimeoutExpired):
            runner(env, "charts", "add", "global-28", timeout=3)
    assert runner(cli.cli_environment("http://127.0.0.1:9", tmp_path), "--version").returncode == 0

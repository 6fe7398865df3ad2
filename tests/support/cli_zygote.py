"""A process that has imported Dagster once and forks a child per CLI command: the tests' CLI without the
second of start-up each command would spend importing the same libraries again (issue 24, item 7).

Each child is a process of its own, as with ``python -m soundcharts_assets.cli``: its own environment, working
directory, stdin (``/dev/null``), stdout and stderr (files the caller reads), exit code or signal, and its
``atexit`` handlers run. Only the third-party libraries below are imported before the fork, never a module of
``soundcharts_assets``: some of ours read the environment when imported, and each child must read its own.

Protocol, one JSON line each way on stdin/stdout: the caller writes ``{"argv", "env", "cwd", "stdout",
"stderr"}``; the zygote answers ``{"pid"}`` once the child runs (so the caller can kill it on a timeout), then
``{"status"}``, the child's ``os.waitpid`` status. ``tests/support/cli.py`` is the caller.
"""

from __future__ import annotations

import atexit
import json
import os
import runpy
import sys

PRELOADED = (
    "click",
    "httpx",
    "sqlalchemy",
    "alembic",
    "dagster",
    "dagster._core.instance",
    "dagster._core.storage.sqlite_storage",
)
"""What every command imports anyway, slowest first: ~1 s of the ~1.3 s a fresh ``python -m`` spends."""


def _child(request: dict) -> None:
    """Become the command: the caller's environment, folder, files and arguments, then the CLI's ``main``."""
    code: int | str | None = 0
    try:
        os.setpgid(0, 0)  # a group of its own: a timeout kills the command and whatever it started
        stdin = os.open(os.devnull, os.O_RDONLY)
        stdout = os.open(request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        stderr = os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        for fd, target in ((stdin, 0), (stdout, 1), (stderr, 2)):
            os.dup2(fd, target)
            os.close(fd)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        sys.path[0] = os.getcwd()  # as `python -m` sets it (here it was this script's folder)
        sys.argv = ["soundcharts_assets.cli", *request["argv"]]
        runpy.run_module("soundcharts_assets.cli", run_name="__main__", alter_sys=True)
    except SystemExit as exit_:
        code = exit_.code
    except BaseException:  # an uncaught exception prints its traceback and exits 1, as in a fresh interpreter
        sys.excepthook(*sys.exc_info())
        code = 1
    try:
        atexit._run_exitfuncs()
        if code is not None and not isinstance(code, int):
            print(code, file=sys.stderr)
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code or 0)


def serve() -> None:
    for name in PRELOADED:
        __import__(name)
    ours = sorted(name for name in sys.modules if name.split(".")[0] == "soundcharts_assets")
    if ours:
        raise SystemExit(f"the zygote must not import soundcharts_assets before the fork: {ours[:3]}")
    requests, answers = sys.stdin, sys.stdout
    answers.write(json.dumps({"ready": True}) + "\n")
    answers.flush()
    for line in requests:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request)
        answers.write(json.dumps({"pid": pid}) + "\n")
        answers.flush()
        _, status = os.waitpid(pid, 0)
        answers.write(json.dumps({"status": status}) + "\n")
        answers.flush()


if __name__ == "__main__":
    serve()

"""What `make dev` and `make demo` started, recorded in the data directory for every other shell to find.

`soundcharts-assets dev` and `demo` start an emulator on a free port and use the instance of the data directory.
A second shell (``soundcharts-assets status``, ``cascade --wait``, ``dg launch``, a step of a run) has none of
their variables, so they write ``<data dir>/local_setup.json``: the emulator's URL, the process that serves it,
and the Dagster instance. ``settings.py`` reads it when nothing more explicit is set (``SOUNDCHARTS_BASE_URL``,
real credentials, ``DAGSTER_HOME`` win). It holds no secret: the emulator takes the public sandbox pair.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import asdict, dataclass
from pathlib import Path

from soundcharts_assets.soundcharts.errors import SoundchartsError

RECORD_NAME = "local_setup.json"


class EmulatorStoppedError(SoundchartsError):
    """The recorded emulator's process has ended: no request is sent (it would only be refused, and retried)."""


@dataclass(frozen=True)
class LocalSetup:
    """One `dev` or `demo` process: its command, its emulator (None against the real API), its instance."""

    command: str
    """What the user ran, for messages: ``make dev`` or ``make demo``."""
    emulator_url: str | None
    pid: int
    host: str
    dagster_home: str

    def emulator_running(self) -> bool:
        """Whether the process serving the emulator still runs (unknown on another host: assumed so)."""
        if self.host != socket.gethostname():
            return True
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True  # someone else's process: alive
        return True

    def stopped_error(self, path: Path) -> EmulatorStoppedError:
        shown = _shown(path)
        if self.command == "make demo":
            return EmulatorStoppedError(
                f"the emulator of `make demo` ({self.emulator_url}, recorded in {shown}) stopped with it: "
                "`make dev` starts one that stays up, or set SOUNDCHARTS_BASE_URL"
            )
        return EmulatorStoppedError(
            f"the emulator that `{self.command}` started ({self.emulator_url}, recorded in {shown}) is no longer "
            f"running: start `{self.command}` again, or set SOUNDCHARTS_BASE_URL"
        )


def _shown(path: Path) -> str:
    """``data/local_setup.json`` from the project root, the full path elsewhere."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def record_path(data_dir: Path) -> Path:
    return data_dir / RECORD_NAME


def write_local_setup(data_dir: Path, command: str, emulator_url: str | None, dagster_home: Path) -> Path:
    """Record this process's emulator and instance (replacing an older record); returns the file."""
    setup = LocalSetup(command, emulator_url, os.getpid(), socket.gethostname(), str(dagster_home))
    data_dir.mkdir(parents=True, exist_ok=True)
    path = record_path(data_dir)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(asdict(setup), indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)  # a reader never sees half a file
    return path


def read_local_setup(data_dir: Path) -> LocalSetup | None:
    """The recorded setup, or None when there is none (or it is not ours to read: then it is ignored)."""
    try:
        raw = json.loads(record_path(data_dir).read_text(encoding="utf-8"))
        return LocalSetup(
            command=str(raw["command"]),
            emulator_url=str(raw["emulator_url"]) if raw.get("emulator_url") else None,
            pid=int(raw["pid"]),
            host=str(raw["host"]),
            dagster_home=str(raw["dagster_home"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None

"""The Dagster process of `soundcharts-assets dev`: ``dg dev``, minus one warning that is wrong here.

``dagster dev`` is superseded by ``dg dev`` (it says so on every start); ``dg dev -w workspace.yaml`` starts the
same webserver and daemon. Both warn "Found a dagster instance configuration value (dagster.yaml) in the current
folder ... will not be used" whenever the folder they start in holds a dagster.yaml and DAGSTER_HOME is another
folder. Here the instance's dagster.yaml is a link to the project's (``cli/launch.py``), so it *is* used: that
one message is dropped when both names lead to the same file, and kept otherwise.

Run as ``python -m soundcharts_assets.cli.dagster_dev [dg dev options]``.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

MISLEADING = "Found a dagster instance configuration value"


def same_instance_config(cwd: Path, dagster_home: str | None) -> bool:
    """Whether the dagster.yaml of ``cwd`` is the very file DAGSTER_HOME's instance reads."""
    if not dagster_home:
        return False
    here, there = cwd / "dagster.yaml", Path(dagster_home) / "dagster.yaml"
    try:
        return here.exists() and there.exists() and here.samefile(there)
    except OSError:
        return False


class DropLinkedConfigWarning(logging.Filter):
    """Drops the dagster.yaml warning when the file it names is the instance's own config."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.getMessage().startswith(MISLEADING):
            return True
        return not same_instance_config(Path.cwd(), os.environ.get("DAGSTER_HOME"))


def main() -> None:
    # A filter on the logger itself survives dagster's logging set-up, which replaces handlers, not filters.
    logging.getLogger("dagster").addFilter(DropLinkedConfigWarning())
    from dagster_dg_cli.cli import cli

    cli.main(args=["dev", *sys.argv[1:]], prog_name="dg", auto_envvar_prefix="DAGSTER_DG")


if __name__ == "__main__":
    main()

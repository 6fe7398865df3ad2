"""The client library's import boundaries, checked in fresh interpreters (``sys.modules`` is per process).

The warehouse and notebooks import the models without the HTTP stack; the client imports nothing of the
application (Dagster, the warehouse, the environment-reading settings); the shared rate limiter's database
backend never loads httpx.
"""

from __future__ import annotations

import json
import subprocess
import sys


def loaded_after(statement: str) -> set[str]:
    """Top-level packages and ``soundcharts_assets`` modules loaded by ``statement`` in a new interpreter."""
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_typed_models_errors_and_config_do_not_import_httpx() -> None:
    loaded = loaded_after(
        "import soundcharts_assets.soundcharts.models, soundcharts_assets.soundcharts.errors, "
        "soundcharts_assets.soundcharts.config, soundcharts_assets.soundcharts.parsing, "
        "soundcharts_assets.soundcharts.pagination\n"
        "from soundcharts_assets.soundcharts import Song, NotFoundError, ApiSettings"
    )
    assert "httpx" not in loaded and "soundcharts_assets.soundcharts.client" not in loaded


def test_the_client_is_still_importable_from_the_package() -> None:
    loaded = loaded_after("from soundcharts_assets.soundcharts import SoundchartsClient")
    assert "httpx" in loaded and "soundcharts_assets.soundcharts.client" in loaded


def test_the_client_imports_nothing_of_the_application() -> None:
    loaded = loaded_after("import soundcharts_assets.soundcharts.client")
    app = {
        "dagster",
        "sqlalchemy",
        "soundcharts_assets.settings",
        "soundcharts_assets.warehouse",
        "soundcharts_assets.emulator",
        "soundcharts_assets.ratelimit.database",
    }
    assert app & loaded == set()


def test_the_database_rate_limiter_does_not_import_httpx() -> None:
    loaded = loaded_after("import soundcharts_assets.ratelimit.database")
    assert "httpx" not in loaded and "sqlalchemy" in loaded

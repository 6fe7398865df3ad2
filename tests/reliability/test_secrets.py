"""Secrets: after whole cascades with an API key and with OAuth (and a run refused for a wrong key), neither the
key, nor the client secret, nor an issued access token appears in the event log, compute logs, run config,
asset metadata, console and Python logs, or anywhere in the warehouse."""

from __future__ import annotations

import logging
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa
from faultkit import Setup, materializations, materialize, snapshot, step_failures

pytestmark = pytest.mark.slow  # Dagster runs or subprocesses: left out of `make test-fast`

API_KEY = "sk-live-SECRET-1234"
WRONG_KEY = "sk-live-WRONG-9999"
CLIENT_SECRET = "oauth-SECRET-5678"


def _files_under(root: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in root.rglob("*") if path.is_file()}


def _warehouse_text(url: str) -> str:
    """Every value of every table, including the ones outside DATA_TABLES (rate limit bucket, alembic)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            tables = sa.inspect(conn).get_table_names()
            return repr({t: conn.execute(sa.text(f'SELECT * FROM "{t}"')).all() for t in tables})
    finally:
        engine.dispose()


@pytest.mark.parametrize("auth", ["api_key", "oauth"])
def test_secrets_appear_nowhere(setup: Setup, monkeypatch, caplog, capfd, auth: str) -> None:
    emulator = setup.emulator
    if auth == "api_key":
        emulator.configure(api_keys={"acme-app": API_KEY, "acme-wrong": "not-this"})
        monkeypatch.setenv("SOUNDCHARTS_APP_ID", "acme-app")
        monkeypatch.setenv("SOUNDCHARTS_API_KEY", API_KEY)
    else:
        emulator.configure(api_keys={}, oauth_clients={"acme-client": (CLIENT_SECRET, "acme-team")})
        monkeypatch.setenv("SOUNDCHARTS_CLIENT_ID", "acme-client")
        monkeypatch.setenv("SOUNDCHARTS_CLIENT_SECRET", CLIENT_SECRET)
        monkeypatch.setenv("SOUNDCHARTS_TEAM_ID", "acme-team")
        monkeypatch.setenv("SOUNDCHARTS_AUTH_URL", f"{emulator.url}/oauth/token")
    caplog.set_level(logging.DEBUG)  # the client's debug lines too (every request it sends)

    with dg.instance_for_test() as instance:
        result = materialize(instance)
        assert result.success, step_failures(result)
        # A refused run too: error paths are where secrets usually slip into messages.
        with monkeypatch.context() as m:
            m.setenv("SOUNDCHARTS_APP_ID", "acme-wrong")
            m.setenv("SOUNDCHARTS_API_KEY", WRONG_KEY)
            for name in ("SOUNDCHARTS_CLIENT_ID", "SOUNDCHARTS_CLIENT_SECRET", "SOUNDCHARTS_TEAM_ID"):
                m.delenv(name, raising=False)
            refused = materialize(instance)
        assert not refused.success and "(401)" in step_failures(refused)[0]

        tokens = list(emulator.state._tokens)  # the access tokens the emulator issued (OAuth only)
        assert bool(tokens) == (auth == "oauth")
        secrets = [API_KEY, WRONG_KEY, CLIENT_SECRET, *tokens]

        places: dict[str, str] = {}
        for run_result in (result, refused):
            run = instance.get_run_by_id(run_result.run_id)
            places[f"run config {run.run_id}"] = repr(run.run_config) + repr(run.tags)
            places[f"event log {run.run_id}"] = "\n".join(repr(e) for e in instance.all_logs(run.run_id))
            places[f"metadata {run.run_id}"] = repr(materializations(run_result))
        # The instance directory holds the run and event storage, the schedules and the compute logs.
        root = Path(instance.root_directory)
        compute_logs = [p for p in root.rglob("compute_logs/*.err") if p.stat().st_size > 0]
        for path, data in _files_under(root).items():
            places[str(path)] = data.decode("utf-8", "replace")
    places["warehouse"] = _warehouse_text(setup.url) + repr(snapshot(setup.url))
    places["warehouse file"] = Path(setup.url.removeprefix("sqlite:///")).read_bytes().decode("utf-8", "replace")
    places["python logs"] = "\n".join(r.getMessage() + repr(r.args) for r in caplog.records)
    captured = capfd.readouterr()
    places["console"] = captured.out + captured.err

    assert len(places["event log " + result.run_id]) > 10_000 and caplog.records  # we searched real text
    assert compute_logs, "the instance captured compute logs, and they were searched"
    leaks = [(secret, where) for secret in secrets for where, text in places.items() if secret in text]
    assert leaks == []

"""The alerts asset in real Dagster runs, and the `watch` / `alerts` commands as users type them.

The cascade is materialized first (its own run); the alerts asset then runs on its own, as eager automation
starts it: bad channels are one line each in its metadata and never fail it, a bad setting fails only the
alerts run, and nothing secret reaches the event log.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import dagster as dg
import pytest

from soundcharts_assets.definitions import CASCADE_ASSETS
from soundcharts_assets.defs.alerts.assets import alerts
from soundcharts_assets.defs.charts.jobs import chart_cascade_job
from soundcharts_assets.defs.partitions import CHARTS_PARTITIONS_NAME
from soundcharts_assets.defs.resources import CascadePolicyResource, SoundchartsResource, WarehouseResource
from soundcharts_assets.warehouse import Warehouse
from soundcharts_assets.warehouse.watchlists import Watch
from tests.integration.alert_receivers import SECRETS, SLACK_PATH, http_receiver, smtp_receiver
from tests.support.cli import run_cli

pytestmark = pytest.mark.slow

SLUG = "shazam-top-50-fr"
RESOURCES = {"soundcharts": SoundchartsResource(), "warehouse": WarehouseResource(), "policy": CascadePolicyResource()}


@pytest.fixture
def env(monkeypatch, shared_emulator, sqlite_url, tmp_path):
    for name, value in {
        "SOUNDCHARTS_BASE_URL": shared_emulator.url,
        "SOUNDCHARTS_WAREHOUSE_URL": sqlite_url,
        "SOUNDCHARTS_DATA_DIR": str(tmp_path / "data"),
        "SOUNDCHARTS_RATE_LIMIT_PER_MINUTE": "1000000",
    }.items():
        monkeypatch.setenv(name, value)
    with Warehouse(sqlite_url) as wh:
        wh.migrate()
        wh.register_chart(SLUG, "daily")
        wh.add_watch(Watch("charts", "chart", SLUG, None, wh.list_charts()[0].registered_at))
    return sqlite_url


def test_bad_channels_never_fail_the_alerts_run_nor_touch_the_cascade(env, monkeypatch):
    with http_receiver() as http, smtp_receiver() as smtp, dg.instance_for_test() as instance:
        monkeypatch.setenv("SOUNDCHARTS_ALERTS_SLACK_WEBHOOK_URL", http.url + SLACK_PATH)
        monkeypatch.setenv("SOUNDCHARTS_ALERTS_WEBHOOK_URL", "hooks.example.com/s3cr3t-webhook-token")
        monkeypatch.setenv("SOUNDCHARTS_ALERTS_SMTP_URL", smtp.url(password="s3cr3t-smtp-password-wrong"))
        monkeypatch.setenv("SOUNDCHARTS_ALERTS_EMAIL_TO", "label@example.com")
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, [SLUG])
        cascade = dg.materialize(CASCADE_ASSETS, partition_key=SLUG, instance=instance, resources=RESOURCES)
        assert cascade.success
        assert "alerts" not in {key.to_user_string() for key in chart_cascade_job.selection.resolve(cascade_graph())}

        run = dg.materialize([alerts], partition_key=SLUG, instance=instance, resources=RESOURCES)
        assert run.success
        (materialization,) = run.get_asset_materialization_events()
        metadata = materialization.materialization.metadata
        events = metadata["events"].value
        assert events > 0 and metadata["new_events"].value == events
        table = metadata["events_table"].value
        assert len(table.records) == min(events, 100)
        assert {record.data["slack"] for record in table.records} == {"sent"}
        assert {record.data["email"] for record in table.records} == {"failed"}
        delivery = metadata["delivery"].value
        assert "- email: " in delivery and "the SMTP server refused the login (535 " in delivery
        assert "- webhook: " in delivery and "SOUNDCHARTS_ALERTS_WEBHOOK_URL is not an http(s) URL" in delivery
        assert f"- slack: {events} event(s) delivered in 1 digest(s)" in delivery
        assert len(http.received(SLACK_PATH)) == 1

        again = dg.materialize([alerts], partition_key=SLUG, instance=instance, resources=RESOURCES)
        assert again.success and again.get_asset_materialization_events()[0].materialization.metadata["new_events"].value == 0  # fmt: skip
        assert len(http.received(SLACK_PATH)) == 1  # a repeated run sends nothing twice

        logs = " ".join(str(record) for r in (cascade, run, again) for record in instance.all_logs(r.run_id))
        assert not [secret for secret in SECRETS if secret in logs] and "s3cr3t" not in logs


def cascade_graph() -> dg.AssetGraph:
    from soundcharts_assets.definitions import defs

    with dg.instance_for_test():
        return defs.resolve_asset_graph()


def test_a_failing_alerts_step_is_one_line_and_leaves_the_cascade_stored(env, monkeypatch):
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, [SLUG])
        assert dg.materialize(CASCADE_ASSETS, partition_key=SLUG, instance=instance, resources=RESOURCES).success
        monkeypatch.setenv("SOUNDCHARTS_ALERTS_SPIKE_K", "0")
        failed = dg.materialize([alerts], partition_key=SLUG, instance=instance, resources=RESOURCES, raise_on_error=False)  # fmt: skip
        assert not failed.success
        (failure,) = [e for e in failed.all_events if e.is_step_failure]
        assert failure.step_failure_data.error.message.strip() == (
            "dagster._core.definitions.events.Failure: SOUNDCHARTS_ALERTS_SPIKE_K=0 must be above 0.0; set it to e.g. 6.0"
        )
        with Warehouse(env) as wh:
            assert len(wh.ranking_song_uuids(SLUG)) == 50  # the cascade's run and data stand
        monkeypatch.delenv("SOUNDCHARTS_ALERTS_SPIKE_K")
        fixed = dg.materialize([alerts], partition_key=SLUG, instance=instance, resources=RESOURCES)
        assert fixed.get_asset_materialization_events()[0].materialization.metadata["new_events"].value > 0


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_cli(dict(os.environ), *args, timeout=120, cwd=cwd)


def test_watch_and_alerts_commands_as_typed(env, tmp_path):
    bad = {
        ("watch", "add", "song", "x"): "error: invalid watch kind 'song': use one of artist, label, chart",
        ("watch", "add", "artist", "Billie Eilish"): "error: invalid artist 'Billie Eilish': use its Soundcharts "
        "slug (e.g. billie-eilish) or uuid",
        ("watch", "add", "chart", "top-200-zz"): "error: chart 'top-200-zz' is not followed: run `soundcharts-assets "
        "charts add top-200-zz` first (watching costs no API call; following a chart does)",
        ("alerts", "--since", "yesterday"): "error: --since 'yesterday' is not a date: use YYYY-MM-DD",
    }
    for args, line in bad.items():
        result = cli(*args, cwd=tmp_path)
        assert (result.returncode, result.stdout, result.stderr) == (2, "", line + "\n"), args

    added = cli("watch", "add", "artist", "billie-eilish", "11e81bcc-9c1c-ce38-b96b-a0369fe50396", cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert added.stdout.splitlines() == [
        "watching artist billie-eilish in watchlist default (not stored yet: watched from the day it appears)",
        "watching artist 11e81bcc-9c1c-ce38-b96b-a0369fe50396 in watchlist default (not stored yet: watched from "
        "the day it appears)",
    ]
    listed = cli("watch", "list", cwd=tmp_path).stdout.splitlines()
    assert [line.split()[:3] for line in listed] == [
        ["charts", "chart", SLUG],
        ["default", "artist", "11e81bcc-9c1c-ce38-b96b-a0369fe50396"],
        ["default", "artist", "billie-eilish"],
    ]
    assert cli("watch", "remove", "artist", "billie-eilish", cwd=tmp_path).stdout == (
        "stopped watching artist billie-eilish in watchlist default\n"
    )
    empty = cli("alerts", "--watchlist", "charts", cwd=tmp_path)
    assert empty.returncode == 0 and empty.stdout.startswith("no alert since ")

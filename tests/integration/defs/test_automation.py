"""The new-editions sensor and the sync schedules, evaluated with Dagster's test contexts against the emulator."""

from datetime import datetime, timezone

import dagster as dg
import pytest
from dagster._core.test_utils import create_run_for_test

from soundcharts_assets.defs.charts.registry import chart_registry_sensor
from soundcharts_assets.defs.charts.schedules import daily_charts_schedule, weekly_charts_schedule
from soundcharts_assets.defs.charts.sensors import new_chart_editions_sensor
from soundcharts_assets.defs.partitions import CHARTS_PARTITIONS_NAME
from soundcharts_assets.defs.resources import SoundchartsResource, WarehouseResource
from soundcharts_assets.warehouse import Warehouse

DATES_ROUTE = "/api/v2/chart/song/{slug}/available-rankings"


@pytest.fixture
def env(monkeypatch, emulator_for_test, sqlite_url):
    """The settings: a SQLite warehouse, and the test's own ``emulator`` when it asks for one (to count its calls
    or publish an edition), else the session's."""
    monkeypatch.setenv("SOUNDCHARTS_BASE_URL", emulator_for_test.url)
    monkeypatch.setenv("SOUNDCHARTS_WAREHOUSE_URL", sqlite_url)
    monkeypatch.setenv("SOUNDCHARTS_RATE_LIMIT_PER_MINUTE", "1000000")
    return emulator_for_test, sqlite_url


def evaluate_sensor(instance: dg.DagsterInstance, cursor: str | None = None) -> dg.SensorResult:
    with dg.build_sensor_context(  # closed after the tick: its resources hold the instance as "current"
        instance=instance,
        cursor=cursor,
        resources={"soundcharts": SoundchartsResource(), "warehouse": WarehouseResource()},
    ) as context:
        return new_chart_editions_sensor(context)


def follow(url: str, *slugs: str) -> None:
    """The registry rows `charts add` writes (the partitions are added by each test)."""
    with Warehouse(url) as wh:
        wh.migrate()
        for slug in slugs:
            wh.register_chart(slug)


def test_sensor_requests_each_new_edition_once_for_one_call_per_chart(env, emulator):
    _, url = env
    follow(url, "global-28", "airplay-fr")
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, ["global-28", "airplay-fr"])
        latest = {slug: emulator.catalogue.ranking_dates(slug)[0] for slug in ("global-28", "airplay-fr")}

        emulator.reset_stats()
        first = evaluate_sensor(instance)
        # Charts registered together are one range of partitions: one run refreshes both, each pinned to the
        # edition the sensor saw.
        [request] = first.run_requests
        assert request.tags["dagster/asset_partition_range_start"] == "global-28"
        assert request.tags["dagster/asset_partition_range_end"] == "airplay-fr"
        editions = request.run_config["ops"]["chart_rankings"]["config"]["editions"]
        assert {slug: datetime.fromisoformat(day).date() for slug, day in editions.items()} == {
            slug: day.date() for slug, day in latest.items()
        }
        assert request.run_key.startswith("global-28..airplay-fr(2):")
        assert emulator.stats()["by_route"] == {DATES_ROUTE: 2}

        second = evaluate_sensor(instance, first.cursor)
        assert second.run_requests == []

        published = emulator.publish_edition("global-28")
        third = evaluate_sensor(instance, second.cursor)
        assert [(r.partition_key, r.run_key) for r in third.run_requests] == [
            ("global-28", f"global-28:{published.date().isoformat()}")
        ]


def test_sensor_skips_editions_already_stored_and_unknown_charts(env, emulator):
    _, url = env
    follow(url, "no-such-chart")  # followed once, unknown to the API since
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, ["airplay-fr", "no-such-chart", "top-200-xx"])
        wh = Warehouse(url)
        wh.migrate()
        from soundcharts_assets.settings import api_settings_from_env
        from soundcharts_assets.soundcharts import SoundchartsClient

        with SoundchartsClient(api_settings_from_env()) as client:
            wh.write_ranking(client.get_chart_ranking("airplay-fr"))
        wh.dispose()
        emulator.reset_stats()
        result = evaluate_sensor(instance)
        assert result.run_requests == []  # airplay-fr's latest is stored; no-such-chart answers 404
        # top-200-xx was added in the UI and never checked: the chart_registry sensor's business, not polled
        assert emulator.stats()["by_route"] == {DATES_ROUTE: 2}


def test_sensor_skips_without_charts(env):
    with dg.instance_for_test() as instance:
        result = evaluate_sensor(instance)
        assert isinstance(result, dg.SkipReason)


def test_schedules_request_only_registered_charts_on_their_cadence(env):
    _, url = env
    wh = Warehouse(url)
    wh.migrate()
    for slug, cadence in [
        ("global-28", "daily"),
        ("airplay-us", "weekly"),
        ("top-200-us", "none"),
        ("top-200-gb", "daily"),
    ]:
        wh.register_chart(slug, cadence)
    wh.dispose()
    tick = datetime(2026, 11, 21, 7, tzinfo=timezone.utc)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, ["global-28", "airplay-us", "top-200-us"])
        with dg.build_schedule_context(
            instance=instance, scheduled_execution_time=tick, resources={"warehouse": WarehouseResource()}
        ) as context:
            daily = daily_charts_schedule(context)
            weekly = weekly_charts_schedule(context)
    assert [(r.partition_key, r.run_key) for r in daily] == [("global-28", "global-28:daily:2026-11-21")]
    assert [r.partition_key for r in weekly] == ["airplay-us"]


def test_a_schedule_refreshes_adjacent_charts_in_one_run_and_skips_with_a_reason(env):
    _, url = env
    wh = Warehouse(url)
    wh.migrate()
    for slug, cadence in [("global-28", "daily"), ("top-200-gb", "daily"), ("airplay-us", "weekly")]:
        wh.register_chart(slug, cadence)
    wh.dispose()
    tick = datetime(2026, 11, 21, 7, tzinfo=timezone.utc)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, ["global-28", "top-200-gb", "airplay-us"])
        with dg.build_schedule_context(
            instance=instance, scheduled_execution_time=tick, resources={"warehouse": WarehouseResource()}
        ) as context:
            [daily] = daily_charts_schedule(context)
            instance.delete_dynamic_partition(CHARTS_PARTITIONS_NAME, "airplay-us")
            weekly = weekly_charts_schedule(context)
    assert daily.tags["dagster/asset_partition_range_start"] == "global-28"
    assert daily.tags["dagster/asset_partition_range_end"] == "top-200-gb"
    assert daily.run_key == "global-28..top-200-gb(2):daily:2026-11-21"
    assert isinstance(weekly, dg.SkipReason)
    assert weekly.skip_message == "no registered chart has the 'weekly' sync schedule"


# -- chart_registry: partitions added in the UI ------------------------------------------------------------------

REGISTRY_CHECK_ROUTE = "/api/v2.14/chart/song/{slug}/ranking/latest"


def evaluate_registry(instance: dg.DagsterInstance, cursor: str | None = None) -> dg.SensorResult | dg.SkipReason:
    with dg.build_sensor_context(  # closed after the tick: its resources hold the instance as "current"
        instance=instance,
        cursor=cursor,
        resources={"soundcharts": SoundchartsResource(), "warehouse": WarehouseResource()},
    ) as context:
        return chart_registry_sensor(context)


def test_registry_sensor_checks_ui_partitions_once_each_and_removes_the_refused(env, emulator):
    _, url = env
    follow(url, "global-28")
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, ["global-28", "top-200-xx", "Top 200!", "airplay-fr"])
        emulator.reset_stats()

        result = evaluate_registry(instance)

        assert isinstance(result, dg.SensorResult) and result.skip_reason is not None
        assert result.skip_reason.skip_message == (
            "refused 'top-200-xx': unknown chart 'top-200-xx': Soundcharts has no song chart with this slug "
            "(check its spelling); its partition is removed (it was never followed); "
            "refused 'Top 200!': invalid chart slug 'Top 200!': use 1-128 lowercase letters, digits, '-', '_' or "
            "'.', starting with a letter or digit (e.g. global-28); its partition is removed (it was never "
            "followed); following 'airplay-fr'"
        )
        [delete] = result.dynamic_partitions_requests
        assert isinstance(delete, dg.DeleteDynamicPartitionsRequest)
        assert (delete.partitions_def_name, list(delete.partition_keys)) == (
            CHARTS_PARTITIONS_NAME,
            ["top-200-xx", "Top 200!"],
        )
        # one call per slug that reached the API (the invalid one did not); global-28 was followed already
        assert emulator.stats()["by_route"] == {REGISTRY_CHECK_ROUTE: 2}
        with Warehouse(url) as wh:
            chart = wh.get_chart("airplay-fr")
            assert chart is not None and (chart.platform, chart.sync_schedule) == ("airplay", "none")
            assert wh.get_chart("top-200-xx") is None
            assert wh.spend_by_chart(datetime(2000, 1, 1, tzinfo=timezone.utc)) == {"airplay-fr": 1}

        # The daemon applies the deletion; then nothing is left to check, and a tick spends nothing.
        for slug in delete.partition_keys:
            instance.delete_dynamic_partition(CHARTS_PARTITIONS_NAME, slug)
        emulator.reset_stats()
        quiet = evaluate_registry(instance, result.cursor)
        assert isinstance(quiet, dg.SkipReason)
        assert quiet.skip_message == "every chart partition is a followed chart: nothing to check (no call)"
        assert emulator.stats()["requests_total"] == 0


def test_registry_sensor_leaves_a_partition_to_the_run_that_fetches_it(env, emulator):
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, ["top-200-xx"])
        create_run_for_test(instance, tags={"dagster/partition": "top-200-xx"}, status=dg.DagsterRunStatus.STARTED)
        emulator.reset_stats()
        result = evaluate_registry(instance)
        assert isinstance(result, dg.SkipReason) and result.skip_message == "'top-200-xx' is checked by its run"
        assert emulator.stats()["requests_total"] == 0


def test_registry_sensor_waits_before_trying_again_when_the_api_refuses_the_credentials(env, monkeypatch, emulator):
    monkeypatch.setenv("SOUNDCHARTS_API_KEY", "wrong-key")
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, ["airplay-fr"])
        emulator.reset_stats()
        first = evaluate_registry(instance)
        assert isinstance(first, dg.SensorResult) and not first.dynamic_partitions_requests
        assert first.skip_reason is not None and "could not check 'airplay-fr'" in first.skip_reason.skip_message
        assert "(401)" in first.skip_reason.skip_message and "wrong-key" not in first.skip_reason.skip_message
        calls = emulator.stats()["requests_total"]
        again = evaluate_registry(instance, first.cursor)
        assert isinstance(again, dg.SkipReason) and "wait for the next try at" in again.skip_message
        assert emulator.stats()["requests_total"] == calls  # no call until the next try
        assert instance.has_dynamic_partition(CHARTS_PARTITIONS_NAME, "airplay-fr")  # not the slug's fault

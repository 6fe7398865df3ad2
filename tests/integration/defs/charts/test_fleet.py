"""A fleet of overlapping charts refreshed in ONE Dagster run: the same rows as chart-by-chart runs, each
shared entity fetched once, and every chart partition with its own materializations and check results."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

from soundcharts_assets.definitions import defs
from soundcharts_assets.defs.names import CASCADE_JOB_NAME, CHARTS_PARTITIONS_NAME
from soundcharts_assets.defs.partition_ranges import run_tags
from soundcharts_assets.warehouse.schema import DATA_TABLES

#: Three charts of one market and a neighbour: they share hits (200 entries, 138 songs), so entities overlap.
#: Five charts (400 entries) asserted nothing more and took twice as long.
FLEET = ["deezer-top-100-fr", "shazam-top-50-fr", "deezer-top-50-de"]
WRITE_TIME = {"fetched_at", "updated_at", "registered_at"}
CHECKS = {
    "chart_rankings": "positions_unique_and_contiguous",
    "tracks": "every_ranked_song_has_metadata",
    "artist_metadata": "every_linked_artist_has_metadata",
    "track_audience": "track_audience_coverage",
    "artist_audience": "artist_audience_coverage",
}


def _env(monkeypatch: pytest.MonkeyPatch, emulator, url: str, data_dir: Path) -> None:
    monkeypatch.setenv("SOUNDCHARTS_BASE_URL", emulator.url)
    monkeypatch.setenv("SOUNDCHARTS_WAREHOUSE_URL", url)
    monkeypatch.setenv("SOUNDCHARTS_DATA_DIR", str(data_dir))
    monkeypatch.setenv("SOUNDCHARTS_RATE_LIMIT_PER_MINUTE", "1000000")
    for name in ("SOUNDCHARTS_APP_ID", "SOUNDCHARTS_API_KEY", "SOUNDCHARTS_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)


def _run(instance: dg.DagsterInstance, charts: list[str]) -> dg.ExecuteInProcessResult:
    job = defs.resolve_job_def(CASCADE_JOB_NAME)
    return job.execute_in_process(instance=instance, tags=run_tags(charts), raise_on_error=False)


def _rows(url: str) -> dict[str, list[tuple]]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        out = {}
        for table in DATA_TABLES:
            columns = [c for c in table.columns if c.name not in WRITE_TIME]
            out[table.name] = sorted(tuple(map(repr, row)) for row in conn.execute(sa.select(*columns)))
    engine.dispose()
    return out


@pytest.mark.slow
def test_a_fleet_in_one_run_stores_what_chart_by_chart_runs_store(monkeypatch, emulator, tmp_path):
    fleet_url, single_url = f"sqlite:///{tmp_path / 'fleet.sqlite'}", f"sqlite:///{tmp_path / 'single.sqlite'}"

    _env(monkeypatch, emulator, fleet_url, tmp_path / "fleet")
    emulator.reset_stats()
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, FLEET)
        result = _run(instance, FLEET)
        assert result.success, [e.message for e in result.all_events if e.is_failure]
        assert len(instance.get_run_records()) == 1  # one run for the whole fleet
        _assert_every_partition_has_its_own_events(instance, result)
        calls_in_metadata = _calls_sent_in_metadata(instance)
        fleet_previews = _ranking_previews(instance)
    stats = emulator.stats()
    for kind in ("song", "artist"):  # a song or artist shared by several charts was fetched once
        served = stats["metadata_served"][kind]
        assert served["total"] == served["distinct"], (kind, served)
    series = stats["series_served"]
    assert all(s["total"] == s["distinct"] for s in series.values()), series  # each series once
    assert calls_in_metadata == stats["requests_total"]  # every call is charged to exactly one chart

    _env(monkeypatch, emulator, single_url, tmp_path / "single")
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, FLEET)
        for slug in FLEET:
            assert _run(instance, [slug]).success
        # the previews from one read of the fleet's editions show each chart's own edition, in its order (their
        # dtypes are test_loaders.py's: the emulator's ranking columns have no gaps to make them differ)
        assert fleet_previews == _ranking_previews(instance)
    assert _rows(fleet_url) == _rows(single_url)


def _assert_every_partition_has_its_own_events(instance: dg.DagsterInstance, result) -> None:
    job = defs.resolve_job_def(CASCADE_JOB_NAME)
    for key in job.asset_layer.executable_asset_keys:
        for slug in FLEET:
            records = instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=key, asset_partitions=[slug]), limit=5
            ).records
            assert len(records) == 1, (key, slug, len(records))
            metadata = records[0].asset_materialization.metadata
            if key.to_user_string() in CHECKS or key.to_user_string() == "artists":
                assert metadata["rows_written"].value > 0, (key, slug)
    evaluations = result.get_asset_check_evaluations()
    for asset, check in CHECKS.items():
        partitions = sorted(e.partition for e in evaluations if e.check_name == check)
        assert partitions == sorted(FLEET), (asset, check, partitions)
        for evaluation in (e for e in evaluations if e.check_name == check):  # each targets its own partition's
            [record] = instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset), asset_partitions=[evaluation.partition]), limit=1
            ).records
            target = evaluation.target_materialization_data
            assert target is not None and target.storage_id == record.storage_id, (asset, evaluation.partition)
    assert all(e.passed for e in evaluations if e.check_name == "positions_unique_and_contiguous")


def _ranking_previews(instance: dg.DagsterInstance) -> dict[str, str]:
    previews = {}
    for slug in FLEET:
        [record] = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey("chart_rankings"), asset_partitions=[slug]), limit=1
        ).records
        previews[slug] = record.asset_materialization.metadata["preview"].value
    return previews


def _calls_sent_in_metadata(instance: dg.DagsterInstance) -> int:
    total = 0
    for asset in ("chart_rankings", "tracks", "artist_metadata", "track_audience", "artist_audience"):
        for slug in FLEET:
            [record] = instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset), asset_partitions=[slug]), limit=1
            ).records
            total += record.asset_materialization.metadata["calls_sent"].value
    return total


def test_one_unknown_chart_fails_alone_and_the_others_are_stored(monkeypatch, shared_emulator, tmp_path):
    url = f"sqlite:///{tmp_path / 'wh.sqlite'}"
    _env(monkeypatch, shared_emulator, url, tmp_path / "data")
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, ["shazam-top-50-fr", "no-such-chart"])
        result = _run(instance, ["shazam-top-50-fr", "no-such-chart"])
        assert not result.success
        [failure] = [e for e in result.all_events if e.is_step_failure]
        assert "no-such-chart" in failure.step_failure_data.error.message
        stored = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey("chart_rankings"), asset_partitions=["shazam-top-50-fr"]),
            limit=1,
        ).records
        assert len(stored) == 1
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        slugs = set(conn.execute(sa.text("SELECT DISTINCT chart_slug FROM chart_rankings")).scalars())
    engine.dispose()
    assert slugs == {"shazam-top-50-fr"}

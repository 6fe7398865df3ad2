"""Asset bodies of the charts and catalogue groups, against an ``httpx.MockTransport`` API and a SQLite warehouse.

What an asset body owes its chart partition: the rows it stored, its per-partition metadata and its check
evaluation. The API is a handful of canned answers in the shapes of the reference (``soundcharts_api.md``
sections 3.3, 4.1), so each test knows exactly which requests a body may send.

How the bodies are driven, in Dagster 1.13.27:
- ``dg.build_asset_context(partition_key=...)`` (direct invocation) drives a body until it publishes: per-partition
  metadata goes through ``context.add_asset_metadata(..., partition_key=...)``, which a direct-invocation
  context does not support (``AttributeError: ... '_step_execution_context'``). So the failure path, which
  raises before publishing, is tested by direct invocation;
- the success paths run through ``dg.materialize([...], partition_key=..., resources=...)`` on a test
  instance, which executes the same bodies in process and records their materializations and check
  evaluations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import httpx
import pytest

from soundcharts_assets.defs.catalogue.assets import artists, tracks
from soundcharts_assets.defs.charts.assets import RankingConfig, chart_rankings
from soundcharts_assets.defs.names import CHARTS_PARTITIONS_NAME
from soundcharts_assets.defs.resources import CascadePolicyResource, SoundchartsResource, WarehouseResource
from soundcharts_assets.ratelimit.memory import UnlimitedLimiter
from soundcharts_assets.soundcharts import SoundchartsClient
from soundcharts_assets.soundcharts.config import ApiSettings
from soundcharts_assets.warehouse import Warehouse

SLUG = "global-28"
EDITION = "2024-05-10T00:00:00+00:00"
RANKING_PATH = f"/api/v2.14/chart/song/{SLUG}/ranking/latest"
BILLIE = {"uuid": "a-billie", "slug": "billie-eilish", "name": "Billie Eilish"}
FINNEAS = {"uuid": "a-finneas", "slug": "finneas", "name": "FINNEAS"}
SONGS = {
    "s-bad-guy": {"name": "bad guy", "credits": [BILLIE]},
    "s-lovely": {"name": "lovely", "credits": [BILLIE, FINNEAS]},
}
Handler = Callable[[httpx.Request], httpx.Response]


# --- the API: canned answers in the reference's shapes ---------------------------------------------------------


def collection(items: list[Any], **extra: Any) -> dict[str, Any]:
    page = {"offset": 0, "limit": 100, "next": None, "previous": None, "total": len(items)}
    return {"items": items, "page": page, "errors": [], **extra}


def ranking_answer(positions: dict[int, str]) -> dict[str, Any]:
    """§3.3: ``related.chart`` and ``related.date``, one item per ranked song."""
    chart = {"slug": SLUG, "name": "Top 200 Global Daily", "type": "top", "platform": "spotify", "frequency": "daily"}
    items = [
        {
            "song": {"uuid": uuid, "name": SONGS[uuid]["name"], "creditName": "Billie Eilish"},
            "position": position,
            "positionEvolution": 0,
            "metric": 1_000_000 - position,
            "entryDate": "2024-03-29T00:00:00+00:00",
            "timeOnChart": 43,
            "timeOnChartUnit": "day",
        }
        for position, uuid in sorted(positions.items())
    ]
    return collection(items, related={"chart": chart, "date": EDITION})


def song_object(uuid: str) -> dict[str, Any]:
    """§4.1, v2.25: an ISRC object, credited artists, genres as ``{root, sub}``, labels."""
    return {
        "uuid": uuid,
        "name": SONGS[uuid]["name"],
        "creditName": "Billie Eilish",
        "isrc": {"value": f"US{uuid[-3:].upper()}1900764", "countryCode": "US"},
        "artists": SONGS[uuid]["credits"],
        "releaseDate": "2019-03-29T00:00:00+00:00",
        "duration": 194,
        "genres": [{"root": "pop", "sub": ["electro pop"]}],
        "labels": [{"name": "Interscope", "type": "major"}],
    }


def not_found(message: str) -> httpx.Response:
    return httpx.Response(404, json={"errors": [{"key": "notFound", "code": 404, "message": message}]})


class FakeApi:
    """Answers the ranking and the song batch; records every request; anything else is a test failure."""

    def __init__(self, positions: dict[int, str] | None = None, chart_exists: bool = True) -> None:
        self.positions = positions if positions is not None else {1: "s-bad-guy", 2: "s-lovely"}
        self.chart_exists = chart_exists
        self.paths: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.paths.append(path)
        if path == RANKING_PATH:
            if not self.chart_exists:
                return not_found("Chart not found")
            return httpx.Response(200, json=ranking_answer(self.positions))
        if path.startswith("/api/v2.25/song/"):
            wanted = path.rsplit("/", 1)[1].split(",")
            if len(wanted) == 1:
                return httpx.Response(200, json={"type": "song", "object": song_object(wanted[0]), "errors": []})
            return httpx.Response(200, json=collection([{"type": "song", "object": song_object(u)} for u in wanted]))
        raise AssertionError(f"unexpected request {request.method} {request.url}")


def mock_soundcharts(api: Handler) -> SoundchartsResource:
    """``SoundchartsResource`` whose client talks to ``api`` through an ``httpx.MockTransport``."""

    class MockSoundchartsResource(SoundchartsResource):
        @contextmanager
        def open_client(self) -> Iterator[SoundchartsClient]:
            settings = ApiSettings(base_url="https://api.test", max_retries=0)
            with SoundchartsClient(settings, limiter=UnlimitedLimiter(), transport=httpx.MockTransport(api)) as client:
                yield client

    return MockSoundchartsResource()


# --- fixtures: a SQLite warehouse in tmp_path, a test instance with the chart as a partition -------------------


@pytest.fixture
def warehouse_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    monkeypatch.setenv("SOUNDCHARTS_WAREHOUSE_URL", url)  # WarehouseResource reads it when a step opens it
    monkeypatch.setenv("SOUNDCHARTS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SOUNDCHARTS_METADATA_FRESHNESS_HOURS", "168")  # a developer's shell must not change reuse
    monkeypatch.delenv("SOUNDCHARTS_TODAY", raising=False)
    return url


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    """A test instance, live for the whole test: an ephemeral one failed in the full suite's order (a
    definitions-state context variable left by an earlier test pointed at a collected instance)."""
    with dg.instance_for_test() as test_instance:
        test_instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, [SLUG])
        yield test_instance


@pytest.fixture
def stored(warehouse_url: str) -> Iterator[Warehouse]:
    """The warehouse the steps write to, opened by the test to read what they stored."""
    with Warehouse(warehouse_url) as wh:
        wh.migrate()
        yield wh


def materialize(
    assets: list[dg.AssetsDefinition], api: FakeApi, instance: dg.DagsterInstance
) -> dg.ExecuteInProcessResult:
    resources = {
        "soundcharts": mock_soundcharts(api),
        "warehouse": WarehouseResource(),
        "policy": CascadePolicyResource(),
    }
    return dg.materialize(assets, partition_key=SLUG, instance=instance, resources=resources)


def metadata_of(result: dg.ExecuteInProcessResult, asset: str) -> dict[str, Any]:
    (event,) = [e for e in result.get_asset_materialization_events() if e.asset_key == dg.AssetKey(asset)]
    assert event.partition == SLUG
    return {key: getattr(value, "value", value) for key, value in event.materialization.metadata.items()}


def fetched_reused_calls(metadata: dict[str, Any]) -> tuple[int, int, int]:
    return metadata["entities_fetched"], metadata["entities_reused"], metadata["calls_sent"]


def check_of(result: dg.ExecuteInProcessResult, name: str) -> Any:
    (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.check_name == name]
    assert evaluation.partition == SLUG
    return evaluation


# --- the tests ----------------------------------------------------------------------------------------------


def test_ranking_tracks_and_artists_store_rows_and_describe_their_partition(
    instance: dg.DagsterInstance, stored: Warehouse
) -> None:
    api = FakeApi()
    stored.register_chart(SLUG)  # followed, as `charts add` leaves it: no check call

    result = materialize([chart_rankings, tracks, artists], api, instance)

    assert result.success
    assert api.paths == [RANKING_PATH, "/api/v2.25/song/s-bad-guy,s-lovely"]  # one page, one batch of 2
    # rows: the edition by position, both songs' metadata, the credited artists linked to their songs
    assert stored.ranking_song_uuids(SLUG) == ["s-bad-guy", "s-lovely"]
    assert stored.ranking_positions(SLUG) == [1, 2]
    track = stored.get_track("s-lovely")
    assert track is not None and track.isrc == "USELY1900764" and track.release_date.isoformat() == "2019-03-29"
    assert [artist.uuid for artist in track.credited_artists] == ["a-billie", "a-finneas"]
    assert sorted(stored.chart_artist_uuids(SLUG)) == ["a-billie", "a-finneas"]
    # what each partition shows in the UI
    ranking = metadata_of(result, "chart_rankings")
    assert ranking["ranking_date"] == "2024-05-10"
    assert (ranking["rows_written"], ranking["entities_fetched"], ranking["calls_sent"]) == (2, 2, 1)
    assert "| 1 | bad guy |" in ranking["preview"]
    assert ranking["estimated_calls"]["chart_rankings"] == 1
    assert fetched_reused_calls(metadata_of(result, "tracks")) == (2, 0, 1)
    linked = metadata_of(result, "artists")
    assert (linked["rows_written"], linked["entities_reused"], linked["calls_sent"]) == (3, 2, 0)  # 3 links, no call
    # and each check's evaluation, on this partition
    assert check_of(result, "positions_unique_and_contiguous").passed
    assert check_of(result, "every_ranked_song_has_metadata").passed


def test_fresh_song_metadata_is_reused_without_a_call(instance: dg.DagsterInstance, stored: Warehouse) -> None:
    first = FakeApi()
    assert materialize([chart_rankings, tracks], first, instance).success
    again = FakeApi()

    result = materialize([tracks], again, instance)

    assert again.paths == []  # both songs are within the 7-day freshness window
    assert fetched_reused_calls(metadata_of(result, "tracks")) == (0, 2, 0)
    assert check_of(result, "every_ranked_song_has_metadata").passed


def test_a_ranking_with_a_gap_is_stored_and_fails_its_check(instance: dg.DagsterInstance, stored: Warehouse) -> None:
    result = materialize([chart_rankings], FakeApi(positions={1: "s-bad-guy", 3: "s-lovely"}), instance)

    assert result.success  # the check judges the edition; it does not undo storing it
    assert stored.ranking_positions(SLUG) == [1, 3]
    evaluation = check_of(result, "positions_unique_and_contiguous")
    assert not evaluation.passed
    assert evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert metadata_of(result, "chart_rankings")["rows_written"] == 2


def fail_ranking(instance: dg.DagsterInstance, api: FakeApi) -> dg.Failure:
    """Drive chart_rankings until it fails; returns the failure."""
    with dg.build_asset_context(partition_key=SLUG, instance=instance) as context:
        body = chart_rankings(
            context,
            config=RankingConfig(),
            soundcharts=mock_soundcharts(api),
            warehouse=WarehouseResource(),
            policy=CascadePolicyResource(),
        )
        with pytest.raises(dg.Failure) as failure:
            list(body)
    assert failure.value.description is not None
    return failure.value


def test_an_unknown_chart_fails_naming_it_and_stores_nothing(instance: dg.DagsterInstance, stored: Warehouse) -> None:
    stored.register_chart(SLUG)  # followed, then gone from the API: it fails, and stays followed
    api = FakeApi(chart_exists=False)

    failure = fail_ranking(instance, api)

    description = str(failure.description)
    assert f"{SLUG}: unknown chart: Soundcharts has no song chart with this slug" in description
    assert "removed" not in description
    assert failure.metadata["failed_charts"].value == {SLUG: description.split(": ", 2)[2]}
    assert api.paths == [RANKING_PATH]  # a 404 is final: no retry (and the latest edition needs no date list)
    assert stored.ranking_dates(SLUG) == []
    assert instance.has_dynamic_partition(CHARTS_PARTITIONS_NAME, SLUG)
    assert {table: count for table, count in stored.table_counts().items() if count} == {"charts": 1}


def test_an_unknown_chart_added_in_the_ui_is_refused_and_its_partition_removed(
    instance: dg.DagsterInstance, stored: Warehouse
) -> None:
    api = FakeApi(chart_exists=False)  # the partition has no registry row: added in the UI, never checked

    description = str(fail_ranking(instance, api).description)

    assert description == (
        f"1 chart(s) failed: {SLUG}: unknown chart '{SLUG}': Soundcharts has no song chart with this slug "
        "(check its spelling); its partition is removed (it was never followed)"
    )
    assert api.paths == [RANKING_PATH]  # the check: one call, refused, nothing more
    assert not instance.has_dynamic_partition(CHARTS_PARTITIONS_NAME, SLUG)
    assert stored.get_chart(SLUG) is None
    assert all(count == 0 for count in stored.table_counts().values())


def test_a_chart_added_in_the_ui_is_checked_then_followed(instance: dg.DagsterInstance, stored: Warehouse) -> None:
    api = FakeApi()

    result = materialize([chart_rankings], api, instance)

    assert result.success
    assert api.paths == [RANKING_PATH, RANKING_PATH]  # the check (limit=1), then the edition
    chart = stored.get_chart(SLUG)
    assert chart is not None and (chart.name, chart.platform, chart.sync_schedule) == (
        "Top 200 Global Daily",
        "spotify",
        "none",
    )
    assert metadata_of(result, "chart_rankings")["calls_sent"] == 2  # the check is charged to the chart
    assert instance.has_dynamic_partition(CHARTS_PARTITIONS_NAME, SLUG)


def test_an_invalid_partition_key_added_in_the_ui_is_removed_before_any_call(stored: Warehouse) -> None:
    api = FakeApi()
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, ["Top 200!"])
        with dg.build_asset_context(partition_key="Top 200!", instance=instance) as context:
            body = chart_rankings(
                context,
                config=RankingConfig(),
                soundcharts=mock_soundcharts(api),
                warehouse=WarehouseResource(),
                policy=CascadePolicyResource(),
            )
            with pytest.raises(dg.Failure) as failure:
                list(body)
        assert not instance.has_dynamic_partition(CHARTS_PARTITIONS_NAME, "Top 200!")
    assert failure.value.description == (
        "invalid chart slug 'Top 200!': use 1-128 lowercase letters, digits, '-', '_' or '.', starting with a "
        "letter or digit (e.g. global-28); its partition is removed (it was never followed)"
    )
    assert api.paths == []

"""The chart registry: a chart is followed when it is a `charts` partition and has a warehouse row.

The Dagster instance holds the partitions (so the UI can add one too); the warehouse holds each chart's
sync schedule and metadata. Registering checks every new slug with the API first (``cascade/registry.py``, the
check a partition added in the UI gets too), so a typo never becomes a partition, and a list with one bad slug
adds nothing. A chart already followed is not checked again and keeps its schedule unless one is given.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from soundcharts_assets.cli.errors import UsageError
from soundcharts_assets.clock import utc_now
from soundcharts_assets.defs.names import CHARTS_PARTITIONS_NAME
from soundcharts_assets.settings import dagster_home_from_env, project_root
from soundcharts_assets.vocabulary import SyncSchedule, validate_chart_slug, validate_sync_schedule
from soundcharts_assets.warehouse import ChartRow, Warehouse

if TYPE_CHECKING:  # the cascade's check and the client are imported by the commands that call the API only:
    # `status` and `charts list` open the instance and the warehouse through this module
    from soundcharts_assets.cascade.registry import CheckedChart
    from soundcharts_assets.soundcharts.models import Chart


def ensure_dagster_home() -> Path:
    """Make sure DAGSTER_HOME points at an instance directory holding our dagster.yaml."""
    home = dagster_home_from_env()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    root = project_root()
    if not config.exists() and root is not None:
        try:
            config.symlink_to(root / "dagster.yaml")
        except OSError:
            shutil.copyfile(root / "dagster.yaml", config)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


@contextmanager
def open_instance() -> Iterator[Any]:
    """The Dagster instance of DAGSTER_HOME (the embedded default one when unset), opened once per process
    and home: a command asks it several things (the registry, then the run), each open cost 0.3-0.8 s."""
    yield _instance_of(str(ensure_dagster_home()))


@cache
def _instance_of(home: str) -> Any:
    import dagster as dg

    return dg.DagsterInstance.from_config(home)


@contextmanager
def open_warehouse() -> Iterator[Warehouse]:
    """The warehouse, migrated: a fresh data directory answers "unknown chart", not "no such table"."""
    with Warehouse.from_env() as warehouse:
        warehouse.migrate()
        yield warehouse


@dataclass(frozen=True)
class Registration:
    """What `charts add` did for one slug."""

    slug: str
    already_followed: bool
    schedule: str
    previous_schedule: str | None
    """The schedule before this command, for a chart that was already followed."""
    latest: datetime | None
    """Its newest edition: as the API said (a new chart) or as stored (a chart already followed)."""
    chart: ChartRow | None


def register_charts(slugs: Sequence[str], schedule: str | None = None) -> list[Registration]:
    """Follow ``slugs``: each new one is checked with the API first (1 call each), then all are registered, or
    none. A chart already followed costs no call and keeps its schedule unless ``schedule`` is given."""
    from soundcharts_assets.cascade.registry import follow_chart

    for slug in slugs:
        validate_chart_slug(slug)
    if schedule is not None:
        validate_sync_schedule(schedule)
    wanted = list(dict.fromkeys(slugs))
    with open_instance() as instance:
        partitions = set(instance.get_dynamic_partitions(CHARTS_PARTITIONS_NAME))
    with open_warehouse() as warehouse:
        before = {slug: warehouse.get_chart(slug) for slug in wanted}
        followed = {slug for slug, row in before.items() if row is not None and slug in partitions}
        checked = _check_new(warehouse, [slug for slug in wanted if slug not in followed])
        for slug in wanted:
            if slug in checked:
                follow_chart(warehouse, checked[slug], schedule)
            elif schedule is not None:
                warehouse.set_sync_schedule(slug, schedule)
        done = [_registration(warehouse, slug, before[slug] if slug in followed else None, checked) for slug in wanted]
    with open_instance() as instance:
        new = [slug for slug in wanted if slug not in partitions]
        if new:
            instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, new)
    return done


def _check_new(warehouse: Warehouse, slugs: Sequence[str]) -> dict[str, CheckedChart]:
    """Every slug checked before any is registered (all or none); the calls go to the spend ledger."""
    from soundcharts_assets.cascade.registry import check_chart
    from soundcharts_assets.settings import api_settings_from_env
    from soundcharts_assets.soundcharts.client import SoundchartsClient

    if not slugs:
        return {}
    checked: dict[str, CheckedChart] = {}
    try:
        with SoundchartsClient(api_settings_from_env()) as client:
            for slug in slugs:
                checked[slug] = check_chart(client, slug)
    finally:
        warehouse.record_spend("charts_add", {slug: c.billed_calls for slug, c in checked.items()}, utc_now())
    return checked


def _registration(
    warehouse: Warehouse, slug: str, was: ChartRow | None, checked: Mapping[str, CheckedChart]
) -> Registration:
    row = warehouse.get_chart(slug)
    latest = checked[slug].latest if slug in checked else warehouse.latest_ranking_date(slug)
    return Registration(
        slug=slug,
        already_followed=was is not None,
        schedule=row.sync_schedule if row else SyncSchedule.NONE.value,
        previous_schedule=was.sync_schedule if was else None,
        latest=latest,
        chart=row,
    )


def register_chart(slug: str, schedule: str | None = None) -> Registration:
    return register_charts([slug], schedule)[0]


def unregister_chart(slug: str) -> bool:
    with open_instance() as instance:
        known = instance.has_dynamic_partition(CHARTS_PARTITIONS_NAME, slug)
        if known:
            instance.delete_dynamic_partition(CHARTS_PARTITIONS_NAME, slug)
    with open_warehouse() as warehouse:
        return warehouse.remove_chart(slug) or known


def registered_slugs() -> list[str]:
    """The followed charts in the order they were added: Dagster's partition order, so runs can cover
    adjacent ones as a range."""
    with open_instance() as instance:
        return list(instance.get_dynamic_partitions(CHARTS_PARTITIONS_NAME))


def require_registered(slugs: Sequence[str]) -> None:
    """Every slug is followed, or one line names the first that is not (and how to follow it)."""
    known = set(registered_slugs())
    for slug in slugs:
        if slug not in known:
            raise UsageError(f"chart {slug!r} is not registered: run `soundcharts-assets charts add {slug}`")


@dataclass(frozen=True)
class FollowedChart:
    """A line of `charts list`: a chart partition, what the registry knows of it, its latest stored edition."""

    slug: str
    chart: ChartRow | None
    """None for a partition added in the UI that the chart_registry sensor has not checked yet."""
    latest_ranking_date: datetime | None

    def as_json(self) -> dict[str, Any]:
        row = self.chart
        return {
            "slug": self.slug,
            "sync_schedule": row.sync_schedule if row else None,
            "platform": row.platform if row else None,
            "name": row.name if row else None,
            "frequency": row.frequency if row else None,
            "country_code": row.country_code if row else None,
            "max_results": row.max_results if row else None,
            "latest_ranking_date": self.latest_ranking_date.date().isoformat() if self.latest_ranking_date else None,
            "checked": row is not None,
        }


def list_registered_charts() -> list[FollowedChart]:
    slugs = sorted(registered_slugs())
    with open_warehouse() as warehouse:
        rows = {row.slug: row for row in warehouse.list_charts()}
        return [FollowedChart(slug, rows.get(slug), warehouse.latest_ranking_date(slug)) for slug in slugs]


@dataclass(frozen=True)
class Discovery:
    """The charts the API offers, and what listing them cost."""

    charts: list[Chart]
    api_calls: int


def discover_charts(platform: str | None = None, country: str | None = None) -> Discovery:
    """Song charts of one platform (or of every platform), optionally of one country: 1 call per 100 charts."""
    from soundcharts_assets.settings import api_settings_from_env
    from soundcharts_assets.soundcharts.client import SoundchartsClient

    with SoundchartsClient(api_settings_from_env()) as client:
        platforms = [platform] if platform else client.list_song_chart_platforms()
        charts = [chart for code in platforms for chart in client.list_song_charts(code, country)]
        return Discovery(charts, client.calls_made)


def read_slug_file(path: str) -> list[str]:
    """Slugs from a file, one per line; blank lines and ``#`` comments are skipped, a bad line is named."""
    from soundcharts_assets.vocabulary import InvalidChartSlugError

    slugs = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.split("#", 1)[0].strip()  # a slug never holds '#': the rest of the line is a comment
            if not line:
                continue
            try:
                slugs.append(validate_chart_slug(line))
            except InvalidChartSlugError as error:
                raise UsageError(f"{path}, line {number}: {error}") from None
    if not slugs:
        raise UsageError(f"{path} lists no chart slug (one per line)")
    return slugs

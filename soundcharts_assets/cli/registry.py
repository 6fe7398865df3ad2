"""The chart registry: a chart is followed when it is a `charts` partition and has a warehouse row.

The Dagster instance holds the partitions (so the UI can add one too); the warehouse holds each chart's
sync schedule and metadata. Registering checks every slug with the API first, so a typo never becomes a
partition, and a list with one bad slug adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from soundcharts_assets.cli.errors import UsageError
from soundcharts_assets.defs.names import CHARTS_PARTITIONS_NAME
from soundcharts_assets.settings import api_settings_from_env
from soundcharts_assets.soundcharts.client import SoundchartsClient
from soundcharts_assets.soundcharts.errors import NotFoundError
from soundcharts_assets.soundcharts.models import Chart
from soundcharts_assets.vocabulary import validate_chart_slug, validate_sync_schedule
from soundcharts_assets.warehouse import Warehouse


@contextmanager
def open_instance() -> Iterator[Any]:
    """The Dagster instance of DAGSTER_HOME (the embedded default one when unset)."""
    import dagster as dg

    from soundcharts_assets.cli.launch import ensure_dagster_home

    ensure_dagster_home()
    with dg.DagsterInstance.get() as instance:
        yield instance


@contextmanager
def open_warehouse() -> Iterator[Warehouse]:
    """The warehouse, migrated: a fresh data directory answers "unknown chart", not "no such table"."""
    with Warehouse.from_env() as warehouse:
        warehouse.migrate()
        yield warehouse


def latest_edition(client: SoundchartsClient, slug: str) -> datetime | None:
    """The newest edition date of a chart (1 call); a one-line error if the API has no such chart."""
    try:
        dates = client.list_ranking_dates(slug, max_items=1)
    except NotFoundError:
        raise NotFoundError(
            f"unknown chart {slug!r}: Soundcharts has no song chart with this slug (check its spelling)",
            status=404,
        ) from None
    return dates[0] if dates else None


def register_charts(slugs: Sequence[str], schedule: str = "none") -> dict[str, datetime | None]:
    """Check every slug with the API (1 call each), then register them all, or none."""
    for slug in slugs:
        validate_chart_slug(slug)
    validate_sync_schedule(schedule)
    with SoundchartsClient(api_settings_from_env()) as client:
        latest = {slug: latest_edition(client, slug) for slug in dict.fromkeys(slugs)}
    with open_warehouse() as warehouse:
        for slug in latest:
            warehouse.register_chart(slug, schedule)
    with open_instance() as instance:
        known = set(instance.get_dynamic_partitions(CHARTS_PARTITIONS_NAME))
        new = [slug for slug in latest if slug not in known]
        if new:
            instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, new)
    return latest


def register_chart(slug: str, schedule: str = "none") -> datetime | None:
    return register_charts([slug], schedule)[slug]


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


def list_registered_charts() -> list[dict[str, Any]]:
    slugs = sorted(registered_slugs())
    with open_warehouse() as warehouse:
        rows = {row.slug: row for row in warehouse.list_charts()}
        return [
            {
                "slug": slug,
                "sync_schedule": rows[slug].sync_schedule if slug in rows else "none",
                "platform": rows[slug].platform if slug in rows else None,
                "latest_ranking_date": warehouse.latest_ranking_date(slug),
            }
            for slug in slugs
        ]


@dataclass(frozen=True)
class Discovery:
    """The charts the API offers, and what listing them cost."""

    charts: list[Chart]
    api_calls: int


def discover_charts(platform: str | None = None, country: str | None = None) -> Discovery:
    """Song charts of one platform (or of every platform), optionally of one country: 1 call per 100 charts."""
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
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            try:
                slugs.append(validate_chart_slug(line))
            except InvalidChartSlugError as error:
                raise UsageError(f"{path}, line {number}: {error}") from None
    if not slugs:
        raise UsageError(f"{path} lists no chart slug (one per line)")
    return slugs

"""The chart registry: a chart is followed when it is a `charts` partition and has a warehouse row.

The Dagster instance holds the partitions (so the UI can add one too); the warehouse holds each chart's
sync schedule and metadata. Registering checks the slug with the API first, so typos never become partitions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from soundcharts_assets.defs.names import CHARTS_PARTITIONS_NAME
from soundcharts_assets.vocabulary import validate_chart_slug, validate_sync_schedule
from soundcharts_assets.soundcharts import SoundchartsClient
from soundcharts_assets.soundcharts.errors import NotFoundError
from soundcharts_assets.warehouse import Warehouse


def _instance():
    import dagster as dg

    from soundcharts_assets.cli.launch import ensure_dagster_home

    ensure_dagster_home()
    return dg.DagsterInstance.get()


def _warehouse() -> Warehouse:
    warehouse = Warehouse.from_env()
    warehouse.migrate()
    return warehouse


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


def register_chart(slug: str, schedule: str = "none") -> datetime | None:
    validate_chart_slug(slug)
    validate_sync_schedule(schedule)
    with SoundchartsClient.from_env() as client:
        latest = latest_edition(client, slug)
    warehouse = _warehouse()
    try:
        warehouse.register_chart(slug, schedule)
    finally:
        warehouse.dispose()
    with _instance() as instance:
        if not instance.has_dynamic_partition(CHARTS_PARTITIONS_NAME, slug):
            instance.add_dynamic_partitions(CHARTS_PARTITIONS_NAME, [slug])
    return latest


def unregister_chart(slug: str) -> bool:
    with _instance() as instance:
        known = instance.has_dynamic_partition(CHARTS_PARTITIONS_NAME, slug)
        if known:
            instance.delete_dynamic_partition(CHARTS_PARTITIONS_NAME, slug)
    warehouse = _warehouse()
    try:
        return warehouse.remove_chart(slug) or known
    finally:
        warehouse.dispose()


def require_registered(slug: str) -> None:
    with _instance() as instance:
        if not instance.has_dynamic_partition(CHARTS_PARTITIONS_NAME, slug):
            raise RuntimeError(f"chart {slug!r} is not registered: run `soundcharts-assets charts add {slug}`")


def list_registered_charts() -> list[dict[str, Any]]:
    with _instance() as instance:
        slugs = instance.get_dynamic_partitions(CHARTS_PARTITIONS_NAME)
    warehouse = _warehouse()
    try:
        rows = {row.slug: row for row in warehouse.list_charts()}
        return [
            {
                "slug": slug,
                "sync_schedule": rows[slug].sync_schedule if slug in rows else "none",
                "platform": rows[slug].platform if slug in rows else None,
                "latest_ranking_date": warehouse.latest_ranking_date(slug),
            }
            for slug in sorted(slugs)
        ]
    finally:
        warehouse.dispose()


def stored_tracks_count(slug: str) -> int:
    warehouse = _warehouse()
    try:
        return len(warehouse.ranking_song_uuids(slug))
    finally:
        warehouse.dispose()

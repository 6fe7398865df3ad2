"""Following a chart: the one check every way of adding one goes through.

`charts add`, a partition added in the Dagster UI (the ``chart_registry`` sensor, or the ranking step of a run
launched right away) all check a slug the same way before it becomes a followed chart: its pattern (no call),
then one call to the API, the first entry of its latest ranking, which tells whether the chart exists and is
in the plan, and also its name, platform, frequency, country and size, stored with it. A chart is followed
once it has a row in the warehouse's registry; a partition without one has not been checked yet.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from soundcharts_assets.soundcharts.client import SoundchartsClient
from soundcharts_assets.soundcharts.errors import NotFoundError, PlanRestrictedError
from soundcharts_assets.soundcharts.models import Chart
from soundcharts_assets.vocabulary import InvalidChartSlugError, validate_chart_slug
from soundcharts_assets.warehouse import Warehouse

REFUSALS = (InvalidChartSlugError, NotFoundError, PlanRestrictedError)
"""What keeps a slug from becoming a followed chart: waiting or retrying changes none of them."""


@dataclass(frozen=True)
class CheckedChart:
    """A slug the API knows: its chart as the API describes it, and the date of its latest edition."""

    chart: Chart
    latest: datetime
    billed_calls: int


def check_chart(client: SoundchartsClient, slug: str) -> CheckedChart:
    """The pattern, then one call; raises one of :data:`REFUSALS` with a one-line reason.

    Other errors (credentials, quota, an unreachable API) say nothing about the slug and are raised as they are.
    """
    validate_chart_slug(slug)
    billed = client.calls_billed_in_this_thread
    try:
        ranking = client.get_chart_ranking(slug, max_entries=1)
    except NotFoundError:
        raise NotFoundError(
            f"unknown chart {slug!r}: Soundcharts has no song chart with this slug (check its spelling)", status=404
        ) from None
    chart = replace(ranking.chart, slug=slug)  # the partition key is the name it is followed by
    return CheckedChart(chart, ranking.date, client.calls_billed_in_this_thread - billed)


def follow_chart(warehouse: Warehouse, checked: CheckedChart, schedule: str | None = None) -> None:
    """Store a checked chart in the registry: it is followed from now on. ``schedule=None`` keeps the one a
    user chose before (``none`` for a new chart)."""
    warehouse.upsert_chart(checked.chart, schedule)

"""The ranking step: one edition of each chart fetched and stored, every edition kept as history."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from soundcharts_assets.cascade.pool import run_concurrently
from soundcharts_assets.cascade.registry import REFUSALS, check_chart, follow_chart
from soundcharts_assets.cascade.report import ChartReports, StepReport
from soundcharts_assets.clock import utc_now
from soundcharts_assets.soundcharts.client import SoundchartsClient
from soundcharts_assets.soundcharts.errors import MalformedPayloadError, NotFoundError, PlanRestrictedError
from soundcharts_assets.warehouse import Warehouse

CHART_ERRORS = (NotFoundError, PlanRestrictedError, MalformedPayloadError)
"""What fails one chart's ranking only; quota, credentials and outages stop the whole step."""


def refresh_rankings(
    client: SoundchartsClient,
    warehouse: Warehouse,
    slugs: Sequence[str],
    at: Mapping[str, datetime | None] | None = None,
    workers: int = 8,
    unchecked: Collection[str] = (),
) -> dict[str, StepReport]:
    """Fetch one edition per chart (the latest, or the one ``at`` names for it) and store it; history is kept.

    A chart of ``unchecked`` (a partition added in the UI, not followed yet) is checked first as `charts add`
    checks it (``cascade/registry.py``, one call); a refused one fails with the reason and stays unfollowed.
    """
    editions = at or {}
    reports = ChartReports(client, slugs, "chart_rankings")
    reports.expect(len(set(slugs)))

    def refresh(slug: str) -> None:
        try:
            if slug in unchecked:
                follow_chart(warehouse, reports.charge(slug, lambda: check_chart(client, slug), entities=0))
            ranking = reports.charge(slug, lambda: client.get_chart_ranking(slug, editions.get(slug)))
        except (*CHART_ERRORS, *REFUSALS) as error:  # this chart fails; the others of the fleet go on
            message = str(error)
            reports.update([slug], lambda report: setattr(report, "error", message))
            return
        written = warehouse.write_ranking(ranking)

        def record(report: StepReport) -> None:
            report.ranking_date, report.fetched, report.rows_written = ranking.date, len(ranking.entries), written

        reports.update([slug], record)

    run_concurrently(dict.fromkeys(slugs), refresh, workers)
    return reports.finish(warehouse, "chart_rankings", utc_now())

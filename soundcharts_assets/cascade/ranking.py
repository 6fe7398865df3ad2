"""The ranking step: one edition of each chart fetched and stored, every edition kept as history."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from soundcharts_assets.cascade.pool import run_concurrently
from soundcharts_assets.cascade.registry import REFUSALS, check_chart, follow_chart
from soundcharts_assets.cascade.step_reports import ChartReports, StepReport
from soundcharts_assets.clock import utc_now
from soundcharts_assets.soundcharts.client import SoundchartsClient
from soundcharts_assets.soundcharts.errors import (
    MalformedPayloadError,
    NotFoundError,
    PlanRestrictedError,
    SoundchartsError,
)
from soundcharts_assets.warehouse import Warehouse

CHART_ERRORS = (NotFoundError, PlanRestrictedError, MalformedPayloadError)
"""What fails one chart's ranking only; quota, credentials and outages stop the whole step."""
NEAREST_EDITIONS = 2
"""How many editions a "no edition on that date" failure names."""


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
        when = editions.get(slug)
        try:
            if slug in unchecked:
                follow_chart(warehouse, reports.charge(slug, lambda: check_chart(client, slug), entities=0))
        except REFUSALS as refusal:  # a slug added in the UI that cannot be followed: it fails alone
            refused = str(refusal)
            reports.update([slug], lambda report: setattr(report, "error", refused))
            return
        try:
            ranking = reports.charge(slug, lambda: client.get_chart_ranking(slug, when))
        except CHART_ERRORS as error:  # this chart fails; the others of the fleet go on
            failure: SoundchartsError = error
            message = reports.charge(slug, lambda: why_chart_failed(client, slug, when, failure), entities=0)
            reports.update([slug], lambda report: setattr(report, "error", message))
            return
        written = warehouse.write_ranking(ranking)

        def record(report: StepReport) -> None:
            report.ranking_date, report.fetched, report.rows_written = ranking.date, len(ranking.entries), written

        reports.update([slug], record)

    run_concurrently(dict.fromkeys(slugs), refresh, workers)
    return reports.finish(warehouse, "chart_rankings", utc_now())


def why_chart_failed(client: SoundchartsClient, slug: str, at: datetime | None, error: SoundchartsError) -> str:
    """One line in the user's words (without the slug, which the caller shows).

    A 404 for an edition date does not say whether the chart or only that edition is missing: the chart's
    list of editions (a call or a few, only on this failure) tells them apart and names the nearest ones.
    """
    if isinstance(error, PlanRestrictedError):
        return (
            "this chart is not in your Soundcharts plan (403): ask help@soundcharts.com to add it, "
            f"or stop following it with `soundcharts-assets charts remove {slug}`"
        )
    if not isinstance(error, NotFoundError):
        return str(error)
    if at is not None:
        try:
            dates = client.list_ranking_dates(slug)
        except NotFoundError:
            pass
        else:
            return no_edition_message(at, dates)
    return (
        "unknown chart: Soundcharts has no song chart with this slug; check its spelling, "
        f"or stop following it with `soundcharts-assets charts remove {slug}`"
    )


def no_edition_message(at: datetime, dates: Sequence[datetime]) -> str:
    """``no edition on D (nearest: A, B)``: the editions closest to ``at``, oldest first."""
    day = at.date()
    if not dates:
        return f"no edition on {day.isoformat()}: the chart has no edition yet"
    nearest = sorted(sorted({d.date() for d in dates}, key=lambda d: (abs((d - day).days), d))[:NEAREST_EDITIONS])
    return f"no edition on {day.isoformat()} (nearest: {', '.join(d.isoformat() for d in nearest)})"

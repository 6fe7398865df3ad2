"""The ranking step: one chart edition fetched and stored, every edition kept as history."""

from __future__ import annotations

from datetime import datetime

from soundcharts_assets.cascade.report import CallMeter, StepReport
from soundcharts_assets.soundcharts.client import SoundchartsClient
from soundcharts_assets.warehouse import Warehouse


def refresh_ranking(
    client: SoundchartsClient, warehouse: Warehouse, slug: str, at: datetime | None = None
) -> StepReport:
    """Fetch one chart edition (the latest, or the one at ``at``) and store it; history is kept."""
    meter = CallMeter(client)
    ranking = client.get_chart_ranking(slug, at)
    report = StepReport(ranking_date=ranking.date, fetched=len(ranking.entries))
    report.rows_written = warehouse.write_ranking(ranking)
    return meter.finish(report)

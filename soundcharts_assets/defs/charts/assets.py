"""The chart ranking: the root of the cascade, one edition per materialization, every edition kept."""

from datetime import datetime

import dagster as dg
from pydantic import Field

from soundcharts_assets import cascade
from soundcharts_assets.cascade import cost
from soundcharts_assets.defs.charts.checks import POSITIONS, positions_check
from soundcharts_assets.defs.conventions import api_asset, chart_slug, failures_for_users
from soundcharts_assets.defs.metadata import report_metadata
from soundcharts_assets.defs.resources import SoundchartsResource, WarehouseResource
from soundcharts_assets.vocabulary import parse_edition_date
from soundcharts_assets.warehouse import loaders


class RankingConfig(dg.Config):
    """Which chart edition to fetch; the latest when empty."""

    ranking_date: str | None = Field(
        default=None, description="An edition date, YYYY-MM-DD (or an ISO datetime); latest when empty."
    )

    def parsed_date(self) -> datetime | None:
        if not self.ranking_date:
            return None
        try:
            return parse_edition_date(self.ranking_date)
        except ValueError as error:
            raise dg.Failure(description=f"ranking_date {error}", allow_retries=False) from None


@api_asset(group_name="charts", check_specs=[POSITIONS])
def chart_rankings(
    context: dg.AssetExecutionContext,
    config: RankingConfig,
    soundcharts: SoundchartsResource,
    warehouse: WarehouseResource,
) -> dg.MaterializeResult:
    """A chart edition: position, previous position, evolution, time on chart, entry date, metric.

    Fetches the latest edition (or ``ranking_date``) and keeps every edition ever fetched as history.
    """
    slug = chart_slug(context)
    with failures_for_users(), soundcharts.open_client() as client, warehouse.open() as wh:
        report = cascade.refresh_ranking(client, wh, slug, config.parsed_date())
        preview = loaders.load_chart(wh, slug)[["position", "name", "credit_name", "position_evolution"]]
        estimated = {"estimated_calls": cost.estimated_calls(slug, wh)}  # what the cascade costs now
        check = positions_check(wh, slug)
    return dg.MaterializeResult(metadata={**report_metadata(report, preview), **estimated}, check_results=[check])

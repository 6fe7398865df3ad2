"""The chart ranking: the root of the cascade, one edition per materialization, every edition kept."""

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime

import dagster as dg
import pandas as pd
from pydantic import Field

from soundcharts_assets import cascade
from soundcharts_assets.cascade import cost
from soundcharts_assets.cascade.step_reports import StepReport
from soundcharts_assets.defs.charts.checks import POSITIONS, positions_outcome
from soundcharts_assets.defs.charts.registry import refuse_invalid_partitions, remove_refused, unchecked_partitions
from soundcharts_assets.defs.conventions import api_asset, failures_for_users
from soundcharts_assets.defs.metadata import report_metadata
from soundcharts_assets.defs.publish import ChartOutcome, Event, made_once, refresh_charts
from soundcharts_assets.defs.resources import CascadePolicyResource, SoundchartsResource, WarehouseResource
from soundcharts_assets.soundcharts.client import SoundchartsClient
from soundcharts_assets.vocabulary import parse_edition_date
from soundcharts_assets.warehouse import Warehouse, loaders


class RankingConfig(dg.Config):
    """Which chart edition to fetch; the latest when empty."""

    ranking_date: str | None = Field(
        default=None, description="An edition date, YYYY-MM-DD (or an ISO datetime); latest when empty."
    )
    editions: dict[str, str] = Field(
        default_factory=dict,
        description="Per chart slug, the edition to fetch (the editions sensor pins what it saw); overrides ranking_date.",
    )

    def dates_for(self, slugs: list[str]) -> dict[str, datetime | None]:
        """The edition to fetch per chart: its own, else ``ranking_date``, else None (the latest)."""
        return {slug: self._parse(self.editions.get(slug) or self.ranking_date) for slug in slugs}

    @staticmethod
    def _parse(text: str | None) -> datetime | None:
        if not text:
            return None
        try:
            return parse_edition_date(text)
        except ValueError as error:
            raise dg.Failure(description=f"ranking_date {error}", allow_retries=False) from None


@api_asset(group_name="charts", check_specs=[POSITIONS])
def chart_rankings(
    context: dg.AssetExecutionContext,
    config: RankingConfig,
    soundcharts: SoundchartsResource,
    warehouse: WarehouseResource,
    policy: CascadePolicyResource,
) -> Iterator[Event]:
    """A chart edition: position, previous position, evolution, time on chart, entry date, metric.

    Fetches the latest edition (or ``ranking_date``) and keeps every edition ever fetched as history. A chart
    added in the UI and not checked yet is checked first, as `charts add` checks it (``registry.py``).
    """
    with failures_for_users(), warehouse.open() as wh:
        unchecked = unchecked_partitions(context.instance, wh, context.partition_keys)
    refuse_invalid_partitions(context.instance, unchecked)

    freshness = policy.freshness()
    # Made once per step, by the first describe: what the charts' estimates share, and every chart's edition
    # for its preview (one read of the fleet's editions: 100 charts 0.5 s on PostgreSQL, 1.75 s chart by chart).
    estimator = made_once(lambda wh: cost.Estimator(wh, freshness))
    refreshed: list[str] = []  # the step's charts as refresh_charts read them (a refused one's partition is gone)
    editions = made_once(lambda wh: loaders.load_charts(wh, refreshed))

    def refresh(client: SoundchartsClient, wh: Warehouse, slugs: list[str]) -> dict[str, StepReport]:
        refreshed.extend(slugs)
        dates = config.dates_for(slugs)
        reports = cascade.refresh_rankings(client, wh, slugs, dates, unchecked=set(unchecked))
        remove_refused(context.instance, wh, {slug: reports[slug] for slug in unchecked})
        return reports

    yield from refresh_charts(
        context,
        soundcharts,
        warehouse,
        refresh,
        lambda wh, slug, report: _outcome(wh, slug, report, estimator, editions),
        POSITIONS,
    )


def _outcome(
    wh: Warehouse,
    slug: str,
    report: StepReport,
    estimator: Callable[[Warehouse], cost.Estimator],
    editions: Callable[[Warehouse], Mapping[str, pd.DataFrame]],
) -> ChartOutcome:
    """A chart's metadata; the fleet's reads (``made_once``) only once a chart has something to describe: a step
    whose charts all failed (the quota, unknown slugs) publishes their errors without reading the warehouse."""
    if report.error:
        return ChartOutcome({}, error=report.error)
    stored = editions(wh)
    edition = stored[slug] if slug in stored else loaders.load_chart(wh, slug)  # none stored: empty
    preview = edition[["position", "name", "credit_name", "position_evolution"]]
    estimated = {"estimated_calls": estimator(wh).billed(slug)}  # its cascade's cost now
    return ChartOutcome({**report_metadata(report, preview), **estimated}, positions_outcome(wh, slug))

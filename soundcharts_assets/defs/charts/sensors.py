"""The new-editions sensor: new chart editions start the whole cascade, many charts in one run.

Cost: the editions sensor spends one call per registered chart per tick (``available-rankings`` with
``limit=1``). At the default interval of one hour that is 24 calls per chart per day.
"""

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import dagster as dg

from soundcharts_assets.clock import utc_now
from soundcharts_assets.defs.charts.budget import over_budget
from soundcharts_assets.defs.charts.editions import EditionRequest, dump_cursor, new_editions, parse_cursor
from soundcharts_assets.defs.charts.fleet import fleet_run_requests
from soundcharts_assets.defs.charts.jobs import chart_cascade_job
from soundcharts_assets.defs.names import CHARTS_PARTITIONS_NAME, TRIGGER_TAG
from soundcharts_assets.defs.resources import SoundchartsResource, WarehouseResource
from soundcharts_assets.settings import automation_settings_from_env
from soundcharts_assets.soundcharts.client import SoundchartsClient
from soundcharts_assets.soundcharts.errors import NotFoundError, QuotaExhaustedError, SoundchartsError

EDITIONS_INTERVAL_SECONDS = automation_settings_from_env().editions_sensor_interval_seconds


@dg.sensor(
    name="new_chart_editions",
    job=chart_cascade_job,
    minimum_interval_seconds=EDITIONS_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Polls each registered chart's latest edition date (1 call per chart) and fetches new editions.",
)
def new_chart_editions_sensor(
    context: dg.SensorEvaluationContext, soundcharts: SoundchartsResource, warehouse: WarehouseResource
) -> dg.SensorResult | dg.SkipReason:
    partitions = list(context.instance.get_dynamic_partitions(CHARTS_PARTITIONS_NAME))
    seen = parse_cursor(context.cursor)
    with warehouse.open() as wh:
        # A partition added in the UI is polled once the chart_registry sensor has checked it.
        followed = {row.slug for row in wh.list_charts()}
        slugs = [slug for slug in partitions if slug in followed]
        if not slugs:
            return dg.SkipReason("no chart registered: add one with `soundcharts-assets charts add SLUG`")
        skip = over_budget(wh, list(slugs), extra_calls=len(slugs))
    if skip is not None:
        return skip
    with soundcharts.open_client() as client, warehouse.open() as wh:
        try:
            polled = _poll_latest_editions(client, slugs, context.log)
        except QuotaExhaustedError as error:
            return dg.SkipReason(str(error))
        billed = {slug: poll.calls for slug, poll in polled.items()}
        wh.record_spend("new_chart_editions", billed, utc_now(), {slug: poll.sent for slug, poll in polled.items()})
        latest_available = {slug: poll.latest for slug, poll in polled.items() if poll.latest is not None}
        stored = {slug: wh.latest_ranking_date(slug) for slug in latest_available}
    editions = {request.slug: request for request in new_editions(latest_available, seen, stored)}
    seen.update({slug: latest.isoformat() for slug, latest in latest_available.items()})
    run_requests = fleet_run_requests(
        partitions,
        list(editions),
        run_key=lambda block: _editions_key(editions, block),
        tags={TRIGGER_TAG: "new_edition"},
        run_config=lambda block: _editions_config(editions, block),
    )
    return dg.SensorResult(run_requests=run_requests, cursor=dump_cursor(seen))


def _editions_key(editions: dict[str, EditionRequest], block: list[str]) -> str:
    """One run per set of editions, ever: ``slug:date`` for one chart, a digest of every ``slug:date`` else."""
    if len(block) == 1:
        return editions[block[0]].run_key
    digest = hashlib.sha256(",".join(editions[slug].run_key for slug in block).encode()).hexdigest()[:16]
    return f"{block[0]}..{block[-1]}({len(block)}):{digest}"


def _editions_config(editions: dict[str, EditionRequest], block: list[str]) -> dict[str, Any]:
    """Each chart fetches exactly the edition the sensor saw, even if a newer one lands before the run."""
    dates = {slug: editions[slug].ranking_date.isoformat() for slug in block}
    if len(block) == 1:
        return {"ops": {"chart_rankings": {"config": {"ranking_date": dates[block[0]]}}}}
    return {"ops": {"chart_rankings": {"config": {"editions": dates}}}}


@dataclass(frozen=True)
class _Poll:
    latest: datetime | None
    calls: int
    """Calls billed (2xx answers): what the quota is charged."""
    sent: int
    """Calls sent, retries included."""


def _poll_latest_editions(client: SoundchartsClient, slugs: list[str], log: Any) -> dict[str, _Poll]:
    """Each chart's newest edition date, polled 8 at a time (a 100-chart tick stays within seconds)."""

    def poll(slug: str) -> _Poll:
        before, sent_before = client.calls_billed_in_this_thread, client.calls_made_in_this_thread
        try:
            dates = client.list_ranking_dates(slug, max_items=1)
        except NotFoundError:
            log.warning(f"chart {slug!r} is unknown to the API; remove it or check the slug")
            dates = []
        except QuotaExhaustedError:
            raise
        except SoundchartsError as error:
            log.warning(f"chart {slug!r}: {error}")
            dates = []
        billed = client.calls_billed_in_this_thread - before
        return _Poll(dates[0] if dates else None, billed, client.calls_made_in_this_thread - sent_before)

    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(zip(slugs, pool.map(poll, slugs)))

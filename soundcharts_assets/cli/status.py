"""`soundcharts-assets status`: every followed chart at a glance, and what the account has left.

Per chart: its sync schedule and latest stored edition, its last run and that run's outcome, how fresh each
asset is, and the calls sent and billed for it in the last 24 hours and 30 days (the spend ledger; the words
are those of ``figures.py``). Below: the account's quota left from ``/team/usage``, which costs no quota.
Reads the instance and the warehouse in a handful of queries whatever the number of charts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import click

from soundcharts_assets.cli.errors import one_line_errors
from soundcharts_assets.cli.figures import CALLS_BILLED, CALLS_SENT, account_line, account_usage, plural
from soundcharts_assets.clock import utc_now
from soundcharts_assets.defs.partition_ranges import PARTITION_TAG, RANGE_END_TAG, RANGE_START_TAG

if TYPE_CHECKING:
    from soundcharts_assets.warehouse.spend import Calls

RUNS_READ, RUN_BATCH = 1000, 50
"""The newest runs ``status`` looks through for each chart's last run, and how many it reads at a time."""
ASSETS = ("chart_rankings", "tracks", "artists", "artist_metadata", "track_audience", "artist_audience")
SHORT = {"chart_rankings": "rank", "tracks": "trk", "artists": "art", "artist_metadata": "meta",
         "track_audience": "t.aud", "artist_audience": "a.aud"}  # fmt: skip


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@one_line_errors
def status(as_json: bool) -> None:
    """Every followed chart: schedule, latest edition, last run, freshness per asset, calls sent and billed,
    and the account's quota left."""
    from soundcharts_assets.cli.registry import open_instance
    from soundcharts_assets.cli.watch import watch_summary_lines
    from soundcharts_assets.defs.names import CHARTS_PARTITIONS_NAME
    from soundcharts_assets.warehouse.spend import UNOWNED, Calls

    now, none = utc_now(), Calls()
    with ThreadPoolExecutor(max_workers=1) as pool:
        # /team/usage answers (or fails, after a retry's pause) while the instance and the warehouse are read
        asked = pool.submit(account_usage)
        with open_instance() as instance:  # one instance for the registry and the runs: each open costs ~0.1 s
            slugs = list(instance.get_dynamic_partitions(CHARTS_PARTITIONS_NAME))
            runs = _last_runs(instance, slugs)
            fresh = {asset: _materialized_at(instance, asset) for asset in ASSETS}
        rows, spent_day, spent_month, alerts = _warehouse_figures(slugs, runs, fresh, now)
        account = asked.result()
    account["summary"] = account_line(account)
    if as_json:
        click.echo(json.dumps({"charts": rows, "account": account, "alerts": alerts}, default=str))
        return
    _print_table(rows, now)
    day, month = _sum(spent_day.values()), _sum(spent_month.values())
    click.echo(
        f"{plural(len(rows), 'chart')}; in 24 h: {day.sent:,} {CALLS_SENT}, {day.billed:,} {CALLS_BILLED}; "
        f"in 30 days: {month.sent:,} {CALLS_SENT}, {month.billed:,} {CALLS_BILLED} (editions sensor polls "
        f"included; {spent_month.get(UNOWNED, none).billed:,} billed to no single chart)"
    )
    click.echo(f"account: {account['summary']}")
    for line in watch_summary_lines(alerts["watchlists"], alerts["deliveries"], alerts["last_errors"]):
        click.echo(line)


def _warehouse_figures(
    slugs: Sequence[str], runs: Mapping[str, Any], fresh: Mapping[str, Mapping[str, datetime]], now: datetime
) -> tuple[list[dict[str, Any]], dict[str, Calls], dict[str, Calls], dict[str, Any]]:
    """Each chart's row (its schedule, edition and spend beside its ``runs`` and ``fresh``), the spend per chart
    over 24 hours and 30 days, and where the alerts stand."""
    from soundcharts_assets.cli.registry import open_warehouse
    from soundcharts_assets.cli.watch import watch_summary
    from soundcharts_assets.warehouse.spend import Calls

    none = Calls()
    with open_warehouse() as wh:
        schedules = {row.slug: row.sync_schedule for row in wh.list_charts()}
        spent_day = wh.calls_by_chart(now - timedelta(hours=24))
        spent_month = wh.calls_by_chart(now - timedelta(days=30))
        rows = [
            {
                "slug": slug,
                "sync_schedule": schedules.get(slug, "none"),
                "latest_edition": _day(wh.latest_ranking_date(slug)),
                "last_run": runs.get(slug, {}),
                "fresh": {asset: fresh[asset].get(slug) for asset in ASSETS},
                "calls_sent_24h": spent_day.get(slug, none).sent,
                "calls_billed_24h": spent_day.get(slug, none).billed,
                "calls_sent_30d": spent_month.get(slug, none).sent,
                "calls_billed_30d": spent_month.get(slug, none).billed,
            }
            for slug in slugs
        ]
        alerts = {"watchlists": watch_summary(wh), "deliveries": wh.delivery_counts(),
                  "last_errors": wh.last_delivery_errors()}  # fmt: skip
    return rows, spent_day, spent_month, alerts


def _sum(calls: Iterable[Calls]) -> Calls:
    from soundcharts_assets.warehouse.spend import Calls

    counted = list(calls)
    return Calls(sum(c.sent for c in counted), sum(c.billed for c in counted))


def _last_runs(instance: Any, slugs: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Each chart's newest run (one chart's, or a fleet range's that covers it) and its outcome."""
    index = {slug: i for i, slug in enumerate(slugs)}
    found: dict[str, dict[str, Any]] = {}
    for record in _newest_runs(instance):
        if _alerts_only(record.dagster_run):
            continue
        tags = record.dagster_run.tags
        covered = _covered(tags, index, slugs)
        for slug in covered:
            found.setdefault(
                slug,
                {
                    "run_id": record.dagster_run.run_id,
                    "status": record.dagster_run.status.value,
                    "at": record.create_timestamp,
                },
            )
        if len(found) == len(slugs):
            break
    return found


def _newest_runs(instance: Any, most: int = RUNS_READ, batch: int = RUN_BATCH) -> Iterator[Any]:
    """The ``most`` newest run records, newest first, read ``batch`` at a time: a fleet run usually covers
    every chart, so after a year of daily runs the first batch is enough, where one read of 1,000 records
    deserialized them all."""
    cursor, read = None, 0
    while read < most:
        records = instance.get_run_records(limit=min(batch, most - read), cursor=cursor)
        yield from records
        read += len(records)
        if len(records) < batch:
            return
        cursor = records[-1].dagster_run.run_id


def _alerts_only(run: Any) -> bool:
    """A run of the alerts asset alone (after a cascade): not the chart's refresh."""
    from soundcharts_assets.defs.names import ALERTS_ASSET, ALERTS_JOB_NAME

    selected = {key.to_user_string() for key in run.asset_selection or ()}
    return run.job_name == ALERTS_JOB_NAME or selected == {ALERTS_ASSET}


def _covered(tags: Mapping[str, str], index: Mapping[str, int], slugs: Sequence[str]) -> list[str]:
    if tags.get(PARTITION_TAG) in index:
        return [tags[PARTITION_TAG]]
    start, end = tags.get(RANGE_START_TAG, ""), tags.get(RANGE_END_TAG, "")
    if start in index and end in index:
        return list(slugs[index[start] : index[end] + 1])
    return []


def _materialized_at(instance: Any, asset: str) -> dict[str, datetime]:
    """When each chart partition of ``asset`` was last materialized: two queries per asset."""
    import dagster as dg
    from dagster._core.events import DagsterEventType

    key = dg.AssetKey(asset)
    latest = instance.event_log_storage.get_latest_storage_id_by_partition(key, DagsterEventType.ASSET_MATERIALIZATION)
    if not latest:
        return {}
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=key, storage_ids=list(latest.values())), limit=len(latest)
    ).records
    by_id = {record.storage_id: record.timestamp for record in records}
    return {slug: datetime.fromtimestamp(by_id[sid]).astimezone() for slug, sid in latest.items() if sid in by_id}


def _print_table(rows: list[dict[str, Any]], now: datetime) -> None:
    if not rows:
        click.echo("no chart registered: soundcharts-assets charts add SLUG")
        return
    fresh_header = " ".join(f"{SHORT[a]:>5}" for a in ASSETS)
    click.echo(
        f"{'CHART':<28} {'SCHED':<6} {'EDITION':<10} {'LAST RUN':<9} {'OUTCOME':<9} "
        f"{fresh_header} {'SENT 24H':>9} {'BILLED 24H':>10} {'BILLED 30D':>10}"
    )
    for row in rows:
        run = row["last_run"]
        ages = " ".join(f"{_age(row['fresh'][a], now):>5}" for a in ASSETS)
        click.echo(
            f"{row['slug']:<28} {row['sync_schedule']:<6} {row['latest_edition'] or '-':<10} "
            f"{run.get('run_id', '-')[:8]:<9} {run.get('status', '-').lower():<9} {ages} "
            f"{row['calls_sent_24h']:>9,} {row['calls_billed_24h']:>10,} {row['calls_billed_30d']:>10,}"
        )


def _age(when: datetime | None, now: datetime) -> str:
    """How long ago, in the largest whole unit: 40s, 12m, 5h, 3d; '-' for never."""
    if when is None:
        return "-"
    seconds = max(0, int((now - when).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _day(when: datetime | None) -> str | None:
    return when.date().isoformat() if when else None

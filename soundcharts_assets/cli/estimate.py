"""`cascade SLUG... --dry-run` (or `--all`): what refreshing the charts now would cost, as one table and a
total, before anything is spent (no API call).

The charts are priced together, as one run refreshes them (a song several charts share is counted for the
first): calls billed per asset, then calls billed and calls sent in all (the words of ``figures.py``). With
``--json``, one JSON line per chart (the keys ``cascade SLUG --dry-run`` always printed, and calls sent), and a
total line when there are several.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import click

from soundcharts_assets.cli.figures import CALLS_BILLED, CALLS_SENT, plural

COLUMNS = (("chart_rankings", "RANK"), ("tracks", "TRACKS"), ("artist_metadata", "META"),
           ("track_audience", "T.AUD"), ("artist_audience", "A.AUD"))  # fmt: skip
"""Calls billed per asset, in cascade order (``artists`` only links what is stored: never a call)."""


def print_estimates(slugs: Sequence[str], as_json: bool = False) -> None:
    rows = estimate_documents(slugs)
    total = estimates_total(rows)
    if as_json:
        for row in rows:
            click.echo(json.dumps(row))
        if len(rows) > 1:
            click.echo(json.dumps(total))
        return
    for line in estimate_table(rows, total):
        click.echo(line)


def estimate_documents(slugs: Sequence[str]) -> list[dict[str, Any]]:
    """One document per chart (``cost.estimate_document``), priced together as one run would refresh them,
    against the environment's warehouse and settings. No API call."""
    from soundcharts_assets.cascade.cost import estimate, estimate_document, stored_states
    from soundcharts_assets.clock import utc_now
    from soundcharts_assets.settings import api_settings_from_env, freshness_from_env
    from soundcharts_assets.warehouse import Warehouse

    rate = api_settings_from_env().rate_limit_per_minute
    with Warehouse.from_env() as wh:
        wh.migrate()  # a chart registered in Dagster may not have reached a fresh warehouse yet
        states = stored_states(wh, slugs, freshness_from_env(), utc_now())
    return [estimate_document(slug, estimate(state), state, rate) for slug, state in states.items()]


def estimates_total(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The charts together: calls billed and sent, and the time at the rate limit."""
    sent = sum(row["calls_sent"] for row in rows)
    rate = rows[0]["rate_limit_per_minute"] if rows else 0
    return {
        "charts": len(rows),
        "total_calls": sum(row["total_calls"] for row in rows),
        "calls_sent": sent,
        "seconds_at_rate_limit": round(sent * 60 / rate, 1) if rate else 0.0,
        "rate_limit_per_minute": rate,
    }


def estimate_table(rows: Sequence[dict[str, Any]], total: dict[str, Any]) -> list[str]:
    """The table: a line per chart (its size, calls billed per asset, billed and sent in all), the total."""
    header = " ".join(f"{title:>7}" for _, title in COLUMNS)
    lines = [f"{'CHART':<28} {'ENTRIES':>7} {header} {'BILLED':>8} {'SENT':>8}  NOTE"]
    for row in rows:
        assets = " ".join(f"{row['estimated_calls'][asset]:>7,}" for asset, _ in COLUMNS)
        lines.append(
            f"{row['chart']:<28} {_size(row['basis']):>7} {assets} {row['total_calls']:>8,} "
            f"{row['calls_sent']:>8,}  {_note(row)}".rstrip()
        )
    blank = " " * (7 * len(COLUMNS) + len(COLUMNS) - 1)
    lines.append(
        f"{'total, ' + plural(total['charts'], 'chart'):<28} {'':>7} {blank} {total['total_calls']:>8,} "
        f"{total['calls_sent']:>8,}"
    )
    lines.append(
        f"{CALLS_BILLED}: what the monthly quota would be charged (2xx answers); {CALLS_SENT}: every request, "
        f"404s included, about {total['seconds_at_rate_limit']:,} s at {total['rate_limit_per_minute']:,} calls/min"
    )
    return lines


def _size(basis: dict[str, Any]) -> str:
    """The entries the estimate assumed: the chart's size, its stored edition's, or a guess (``100?``)."""
    from soundcharts_assets.cascade.cost import DEFAULT_CHART_SIZE

    size = basis["chart_size"] or basis["edition_size"]
    return f"{size:,}" if size else f"{DEFAULT_CHART_SIZE}?"


def _note(row: dict[str, Any]) -> str:
    basis = row["basis"]
    notes = []
    if row["first_fetch"]:
        notes.append("first fetch (songs already stored cost less)")
    elif basis["new_editions"]:
        notes.append(f"{plural(basis['new_editions'], 'new edition')}")
    if not (basis["chart_size"] or basis["edition_size"]):
        notes.append("size unknown")
    return "; ".join(notes)

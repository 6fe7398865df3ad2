"""Staleness in the UI: a ``FreshnessPolicy`` on every cascade asset, derived from the charts' cadence.

Dagster's daemon (open source since 1.12) evaluates each policy against the asset's latest materialization and
shows the asset as fresh, warning or failing (a badge on the asset's page and in the lineage graph; a freshness
event in its history). Charts publish at most daily and the ``daily_charts`` schedule refreshes them by
07:00 UTC, so a cascade asset warns when no chart was refreshed for a day and two hours (today's refresh is
late) and fails after two days (a refresh was missed). A policy is per asset, not per chart partition: which
chart went stale is the ``stale`` alert (``alerts/charts.py``), and `soundcharts-assets status` shows each
chart's age.
"""

from collections.abc import Sequence
from datetime import timedelta

import dagster as dg

from soundcharts_assets.alerts.charts import CADENCE_DAYS
from soundcharts_assets.vocabulary import SyncSchedule

REFRESH_SLACK = timedelta(hours=2)
"""How long a scheduled refresh may take (a fleet run) before it counts as late."""


def cascade_freshness(schedule: SyncSchedule = SyncSchedule.DAILY) -> dg.FreshnessPolicy:
    """Warn one cadence (plus the refresh's slack) after the last materialization, fail after two cadences."""
    cadence = timedelta(days=CADENCE_DAYS[schedule.value])
    return dg.FreshnessPolicy.time_window(fail_window=2 * cadence, warn_window=cadence + REFRESH_SLACK)


def with_freshness(assets: Sequence[dg.AssetsDefinition]) -> Sequence[dg.AssetsDefinition]:
    """``assets`` with the cascade's freshness policy on each of their specs."""
    policy = cascade_freshness()
    return dg.map_asset_specs(lambda spec: dg.apply_freshness_policy(spec, policy), assets)

"""One alerts refresh: find the events of the refreshed charts, keep the new ones, deliver what is due.

What the ``alerts`` asset runs after a cascade, and what tests and the benchmark call directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from soundcharts_assets.alerts.channels import Channel, channels_from_settings
from soundcharts_assets.alerts.delivery import ChannelOutcome, deliver
from soundcharts_assets.alerts.detect import detect_events
from soundcharts_assets.settings import AlertSettings
from soundcharts_assets.warehouse import Warehouse
from soundcharts_assets.warehouse.alerts import AlertEvent, Delivery


@dataclass(frozen=True)
class AlertsOutcome:
    """Per chart, the events found in the window; which were new; what each channel did; where each stands."""

    events: Mapping[str, list[AlertEvent]]
    new_keys: frozenset[str]
    channels: list[ChannelOutcome]
    deliveries: Mapping[str, list[Delivery]] = field(default_factory=dict)

    def events_of(self, slug: str) -> list[AlertEvent]:
        return list(self.events.get(slug, []))


def refresh_alerts(
    wh: Warehouse,
    slugs: Sequence[str],
    settings: AlertSettings,
    now: datetime,
    channels: Sequence[Channel] | None = None,
) -> AlertsOutcome:
    """Detect, record (new events only, each with a pending delivery per configured channel), deliver."""
    channels = channels_from_settings(settings) if channels is None else channels
    found = detect_events(wh, slugs, settings, now.date())
    every = list({event.key: event for events in found.values() for event in events}.values())
    new = wh.record_alert_events(every, [channel.name for channel in channels], now)
    outcomes = deliver(wh, channels, now)
    deliveries = wh.alert_deliveries_of(event.key for event in every)
    return AlertsOutcome(found, frozenset(new), outcomes, deliveries)

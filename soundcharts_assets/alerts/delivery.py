"""Delivering digests exactly once per event and channel, whatever runs are retried or repeated.

Per channel: claim what is due in the ledger (a conditional update: two runs never claim the same row),
send one digest, record the outcome. A failed channel keeps its rows, retried at a later run once a backoff
has passed (5 min, doubling, at most 6 h): never in this run, so a channel that is down costs one timeout per
run and never holds the run up. A failure stops that channel for this run; the other channels go on.

The one window this cannot close is a crash after a channel accepted a digest and before the ledger recorded
it. We choose to send that digest again (at least once, rather than at most once: a lost alert is worse than
a repeated one): its rows keep their digest id and lease, and once the lease lapses the next run sends the same
digest whole, under the same id (the webhook's ``Idempotency-Key``, the e-mail's ``Message-ID``), marked as
sent again. Slack cannot deduplicate, so there the crash shows as one repeated message.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from soundcharts_assets.alerts.channels import Channel, ChannelError
from soundcharts_assets.alerts.digest import build_digest
from soundcharts_assets.warehouse import Warehouse

FIRST_RETRY = timedelta(minutes=5)
LONGEST_RETRY = timedelta(hours=6)
LEASE = timedelta(minutes=10)
"""How long a claimed digest is ours to send: well above a channel's timeouts, so only a dead run lets it lapse."""


def retry_delay(attempt: int) -> timedelta:
    """The wait after failed attempt ``attempt`` (1, 2, ...): 5 min, 10, 20, ..., at most 6 h."""
    delay: timedelta = FIRST_RETRY * 2 ** max(0, attempt - 1)
    return min(delay, LONGEST_RETRY)


@dataclass(frozen=True)
class ChannelOutcome:
    """What one channel did in this run."""

    channel: str
    digests: int = 0
    sent: int = 0
    failed: int = 0
    error: str | None = None
    retry_at: datetime | None = None

    def summary(self) -> str:
        if self.error:
            return f"{self.channel}: {self.failed} not delivered, retried after {self.retry_at:%Y-%m-%d %H:%M} UTC: {self.error}"
        if not self.digests:
            return f"{self.channel}: nothing due"
        return f"{self.channel}: {self.sent} event(s) delivered in {self.digests} digest(s)"


def deliver(wh: Warehouse, channels: Sequence[Channel], now: datetime) -> list[ChannelOutcome]:
    """Send each channel what is due (digests of dead runs first, then one new digest)."""
    return [_deliver_one(wh, channel, now) for channel in channels]


def _deliver_one(wh: Warehouse, channel: Channel, now: datetime) -> ChannelOutcome:
    claims = wh.claim_alert_deliveries(channel.name, uuid.uuid4().hex, now, now + LEASE)
    sent = digests = failed = 0
    error: str | None = None
    retry_at: datetime | None = None
    for claim in claims:
        if error is None:
            try:
                channel.send(build_digest(claim, now))
            except ChannelError as problem:
                error = str(problem)
                retry_at = now + retry_delay(claim.attempts + 1)
            else:
                sent += wh.finish_alert_delivery(claim, now)
                digests += 1
                continue
        # this claim failed, or an earlier one did: the channel is down for this run, try again later
        failed += wh.finish_alert_delivery(claim, now, error=error, retry_at=retry_at)
    return ChannelOutcome(channel.name, digests, sent, failed, error, retry_at)

"""Alerts in the warehouse: what event computation reads, the events found, and the ledger of their delivery.

Events are computed from stored data only (``alerts/``); this store reads that data in a few queries per
chart, keeps each event once under its identity key (``alert_events``), and keeps one ledger row per event
and channel (``alert_deliveries``). A digest claims the rows it will carry (status ``sending``, a digest id and
a lease) before it is sent and marks them ``sent`` or ``failed`` after, so two runs never send the same row,
and a run that died between the two leaves rows whose lease lapses and whose digest is sent again whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from soundcharts_assets.vocabulary import DeliveryStatus
from soundcharts_assets.warehouse.charts import latest_ranking_date
from soundcharts_assets.warehouse.schema import alert_deliveries, alert_events, chart_rankings, track_artists
from soundcharts_assets.warehouse.store import Store
from soundcharts_assets.warehouse.upserts import chunks, unique, upsert

_e, _d, _r = alert_events.c, alert_deliveries.c, chart_rankings.c
PENDING, SENDING, SENT, FAILED = (s.value for s in DeliveryStatus)


@dataclass(frozen=True)
class AlertEvent:
    """One event as computed and stored: ``key`` is its identity, ``figures`` say why (JSON-friendly values)."""

    key: str
    watchlist: str
    kind: str
    chart_slug: str | None
    subject_uuid: str | None
    event_date: date
    message: str
    figures: dict[str, Any] = field(default_factory=dict)
    detected_at: datetime | None = None

    def as_row(self, detected_at: datetime) -> dict[str, Any]:
        return {
            "event_key": self.key,
            "watchlist": self.watchlist,
            "kind": self.kind,
            "chart_slug": self.chart_slug,
            "subject_uuid": self.subject_uuid,
            "event_date": self.event_date,
            "message": self.message,
            "figures": json.dumps(self.figures, sort_keys=True, default=str),
            "detected_at": detected_at,
        }


@dataclass(frozen=True)
class Delivery:
    """An event's state on one channel."""

    channel: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    sent_at: datetime | None


@dataclass(frozen=True)
class Claim:
    """Rows one digest carries: a fresh digest, or one a dead run claimed and that is sent again as it was."""

    channel: str
    digest_id: str
    events: list[AlertEvent]
    attempts: int
    resent: bool = False


def _event(row: Any) -> AlertEvent:
    return AlertEvent(
        key=row.event_key,
        watchlist=row.watchlist,
        kind=row.kind,
        chart_slug=row.chart_slug,
        subject_uuid=row.subject_uuid,
        event_date=row.event_date,
        message=row.message,
        figures=json.loads(row.figures),
        detected_at=row.detected_at,
    )


class AlertStore(Store):
    """The events found and their delivery ledger."""

    def record_alert_events(self, events: Sequence[AlertEvent], channels: Iterable[str], now: datetime) -> list[str]:
        """Store the events not stored yet, each with a pending delivery per channel, in one transaction (an
        event is never stored without its deliveries); returns the keys that were new."""
        channels = list(channels)

        def work(conn: sa.Connection) -> list[str]:
            keys = unique(event.key for event in events)
            known: set[str] = set()
            for part in chunks(keys):
                known.update(conn.scalars(sa.select(_e.event_key).where(_e.event_key.in_(part))))
            new = [event for event in events if event.key not in known]
            upsert(conn, alert_events, [event.as_row(now) for event in new], do_nothing=True)
            rows = [
                {
                    "event_key": event.key,
                    "channel": channel,
                    "status": PENDING,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "updated_at": now,
                }
                for event in new
                for channel in channels
            ]
            upsert(conn, alert_deliveries, rows, do_nothing=True)
            return unique(event.key for event in new)

        return self._write(work)

    def claim_alert_deliveries(self, channel: str, digest_id: str, now: datetime, until: datetime) -> list[Claim]:
        """Claim what ``channel`` should send now: first each digest whose sender died (its lease lapsed), to be
        sent again as it was, then every pending row and every failed row whose backoff is over, as one new
        digest ``digest_id``. A claim is a conditional update, so two runs never claim the same row."""
        claims = []
        lapsed = sa.and_(_d.channel == channel, _d.status == SENDING, _d.claimed_until < now)
        with self._read() as conn:
            dead = list(conn.scalars(sa.select(_d.digest_id).where(lapsed).distinct().order_by(_d.digest_id)))
        for old_id in dead:
            retake = alert_deliveries.update().where(lapsed, _d.digest_id == old_id).values(claimed_until=until)
            if self._rows_updated(retake):
                claims.append(self._claim(channel, old_id, resent=True))
        due = sa.or_(_d.status == PENDING, sa.and_(_d.status == FAILED, _d.next_attempt_at <= now))
        take = (
            alert_deliveries.update()
            .where(_d.channel == channel, due)
            .values(status=SENDING, digest_id=digest_id, claimed_until=until, updated_at=now)
        )
        if self._rows_updated(take):
            claims.append(self._claim(channel, digest_id))
        return [claim for claim in claims if claim.events]

    def _rows_updated(self, stmt: sa.Update) -> int:
        return int(self._write(lambda conn: conn.execute(stmt).rowcount))

    def _claim(self, channel: str, digest_id: str, resent: bool = False) -> Claim:
        mine = sa.and_(_d.channel == channel, _d.digest_id == digest_id, _d.status == SENDING)
        stmt = (
            sa.select(alert_events, _d.attempts)
            .select_from(alert_events.join(alert_deliveries, _d.event_key == _e.event_key))
            .where(mine)
            .order_by(_e.watchlist, _e.event_date, _e.kind, _e.event_key)
        )
        with self._read() as conn:
            rows = conn.execute(stmt).all()
        attempts = max((row.attempts for row in rows), default=0)
        return Claim(channel, digest_id, [_event(row) for row in rows], attempts, resent)

    def finish_alert_delivery(
        self, claim: Claim, now: datetime, error: str | None = None, retry_at: datetime | None = None
    ) -> int:
        """Mark a claimed digest's rows ``sent``, or ``failed`` with ``error`` and their next attempt at
        ``retry_at``; returns the rows marked."""
        mine = sa.and_(_d.channel == claim.channel, _d.digest_id == claim.digest_id, _d.status == SENDING)
        common = {"attempts": _d.attempts + 1, "claimed_until": None, "updated_at": now}
        if error is None:
            values = {**common, "status": SENT, "sent_at": now, "last_error": None}
        else:
            values = {**common, "status": FAILED, "digest_id": None, "last_error": error[:500]}
            values["next_attempt_at"] = retry_at or now
        return self._rows_updated(alert_deliveries.update().where(mine).values(**values))

    def alert_events_since(
        self, since: date | None = None, watchlist: str | None = None
    ) -> list[tuple[AlertEvent, list[Delivery]]]:
        """Stored events dated ``since`` or later (of one watchlist), oldest first, each with its delivery on
        every channel."""
        stmt = sa.select(alert_events).order_by(_e.event_date, _e.watchlist, _e.kind, _e.event_key)
        if since is not None:
            stmt = stmt.where(_e.event_date >= since)
        if watchlist is not None:
            stmt = stmt.where(_e.watchlist == watchlist)
        with self._read() as conn:
            events = [_event(row) for row in conn.execute(stmt)]
        deliveries = self.alert_deliveries_of(event.key for event in events)
        return [(event, deliveries.get(event.key, [])) for event in events]

    def chart_alert_events(self, slug: str, since: date) -> list[AlertEvent]:
        """Events dated ``since`` or later about a chart: its own (moves, staleness) and those of the songs and
        artists of its latest edition (spikes, milestones), newest first."""
        with self._read() as conn:
            latest = latest_ranking_date(conn, slug)
            songs = sa.select(_r.song_uuid).where(_r.chart_slug == slug, _r.ranking_date == latest)
            artists = sa.select(track_artists.c.artist_uuid).where(track_artists.c.song_uuid.in_(songs))
            about = sa.and_(_e.chart_slug.is_(None), sa.or_(_e.subject_uuid.in_(songs), _e.subject_uuid.in_(artists)))
            stmt = (
                sa.select(alert_events)
                .where(_e.event_date >= since, sa.or_(_e.chart_slug == slug, about))
                .order_by(_e.event_date.desc(), _e.watchlist, _e.kind, _e.event_key)
            )
            return [_event(row) for row in conn.execute(stmt)]

    def alert_deliveries_of(self, keys: Iterable[str]) -> dict[str, list[Delivery]]:
        """Each event's delivery on every channel, by event key."""
        found: dict[str, list[Delivery]] = {}
        with self._read() as conn:
            for part in chunks(unique(keys)):
                query = sa.select(alert_deliveries).where(_d.event_key.in_(part)).order_by(_d.channel)
                for row in conn.execute(query):
                    found.setdefault(row.event_key, []).append(
                        Delivery(
                            row.channel, row.status, row.attempts, row.next_attempt_at, row.last_error, row.sent_at
                        )
                    )
        return found

    def delivery_counts(self) -> dict[str, dict[str, int]]:
        """Ledger rows per channel and status, for `status`."""
        stmt = sa.select(_d.channel, _d.status, sa.func.count()).group_by(_d.channel, _d.status)
        found: dict[str, dict[str, int]] = {}
        with self._read() as conn:
            for channel, status, count in conn.execute(stmt):
                found.setdefault(channel, {})[status] = int(count)
        return found

    def last_delivery_errors(self) -> dict[str, str]:
        """The newest error of each channel that still has failed rows."""
        stmt = (
            sa.select(_d.channel, _d.last_error)
            .where(_d.status == FAILED, _d.last_error.is_not(None))
            .order_by(_d.updated_at.desc())
        )
        found: dict[str, str] = {}
        with self._read() as conn:
            for channel, error in conn.execute(stmt):
                found.setdefault(channel, error)
        return found

"""Leases (``audience_claims``): short claims on an audience series or on an entity's metadata.

Two runs on overlapping charts share songs and artists; without a lease both would put the shared ones in
their batches and pay for them twice. A run leases what is due, fetches and stores it, then releases the
lease; the other run leaves leased items out and waits until they are stored or the lease lapses (its run
died). A metadata lease is a row whose ``platform`` is ``METADATA_LEASE``, so it never meets an audience one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa

from soundcharts_assets.due import RefreshPolicy
from soundcharts_assets.vocabulary import METADATA_LEASE, EntityKind
from soundcharts_assets.warehouse.audience import due_audience
from soundcharts_assets.warehouse.catalogue import due_metadata_uuids
from soundcharts_assets.warehouse.schema import audience_claims
from soundcharts_assets.warehouse.store import Store
from soundcharts_assets.warehouse.upserts import chunks, unique, upsert

Pair = tuple[str, str]
"""(uuid, platform): one leased series, or one entity's metadata with platform ``METADATA_LEASE``."""


# Long on purpose: lock, read what is due, skip what others hold and lease the rest must share one transaction.
def _lease(
    conn: sa.Connection,
    entity: str,
    find_due: Callable[[], list[Pair]],
    owner: str,
    lease_seconds: float,
    limit: int,
) -> list[Pair]:
    """Lease up to ``limit`` of the pairs ``find_due`` returns that no other owner holds.

    Claimers are serialised (Postgres: a table lock held to the end of this short transaction; SQLite: the
    write transaction is already ``BEGIN IMMEDIATE``), so two runs can never lease the same pair; what is
    due is read after the lock, so a pair another run stored a moment ago is not leased again. An owner
    may take back its own unexpired leases: a chart's re-run after a killed run continues where it stopped.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("LOCK TABLE audience_claims IN SHARE ROW EXCLUSIVE MODE"))
    due = find_due()
    if not due:
        return []
    wall_clock = time.time()
    c = audience_claims.c
    held: set[Pair] = set()
    for part in chunks(unique(uuid for uuid, _ in due)):
        held.update(
            conn.execute(
                sa.select(c.entity_uuid, c.platform).where(
                    c.entity == entity, c.entity_uuid.in_(part), c.claimed_until > wall_clock, c.claimed_by != owner
                )
            ).tuples()
        )
    claimed = [pair for pair in due if pair not in held][:limit]
    upsert(
        conn,
        audience_claims,
        [
            {
                "entity": entity,
                "entity_uuid": uuid,
                "platform": platform,
                "claimed_by": owner,
                "claimed_until": wall_clock + lease_seconds,
            }
            for uuid, platform in claimed
        ],
    )
    return claimed


class LeaseStore(Store):
    """Claim what is due for one run, and release it once stored or given up."""

    def claim_due_audience(
        self,
        entity: str,
        uuids: Iterable[str],
        platforms: Iterable[str],
        max_age: timedelta | RefreshPolicy,
        now: datetime,
        owner: str,
        lease: timedelta = timedelta(minutes=10),
        limit: int = 128,
    ) -> list[Pair]:
        """Due pairs leased to ``owner`` (at most ``limit``); pairs another run holds are left out."""
        kind = EntityKind.parse(entity, "entity").value
        wanted, wanted_platforms = list(uuids), list(platforms)
        return self._write(
            lambda conn: _lease(
                conn,
                kind,
                lambda: due_audience(conn, kind, wanted, wanted_platforms, max_age, now),
                owner,
                lease.total_seconds(),
                limit,
            )
        )

    def claim_due_metadata(
        self,
        entity: str,
        uuids: Iterable[str],
        max_age: timedelta,
        now: datetime,
        owner: str,
        lease: timedelta = timedelta(minutes=10),
        limit: int = 1000,
    ) -> list[str]:
        """Songs or artists whose metadata is due, leased to ``owner``; those another run holds are left out."""
        kind = EntityKind.parse(entity, "entity").value
        wanted = list(uuids)

        def find_due(conn: sa.Connection) -> list[Pair]:
            return [(uuid, METADATA_LEASE) for uuid in due_metadata_uuids(conn, kind, wanted, max_age, now)]

        pairs = self._write(
            lambda conn: _lease(conn, kind, lambda: find_due(conn), owner, lease.total_seconds(), limit)
        )
        return [uuid for uuid, _ in pairs]

    def release_claims(self, entity: str, pairs: Iterable[Pair], owner: str) -> None:
        """Drop ``owner``'s leases on (uuid, platform) pairs; a metadata lease's platform is ``"metadata"``.

        Leases also lapse on their own; releasing matters when another run finds the pairs due again at
        once (a short freshness window) or when this run failed and will not store them.
        """
        by_platform: dict[str, list[str]] = {}
        for uuid, platform in pairs:
            by_platform.setdefault(platform, []).append(uuid)
        c = audience_claims.c

        def work(conn: sa.Connection) -> None:
            for platform, uuids in by_platform.items():
                for part in chunks(unique(uuids)):
                    conn.execute(
                        sa.delete(audience_claims).where(
                            c.entity == entity, c.platform == platform, c.claimed_by == owner, c.entity_uuid.in_(part)
                        )
                    )

        self._write(work)

    def release_metadata_claims(self, entity: str, uuids: Iterable[str], owner: str) -> None:
        self.release_claims(entity, [(uuid, METADATA_LEASE) for uuid in uuids], owner)

    def release_owner_claims(self, owner: str) -> int:
        """Drop every lease ``owner`` holds (a run known to be dead); how many were dropped."""
        stmt = sa.delete(audience_claims).where(audience_claims.c.claimed_by == owner)
        return self._write(lambda conn: conn.execute(stmt).rowcount)

    def renew_claims(self, owner: str, lease: timedelta) -> int:
        """Extend every unexpired lease ``owner`` holds to ``lease`` from now; how many were renewed.

        A holder that is alive renews its leases well before they lapse; one that died (a killed worker, a
        lost host) stops renewing, so others take its work over within one lease.
        """
        c = audience_claims.c
        wall_clock = time.time()
        stmt = (
            sa.update(audience_claims)
            .where(c.claimed_by == owner, c.claimed_until > wall_clock)
            .values(claimed_until=wall_clock + lease.total_seconds())
        )
        return self._write(lambda conn: conn.execute(stmt).rowcount)

"""Leases: overlapping runs never pay twice for one song, artist or audience series.

Charts share songs and artists, and two runs may refresh overlapping charts (or the same chart) at once.
Before fetching, a run leases what is due in the warehouse (``audience_claims``); what another run holds is
left to that run, and waited for until it is stored or its lease lapses. One loop, :func:`fetch_under_lease`,
does this for metadata and audience alike; the two differ only in what a key is (a uuid, or a (uuid, source)
pair) and how the warehouse leases it, which :class:`MetadataLeases` and :class:`AudienceLeases` say.

A lease belongs to an owner: the Dagster run (its root run, so a retry of a killed run takes back what the
killed run held), or a fresh id for a call outside Dagster. Leases are short (:data:`LEASE`) and renewed by a
heartbeat while their holder works, so a holder that died (SIGKILL, a lost host) blocks others for at most
one lease, while a slow but alive holder keeps its work.
"""

from __future__ import annotations

import threading
import time
import uuid as uuidlib
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, Protocol, TypeVar

from soundcharts_assets.due import RefreshPolicy
from soundcharts_assets.warehouse import Warehouse

K = TypeVar("K", bound=Hashable)
Pair = tuple[str, str]

CLAIM_POLL_SECONDS = 1.0
"""How often a step checks whether what another run has leased is stored yet."""
LEASE = timedelta(seconds=60)
"""How long a lease lasts without renewal: what a dead holder can make others wait."""
HEARTBEAT_SECONDS = LEASE.total_seconds() / 4
"""How often a live holder renews its leases."""
AUDIENCE_CLAIM_CHUNK = 128
"""Audience series are leased in chunks: small enough that a dead run blocks others briefly, big enough that
the thread pool rarely drains between chunks."""


@contextmanager
def lease_heartbeat(warehouse: Warehouse, owner: str, every: float = HEARTBEAT_SECONDS) -> Iterator[None]:
    """Renew ``owner``'s leases in the background while the block runs (one UPDATE per beat)."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            try:
                warehouse.renew_claims(owner, LEASE)
            except Exception:
                continue

    thread = threading.Thread(target=beat, name=f"lease-heartbeat-{owner}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every)


def new_owner() -> str:
    """A lease owner for work outside a Dagster run (tests, benchmarks): nobody else shares it."""
    return f"call-{uuidlib.uuid4().hex}"


class Leases(Protocol, Generic[K]):
    """How the warehouse leases one kind of key."""

    def claim(self, keys: Sequence[K]) -> list[K]:
        """Lease the due keys among ``keys`` that no other owner holds."""

    def due(self, keys: Sequence[K]) -> list[K]:
        """The keys among ``keys`` that are still due (stored by nobody yet)."""

    def release(self, keys: Sequence[K]) -> None:
        """Give the leases back once the keys are stored, or given up."""


def fetch_under_lease(
    leases: Leases[K],
    keys: Sequence[K],
    fetch: Callable[[list[K]], None],
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Fetch every due key of ``keys`` exactly once across all runs; return when none is due.

    Each key is asked for at most once per call, even if its answer leaves it due (a merged song answered
    under another uuid): asking again would spend calls in a loop. Leases are released whatever happens, so a
    failed run never makes a later one wait out its lease.
    """
    tried: set[K] = set()
    while True:  # one claim, one fetch (or one wait) per turn; ends when nothing of ``keys`` is due
        untried = [key for key in keys if key not in tried]
        leased = leases.claim(untried)
        if leased:
            tried.update(leased)
            try:
                fetch(leased)
            finally:
                leases.release(leased)
        elif leases.due(untried):
            sleep(CLAIM_POLL_SECONDS)
        else:
            return


@dataclass(frozen=True)
class MetadataLeases:
    """Songs or artists (``entity``) whose metadata is missing or older than ``max_age``."""

    warehouse: Warehouse
    entity: str
    max_age: timedelta
    now: datetime
    owner: str

    def claim(self, keys: Sequence[str]) -> list[str]:
        return self.warehouse.claim_due_metadata(self.entity, keys, self.max_age, self.now, self.owner, lease=LEASE)

    def due(self, keys: Sequence[str]) -> list[str]:
        return self.warehouse.due_metadata_uuids(self.entity, keys, self.max_age, self.now)

    def release(self, keys: Sequence[str]) -> None:
        self.warehouse.release_metadata_claims(self.entity, keys, self.owner)


@dataclass(frozen=True)
class AudienceLeases:
    """(uuid, source) series of songs or artists that are due (``max_age``: a window or a refresh policy)."""

    warehouse: Warehouse
    entity: str
    max_age: timedelta | RefreshPolicy
    now: datetime
    owner: str

    def claim(self, keys: Sequence[Pair]) -> list[Pair]:
        uuids, sources = _axes(keys)
        leased = self.warehouse.claim_due_audience(
            self.entity, uuids, sources, self.max_age, self.now, self.owner, lease=LEASE, limit=AUDIENCE_CLAIM_CHUNK
        )
        wanted = set(keys)
        unwanted = [pair for pair in leased if pair not in wanted]  # a tried pair due again: not twice
        if unwanted:
            self.release(unwanted)
        return [pair for pair in leased if pair in wanted]

    def due(self, keys: Sequence[Pair]) -> list[Pair]:
        uuids, sources = _axes(keys)
        wanted = set(keys)
        due = self.warehouse.due_audience(self.entity, uuids, sources, self.max_age, self.now)
        return [pair for pair in due if pair in wanted]

    def release(self, keys: Sequence[Pair]) -> None:
        self.warehouse.release_claims(self.entity, keys, self.owner)


def _axes(pairs: Sequence[Pair]) -> tuple[list[str], list[str]]:
    """The uuids and sources of ``pairs``, in first-seen order (the warehouse leases their product)."""
    uuids = list(dict.fromkeys(uuid for uuid, _ in pairs))
    sources = list(dict.fromkeys(source for _, source in pairs))
    return uuids, sources


def fetch_leased_metadata(
    warehouse: Warehouse,
    entity: str,
    uuids: Sequence[str],
    max_age: timedelta,
    now: datetime,
    owner: str,
    fetch: Callable[[list[str]], None],
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """The due songs or artists among ``uuids``, leased, then handed to ``fetch``."""
    with lease_heartbeat(warehouse, owner):
        fetch_under_lease(MetadataLeases(warehouse, entity, max_age, now, owner), list(uuids), fetch, sleep)


def fetch_leased_audience(
    warehouse: Warehouse,
    entity: str,
    uuids: Sequence[str],
    sources: Sequence[str],
    max_age: timedelta | RefreshPolicy,
    now: datetime,
    owner: str,
    fetch: Callable[[list[Pair]], None],
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Every due (uuid, source) series of ``uuids``, leased a chunk at a time, then handed to ``fetch``."""
    pairs = [(uuid, source) for uuid in dict.fromkeys(uuids) for source in sources]
    with lease_heartbeat(warehouse, owner):
        fetch_under_lease(AudienceLeases(warehouse, entity, max_age, now, owner), pairs, fetch, sleep)

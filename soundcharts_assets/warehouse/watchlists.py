"""Watchlists in the warehouse (``watchlists``): the artists, labels and charts a user wants to hear about.

Watching costs no API call: an artist is looked up among the stored ones (by uuid or slug) only to show its
name, and one that is not stored yet is kept as typed and matched from the day it appears. Labels are names,
matched case-insensitively against the labels of stored tracks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from soundcharts_assets.warehouse.schema import artists, tracks, watchlists
from soundcharts_assets.warehouse.store import Store
from soundcharts_assets.warehouse.upserts import upsert


@dataclass(frozen=True)
class Watch:
    """One watched thing: ``target`` is an artist uuid or slug, a label name, or a chart slug."""

    watchlist: str
    kind: str
    target: str
    display_name: str | None
    added_at: datetime


@dataclass(frozen=True)
class StoredArtist:
    uuid: str
    slug: str | None
    name: str | None


class WatchlistStore(Store):
    """Add, remove and list watches, and find what a typed target names among the stored data."""

    def add_watch(self, watch: Watch) -> bool:
        """Store ``watch``; False when that watchlist already had it (nothing changes then)."""
        w = watchlists.c
        key = (w.watchlist == watch.watchlist, w.kind == watch.kind, w.target == watch.target)

        def work(conn: sa.Connection) -> bool:
            if conn.execute(sa.select(sa.func.count()).select_from(watchlists).where(*key)).scalar_one():
                return False
            upsert(conn, watchlists, [vars(watch)], do_nothing=True)
            return True

        return self._write(work)

    def remove_watch(self, watchlist: str, kind: str, target: str) -> bool:
        w = watchlists.c
        stmt = watchlists.delete().where(w.watchlist == watchlist, w.kind == kind, w.target == target)
        return self._write(lambda conn: bool(conn.execute(stmt).rowcount))

    def list_watches(self, watchlist: str | None = None) -> list[Watch]:
        w = watchlists.c
        stmt = sa.select(watchlists).order_by(w.watchlist, w.kind, w.target)
        if watchlist is not None:
            stmt = stmt.where(w.watchlist == watchlist)
        with self._read() as conn:
            return [Watch(**row) for row in conn.execute(stmt).mappings()]

    def find_artist(self, uuid_or_slug: str) -> StoredArtist | None:
        """The stored artist whose uuid or slug this is (the newest fetched first when slugs repeat)."""
        a = artists.c
        stmt = (
            sa.select(a.artist_uuid, a.slug, a.name)
            .where(sa.or_(a.artist_uuid == uuid_or_slug, a.slug == uuid_or_slug))
            .order_by((a.artist_uuid == uuid_or_slug).desc(), a.fetched_at.desc())
            .limit(1)
        )
        with self._read() as conn:
            row = conn.execute(stmt).first()
        return StoredArtist(*row) if row else None

    def stored_label(self, name: str) -> str | None:
        """The label as stored on some track (its own spelling) when one carries ``name``, else None."""
        wanted = name.casefold()
        stmt = sa.select(tracks.c.labels).where(sa.func.lower(tracks.c.labels).contains(name.lower()))
        with self._read() as conn:
            for text in conn.scalars(stmt):
                for label in json.loads(text or "[]"):
                    if str(label.get("name", "")).casefold() == wanted:
                        return str(label["name"])
        return None

"""Songs (``tracks``) and artists in the warehouse: their metadata, the links between them, and when they are due.

Songs and artists are stored once and shared by every chart. An artist first appears as a stub (known from
a track's credits, ``fetched_at`` NULL, status ``stub``) and becomes ``ok`` when its metadata is fetched.
``due_metadata_uuids`` is also a module function because a metadata lease (``leases.py``) must read what
is due inside its own transaction.

Lists of small objects (genres, labels, credited artists) are stored as JSON text: analysts read them whole,
nothing filters on their parts, and JSON text works the same on SQLite and Postgres.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from soundcharts_assets.soundcharts.models import Artist, ArtistRef, Genre, Song
from soundcharts_assets.vocabulary import EntityKind, FetchStatus
from soundcharts_assets.warehouse.schema import ARTIST_STUB, track_artists, tracks
from soundcharts_assets.warehouse.schema import artists as artist_table
from soundcharts_assets.warehouse.store import Store
from soundcharts_assets.warehouse.upserts import chunks, unique, upsert

Row = dict[str, Any]


@dataclass(frozen=True)
class TrackRow:
    """A stored track; list columns decoded from their JSON text."""

    song_uuid: str
    name: str | None
    credit_name: str | None
    isrc: str | None
    release_date: date | None
    duration: int | None
    explicit: bool | None
    genres: list[dict[str, Any]]
    labels: list[dict[str, Any]]
    credited_artists: list[ArtistRef]
    composers: list[str]
    producers: list[str]
    language_code: str | None
    image_url: str | None
    fetched_at: datetime
    status: str

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> TrackRow:
        lists = ("genres", "labels", "composers", "producers")
        decoded = {name: json.loads(row[name] or "[]") for name in lists}
        refs = artist_refs_from_json(row["credited_artists"])
        return cls(**{**row, **decoded, "credited_artists": refs})


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def genres_json(genres: tuple[Genre, ...]) -> str:
    return _json([{"root": g.root, "sub": list(g.sub)} for g in genres])


def artist_refs_from_json(text: str | None) -> list[ArtistRef]:
    if not text:
        return []
    return [ArtistRef(uuid=r["uuid"], slug=r.get("slug"), name=r.get("name")) for r in json.loads(text)]


def track_row(song: Song, fetched_at: datetime) -> Row:
    return {
        "song_uuid": song.uuid,
        "name": song.name,
        "credit_name": song.credit_name,
        "isrc": song.isrc,
        "release_date": song.release_date,
        "duration": song.duration,
        "explicit": song.explicit,
        "genres": genres_json(song.genres),
        "labels": _json([{"name": label.name, "type": label.type} for label in song.labels]),
        "credited_artists": _json([{"uuid": r.uuid, "slug": r.slug, "name": r.name} for r in song.artists]),
        "composers": _json(list(song.composers)),
        "producers": _json(list(song.producers)),
        "language_code": song.language_code,
        "image_url": song.image_url,
        "fetched_at": fetched_at,
        "status": FetchStatus.OK.value,
    }


def artist_row(artist: Artist, fetched_at: datetime) -> Row:
    return {
        "artist_uuid": artist.uuid,
        "slug": artist.slug,
        "name": artist.name,
        "country_code": artist.country_code,
        "genres": genres_json(artist.genres),
        "type": artist.type,
        "gender": artist.gender,
        "career_stage": artist.career_stage,
        "birth_date": artist.birth_date,
        "city_name": artist.city_name,
        "image_url": artist.image_url,
        "fetched_at": fetched_at,
        "status": FetchStatus.OK.value,
    }


def artist_stub_row(ref: ArtistRef) -> Row:
    return {"artist_uuid": ref.uuid, "slug": ref.slug, "name": ref.name, "fetched_at": None, "status": ARTIST_STUB}


def due_metadata_uuids(
    conn: sa.Connection, entity: str, uuids: Iterable[str], max_age: timedelta, now: datetime
) -> list[str]:
    """Songs or artists (``entity``) never fetched, or fetched (found or not) longer than ``max_age`` ago.

    Input order is kept. An artist stub's NULL ``fetched_at`` never compares fresh, so stubs are due.
    """
    table = tracks if EntityKind.parse(entity, "entity") is EntityKind.SONG else artist_table
    key, fetched_at = table.primary_key.columns.values()[0], table.c.fetched_at
    wanted = unique(uuids)
    fresh: set[str] = set()
    for part in chunks(wanted):
        fresh.update(conn.scalars(sa.select(key).where(key.in_(part), fetched_at >= now - max_age)))
    return [u for u in wanted if u not in fresh]


def _record_missing(conn: sa.Connection, table: sa.Table, uuids: Iterable[str], checked_at: datetime) -> None:
    """Remember a 404 so it is not asked again until due again; metadata fetched earlier is kept."""
    key = table.primary_key.columns.values()[0].name
    status = FetchStatus.NOT_FOUND.value
    upsert(
        conn,
        table,
        [{key: u, "fetched_at": checked_at, "status": status} for u in unique(uuids)],
        update=("fetched_at", "status"),
    )


def _link_track_artists(conn: sa.Connection, links: Mapping[str, Sequence[ArtistRef]]) -> int:
    """Make each song's links exactly ``links[song]``; every artist gets at least a stub row."""
    refs = {ref.uuid: ref for song_refs in links.values() for ref in song_refs}
    upsert(
        conn,
        artist_table,
        [artist_stub_row(ref) for ref in refs.values()],
        update=("slug", "name"),
        keep_existing_when_null=("slug", "name"),
        only_if=lambda table: table.c.fetched_at.is_(None),  # never clobber fetched metadata
    )
    wanted = {
        (song, artist_uuid): position
        for song, song_refs in links.items()
        for position, artist_uuid in enumerate(unique(ref.uuid for ref in song_refs))
    }
    ta = track_artists.c
    stored: set[tuple[str, str]] = set()
    for part in chunks(sorted(links)):
        stored.update(conn.execute(sa.select(ta.song_uuid, ta.artist_uuid).where(ta.song_uuid.in_(part))).tuples())
    for pairs in chunks(sorted(stored - wanted.keys())):
        conn.execute(track_artists.delete().where(sa.tuple_(ta.song_uuid, ta.artist_uuid).in_(pairs)))
    link_rows = [{"song_uuid": s, "artist_uuid": a, "position": p} for (s, a), p in wanted.items()]
    return upsert(conn, track_artists, link_rows)


class CatalogueStore(Store):
    """Song and artist metadata, the credits linking them, and which of them need fetching again."""

    # -- songs ----------------------------------------------------------------------------------------------

    def due_song_uuids(self, uuids: Iterable[str], max_age: timedelta, now: datetime) -> list[str]:
        return self.due_metadata_uuids(EntityKind.SONG, uuids, max_age, now)

    def upsert_songs(self, songs: Iterable[Song], fetched_at: datetime) -> int:
        batch = [track_row(song, fetched_at) for song in songs]
        return self._write(lambda conn: upsert(conn, tracks, batch))

    def record_missing_songs(self, uuids: Iterable[str], checked_at: datetime) -> None:
        batch = list(uuids)
        self._write(lambda conn: _record_missing(conn, tracks, batch, checked_at))

    def get_track(self, song_uuid: str) -> TrackRow | None:
        with self._read() as conn:
            row = conn.execute(sa.select(tracks).where(tracks.c.song_uuid == song_uuid)).mappings().first()
        return TrackRow.from_row(dict(row)) if row else None

    def credited_artists(self, song_uuids: Iterable[str]) -> dict[str, list[ArtistRef]]:
        """Each fetched song's credited artists, from its stored metadata."""
        t = tracks.c
        found: dict[str, list[ArtistRef]] = {}
        with self._read() as conn:
            for part in chunks(unique(song_uuids)):
                stmt = sa.select(t.song_uuid, t.credited_artists).where(
                    t.song_uuid.in_(part), t.status == FetchStatus.OK.value
                )
                for song_uuid, text in conn.execute(stmt):
                    found[song_uuid] = artist_refs_from_json(text)
        return found

    def link_track_artists(self, links: Mapping[str, Sequence[ArtistRef]]) -> int:
        return self._write(lambda conn: _link_track_artists(conn, links))

    # -- artists --------------------------------------------------------------------------------------------

    def due_artist_uuids(self, uuids: Iterable[str], max_age: timedelta, now: datetime) -> list[str]:
        return self.due_metadata_uuids(EntityKind.ARTIST, uuids, max_age, now)

    def upsert_artists(self, artists: Iterable[Artist], fetched_at: datetime) -> int:
        batch = [artist_row(artist, fetched_at) for artist in artists]
        return self._write(lambda conn: upsert(conn, artist_table, batch))

    def record_missing_artists(self, uuids: Iterable[str], checked_at: datetime) -> None:
        batch = list(uuids)
        self._write(lambda conn: _record_missing(conn, artist_table, batch, checked_at))

    # -- either ---------------------------------------------------------------------------------------------

    def due_metadata_uuids(self, entity: str, uuids: Iterable[str], max_age: timedelta, now: datetime) -> list[str]:
        """Songs or artists (``entity``) whose metadata is missing or older than ``max_age``."""
        with self._read() as conn:
            return due_metadata_uuids(conn, entity, uuids, max_age, now)

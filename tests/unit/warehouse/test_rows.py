"""Pure parts of the warehouse: model -> row mapping, URL normalisation, chunking."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest

from soundcharts_assets.soundcharts.models import AirplayCount, ArtistRef, Genre, Label, Song
from soundcharts_assets.warehouse import WarehouseError
from soundcharts_assets.warehouse.audience import airplay_rows
from soundcharts_assets.warehouse.catalogue import artist_refs_from_json, track_row
from soundcharts_assets.warehouse.engine import mask_password, parse_url
from soundcharts_assets.warehouse.upserts import chunks, unique

NOW = datetime(2024, 5, 10, tzinfo=timezone.utc)


def test_track_row_keeps_lists_as_json() -> None:
    song = Song(
        uuid="s1",
        name="Song",
        genres=(Genre("pop", ("k-pop",)),),
        labels=(Label("Indie", None),),
        artists=(ArtistRef("a1", "slug-a1", "A1"), ArtistRef("a2")),
        composers=("C",),
    )
    row = track_row(song, NOW)
    assert row["status"] == "ok" and row["fetched_at"] == NOW
    assert json.loads(row["genres"]) == [{"root": "pop", "sub": ["k-pop"]}]
    assert json.loads(row["labels"]) == [{"name": "Indie", "type": None}]
    assert json.loads(row["composers"]) == ["C"] and json.loads(row["producers"]) == []
    assert artist_refs_from_json(row["credited_artists"]) == list(song.artists)
    assert artist_refs_from_json(None) == []


def test_airplay_is_stored_as_audience_of_platform_airplay() -> None:
    rows = airplay_rows("s1", date(2024, 5, 9), [AirplayCount("nrj", "NRJ", "FR", 12)], NOW)
    assert rows == [
        {
            "song_uuid": "s1",
            "platform": "airplay",
            "date": date(2024, 5, 9),
            "identifier": "nrj",
            "value": 12,
            "fetched_at": NOW,
        }
    ]


@pytest.mark.parametrize(
    ("raw", "driver"),
    [
        ("postgres://u@h/db", "postgresql+psycopg2"),
        ("postgresql://u@h/db", "postgresql+psycopg2"),
        ("postgresql+psycopg2://u@h/db", "postgresql+psycopg2"),
        ("sqlite:///data/w.sqlite", "sqlite"),
    ],
)
def test_parse_url_maps_postgres_to_psycopg2(raw: str, driver: str) -> None:
    assert parse_url(raw).drivername == driver


def test_unparseable_url_message_hides_password() -> None:
    assert mask_password("postgresql://user:pw@host:x/db") == "postgresql://user:***@host:x/db"
    with pytest.raises(WarehouseError, match="SOUNDCHARTS_WAREHOUSE_URL") as caught:
        parse_url("postgresql://user:pw@host:notaport/db")
    assert ":pw@" not in str(caught.value)


def test_chunks_and_unique() -> None:
    assert [list(c) for c in chunks(list(range(5)), 2)] == [[0, 1], [2, 3], [4]]
    assert unique(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]

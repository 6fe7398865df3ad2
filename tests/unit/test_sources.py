"""The audience sources' table (``sources.py``): its rows agree with each other, with what the client parses,
and with what the emulator serves (the emulator keeps its own table and must cover every row)."""

from collections import Counter
from datetime import date, timedelta

import pytest

from soundcharts_assets.emulator import EmulatorConfig
from soundcharts_assets.emulator import current_stats as emulator_stats
from soundcharts_assets.emulator.app import API_ROUTES
from soundcharts_assets.emulator.catalogue import Catalogue
from soundcharts_assets.emulator.platforms import LISTENING_PLATFORMS, SOCIAL_PLATFORMS, SONG_PLATFORMS
from soundcharts_assets.soundcharts import parsing
from soundcharts_assets.sources import (
    AUDIENCE_SOURCES,
    Endpoint,
    audience_source,
    audience_sources,
    series_label,
    source_names,
)
from soundcharts_assets.vocabulary import METADATA_LEASE, EntityKind

TODAY = date(2026, 12, 1)
BILLIE = "11e81bcc-9c1c-ce38-b96b-a0369fe50396"  # the seeded artist: an account on every platform
ENDPOINT_ENTITY = {
    Endpoint.SONG_AUDIENCE: EntityKind.SONG,
    Endpoint.SONG_AIRPLAY: EntityKind.SONG,
    Endpoint.ARTIST_AUDIENCE: EntityKind.ARTIST,
    Endpoint.ARTIST_LISTENING: EntityKind.ARTIST,
}


def test_each_source_is_one_row_and_lands_in_a_series_of_its_own():
    assert not [key for key, n in Counter((s.entity, s.name) for s in AUDIENCE_SOURCES).items() if n > 1]
    assert not [key for key, n in Counter(s.series for s in AUDIENCE_SOURCES).items() if n > 1]
    assert all(ENDPOINT_ENTITY[s.endpoint] == s.entity for s in AUDIENCE_SOURCES)
    assert METADATA_LEASE not in source_names()  # a lease's platform must not collide with a source


def test_sources_sharing_a_name_share_their_refresh_defaults():
    """Settings and the due rule know a source by its name: a song's and an artist's ``spotify`` must agree."""
    for name in source_names():
        rows = [s for s in AUDIENCE_SOURCES if s.name == name]
        assert len({(s.primary, s.min_hours) for s in rows}) == 1, name


def test_the_lookups_read_the_table():
    assert source_names() == tuple(dict.fromkeys(s.name for s in AUDIENCE_SOURCES))
    assert set(source_names(EntityKind.SONG)) | set(source_names(EntityKind.ARTIST)) == set(source_names())
    assert audience_sources("artist") == tuple(s for s in AUDIENCE_SOURCES if s.entity == EntityKind.ARTIST)
    listening = next(s for s in AUDIENCE_SOURCES if s.endpoint is Endpoint.ARTIST_LISTENING)
    assert audience_source("artist", listening.name) is listening
    assert series_label(*listening.series) == listening.label
    assert series_label("soundcloud", "monthly_plays") == "soundcloud monthly plays"
    with pytest.raises(ValueError) as error:
        audience_source("song", "instagram")
    assert str(error.value) == f"unknown song audience source 'instagram'; use one of {', '.join(source_names('song'))}"


def test_only_windowed_sources_lack_current_stats_and_their_groups_are_the_apis():
    for source in AUDIENCE_SOURCES:
        assert (source.current_stats is None) == source.windowed, source.name
        assert source.current_stats is None or source.current_stats in parsing.CURRENT_STATS_GROUPS


def test_an_artist_sources_metric_is_the_one_the_client_parses_from_its_endpoint():
    served = {"date": "2026-12-01T00:00:00+00:00", "followerCount": 5, "value": 7}
    parse = {
        Endpoint.ARTIST_AUDIENCE: parsing.parse_artist_audience,
        Endpoint.ARTIST_LISTENING: parsing.parse_artist_listening,
    }
    for source in audience_sources(EntityKind.ARTIST):
        assert source.metric in {p.metric for p in parse[source.endpoint]([served], "test") if p.value}, source.name


def test_the_emulator_serves_every_row():
    assert {e.value for e in Endpoint} <= {route.path for route in API_ROUTES}
    served_platforms = {
        Endpoint.SONG_AUDIENCE: set(SONG_PLATFORMS),
        Endpoint.SONG_AIRPLAY: {"airplay"},  # its own route, no platform in the path
        Endpoint.ARTIST_AUDIENCE: set(SOCIAL_PLATFORMS),
        Endpoint.ARTIST_LISTENING: set(LISTENING_PLATFORMS),
    }
    for source in AUDIENCE_SOURCES:
        assert source.platform in served_platforms[source.endpoint], source.name


def test_the_emulators_series_and_current_stats_hold_every_rows_value():
    catalogue = Catalogue.from_config(EmulatorConfig(seed=7, today=TODAY))
    start = TODAY - timedelta(days=30)
    platforms = [s.platform for s in AUDIENCE_SOURCES]
    artist = emulator_stats.artist_current_stats(catalogue, BILLIE, 7, platforms)
    for source in audience_sources(EntityKind.ARTIST):
        if source.endpoint is Endpoint.ARTIST_LISTENING:
            points = parsing.parse_artist_listening(catalogue.monthly_listeners(BILLIE, start, TODAY), "test")
        else:
            items = catalogue.artist_audience(BILLIE, source.platform, start, TODAY)
            points = parsing.parse_artist_audience(items, "test")
        assert any(p.metric == source.metric and p.value for p in points), source.name
        assert source.platform in {item["platform"] for item in artist[source.current_stats]}, source.name
    song = next(u for u in catalogue.song_uuids() if set(SONG_PLATFORMS) <= set(catalogue.song_record(u).identifiers))
    stats = emulator_stats.song_current_stats(catalogue, song, 7, platforms)
    for source in audience_sources(EntityKind.SONG):
        if source.windowed:
            continue
        assert parsing.parse_song_audience(catalogue.song_audience(song, source.platform, start, TODAY), "test")
        assert source.platform in {item["platform"] for item in stats[source.current_stats]}, source.name

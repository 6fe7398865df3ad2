"""Model instances built by hand for the warehouse tests: they pin what it stores, not what the API sends."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from soundcharts_assets.soundcharts.models import (
    Artist,
    ArtistRef,
    Chart,
    ChartRanking,
    Genre,
    Label,
    RankingEntry,
    Song,
    SongRef,
)

NOW = datetime(2024, 5, 10, 12, 0, tzinfo=timezone.utc)
DAY1 = datetime(2024, 5, 9, tzinfo=timezone.utc)
DAY2 = datetime(2024, 5, 10, tzinfo=timezone.utc)
CHART = Chart(slug="top-fr", name="Top France", platform="spotify", frequency="daily", country_code="FR")


def ranking(day: datetime, songs: list[str], chart: Chart = CHART) -> ChartRanking:
    entries = tuple(
        RankingEntry(
            song=SongRef(uuid=uuid, name=f"ranked {uuid}", credit_name=f"credit {uuid}"),
            position=position,
            old_position=position + 1,
            position_evolution=1,
            time_on_chart=7,
            time_on_chart_unit="day",
            entry_date=DAY1 - timedelta(days=6),
            entry_state="STABLE",
            metric=1000.0 / position,
        )
        for position, uuid in enumerate(songs, start=1)
    )
    return ChartRanking(chart=chart, date=day, entries=entries)


def song(uuid: str, *artist_uuids: str) -> Song:
    return Song(
        uuid=uuid,
        name=f"Song {uuid}",
        credit_name=" & ".join(f"Artist {a}" for a in artist_uuids),
        isrc=f"FR{uuid.upper():>10}",
        release_date=date(2024, 1, 5),
        duration=180,
        explicit=False,
        genres=(Genre("pop", ("dance pop",)),),
        labels=(Label("Indie", "independent"),),
        artists=tuple(ArtistRef(uuid=a, slug=f"artist-{a}", name=f"Artist {a}") for a in artist_uuids),
    )


def artist(uuid: str) -> Artist:
    return Artist(uuid=uuid, name=f"Fetched {uuid}", slug=f"artist-{uuid}", country_code="FR")

"""Typed models -> table rows, and back where reads need models.

Pure functions, so the mapping from API shapes to columns is testable without a database. Lists of small
objects (genres, labels, credited artists) are stored as JSON text: analysts read them whole, nothing
filters on their parts, and JSON text works the same on SQLite and Postgres.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from soundcharts_assets.soundcharts.models import (
    AirplayCount,
    Artist,
    ArtistAudiencePoint,
    ArtistRef,
    Chart,
    ChartRanking,
    Genre,
    Label,
    Song,
    SongAudiencePoint,
)

Row = dict[str, Any]


@dataclass(frozen=True)
class ChartRow:
    """A chart in the registry, as stored."""

    slug: str
    name: str | None
    platform: str | None
    frequency: str | None
    country_code: str | None
    sync_schedule: str
    chart_type: str | None
    max_results: int | None
    metric_type: str | None
    web_url: str | None
    registered_at: datetime
    updated_at: datetime


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


def labels_json(labels: tuple[Label, ...]) -> str:
    return _json([{"name": label.name, "type": label.type} for label in labels])


def artist_refs_json(refs: tuple[ArtistRef, ...]) -> str:
    return _json([{"uuid": r.uuid, "slug": r.slug, "name": r.name} for r in refs])


def artist_refs_from_json(text: str | None) -> list[ArtistRef]:
    if not text:
        return []
    return [ArtistRef(uuid=r["uuid"], slug=r.get("slug"), name=r.get("name")) for r in json.loads(text)]


def chart_row(chart: Chart, now: datetime) -> Row:
    return {
        "slug": chart.slug,
        "name": chart.name,
        "platform": chart.platform,
        "frequency": chart.frequency,
        "country_code": chart.country_code,
        "chart_type": chart.type,
        "max_results": chart.max_results,
        "metric_type": chart.metric_type,
        "web_url": chart.web_url,
        "registered_at": now,
        "updated_at": now,
    }


def ranking_rows(ranking: ChartRanking, fetched_at: datetime) -> list[Row]:
    return [
        {
            "chart_slug": ranking.chart.slug,
            "ranking_date": ranking.date,
            "position": entry.position,
            "song_uuid": entry.song.uuid,
            "song_name": entry.song.name,
            "song_credit_name": entry.song.credit_name,
            "old_position": entry.old_position,
            "position_evolution": entry.position_evolution,
            "time_on_chart": entry.time_on_chart,
            "time_on_chart_unit": entry.time_on_chart_unit,
            "entry_date": entry.entry_date,
            "entry_state": entry.entry_state,
            "metric": entry.metric,
            "fetched_at": fetched_at,
        }
        for entry in ranking.entries
    ]


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
        "labels": labels_json(song.labels),
        "credited_artists": artist_refs_json(song.artists),
        "composers": _json(list(song.composers)),
        "producers": _json(list(song.producers)),
        "language_code": song.language_code,
        "image_url": song.image_url,
        "fetched_at": fetched_at,
        "status": "ok",
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
        "status": "ok",
    }


def artist_stub_row(ref: ArtistRef) -> Row:
    return {"artist_uuid": ref.uuid, "slug": ref.slug, "name": ref.name, "fetched_at": None, "status": "stub"}


def track_audience_rows(
    song_uuid: str, platform: str, points: Sequence[SongAudiencePoint],
    fetched_at: datetime,
) -> list[Row]:
    return [
        {
            "song_uuid": song_uuid,
            "platform": platform,
            "date": p.date,
            "identifier": p.identifier,
            "value": p.value,
            "fetched_at": fetched_at,
        }
        for p in points
    ]


def airplay_rows(song_uuid: str, day: date, counts: Sequence[AirplayCount],
                 fetched_at: datetime) -> list[Row]:
    """Airplay lives in ``track_audience``: platform 'airplay', identifier = radio, date = window end."""
    return [
        {
            "song_uuid": song_uuid,
            "platform": "airplay",
            "date": day,
            "identifier": c.radio_slug,
            "value": c.play_count,
            "fetched_at": fetched_at,
        }
        for c in counts
    ]


def radio_rows(counts: Sequence[AirplayCount], now: datetime) -> list[Row]:
    return [
        {"slug": c.radio_slug, "name": c.radio_name, "country_code": c.country_code, "updated_at": now}
        for c in counts
    ]


def artist_audience_rows(
    artist_uuid: str, platform: str,
    points: Sequence[ArtistAudiencePoint], fetched_at: datetime,
) -> list[Row]:
    return [
        {
            "artist_uuid": artist_uuid,
            "platform": platform,
            "metric": p.metric,
            "date": p.date,
            "value": p.value,
            "fetched_at": fetched_at,
        }
        for p in points
    ]

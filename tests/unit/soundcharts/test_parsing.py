"""Payload -> model parsing: every documented variant, and one-line errors for broken required fields."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from soundcharts_assets.soundcharts import (
    AirplayCount,
    ArtistAudiencePoint,
    Genre,
    Label,
    MalformedPayloadError,
    SongAudiencePoint,
    parsing,
)
from soundcharts_assets.soundcharts.pagination import date_windows

WHERE = "song (GET /api/v2.25/song/x)"
UTC = timezone.utc

SONG_V225 = {
    "uuid": "7d534228-5165-11e9-9375-549f35161576",
    "name": "bad guy",
    "isrc": {"value": "USUM71900764", "countryCode": "US", "countryName": "United States"},
    "creditName": "Billie Eilish",
    "artists": [{"uuid": "11e81bcc-9c1c-ce38-b96b-a0369fe50396", "slug": "billie-eilish", "name": "Billie Eilish"}],
    "releaseDate": "2019-03-29T00:00:00+00:00",
    "duration": 194,
    "explicit": False,
    "genres": [{"root": "pop", "sub": ["electro pop"]}],
    "composers": ["Billie Eilish O'Connell", "Finneas O'Connell"],
    "producers": ["Finneas O'Connell"],
    "labels": [{"name": "Interscope", "type": "major"}],
    "languageCode": "en",
    "imageUrl": "https://assets.soundcharts.com/song/x",
}


def test_song_v225_shape() -> None:
    song = parsing.parse_song(SONG_V225, WHERE)
    assert song.uuid == "7d534228-5165-11e9-9375-549f35161576"
    assert song.isrc == "USUM71900764"
    assert song.release_date == date(2019, 3, 29)
    assert song.genres == (Genre("pop", ("electro pop",)),)
    assert song.labels == (Label("Interscope", "major"),)
    assert song.artists[0].uuid == "11e81bcc-9c1c-ce38-b96b-a0369fe50396"
    assert song.artists[0].slug == "billie-eilish"
    assert song.explicit is False and song.duration == 194 and song.language_code == "en"
    assert song.composers == ("Billie Eilish O'Connell", "Finneas O'Connell")


def test_song_legacy_v2_shape_string_isrc_and_label() -> None:
    song = parsing.parse_song(
        {"uuid": "u1", "name": "bad guy", "isrc": "USUM71900764", "label": "Interscope", "releaseDate": None},
        WHERE,
    )
    assert song.isrc == "USUM71900764"
    assert song.labels == (Label("Interscope"),)
    assert song.release_date is None
    assert song.genres == () and song.artists == ()


def test_song_missing_optional_fields_and_nulls() -> None:
    song = parsing.parse_song(
        {
            "uuid": "u1",
            "name": "x",
            "isrc": None,
            "genres": None,
            "labels": None,
            "duration": None,
            "explicit": None,
            "artists": None,
            "creditName": None,
        },
        WHERE,
    )
    assert (song.isrc, song.genres, song.labels, song.duration, song.explicit, song.credit_name) == (
        None,
        (),
        (),
        None,
        None,
        None,
    )


def test_song_main_artists_when_artists_absent() -> None:
    song = parsing.parse_song({"uuid": "u1", "name": "x", "mainArtists": [{"uuid": "a1"}]}, WHERE)
    assert [a.uuid for a in song.artists] == ["a1"]


def test_song_without_uuid_is_malformed_and_names_the_endpoint() -> None:
    with pytest.raises(MalformedPayloadError) as info:
        parsing.parse_song({"name": "no uuid"}, WHERE)
    message = str(info.value)
    assert "song (GET /api/v2.25/song/x)" in message and "uuid" in message and "\n" not in message


def test_genres_strings_or_root_sub() -> None:
    assert parsing.parse_genres(["pop", "rock"]) == (Genre("pop"), Genre("rock"))
    assert parsing.parse_genres([{"root": "pop", "sub": ["electro pop", None]}, {"sub": ["orphan"]}]) == (
        Genre("pop", ("electro pop",)),
    )
    assert parsing.parse_genres(None) == ()


def test_artist_with_string_genres_and_birth_date() -> None:
    artist = parsing.parse_artist(
        {
            "uuid": "a1",
            "name": "Billie Eilish",
            "slug": "billie-eilish",
            "countryCode": "US",
            "genres": ["pop"],
            "birthDate": "2001-12-18T00:00:00+00:00",
            "careerStage": "superstar",
            "type": "person",
            "gender": "female",
            "cityName": "Los Angeles",
        },
        "artist",
    )
    assert artist.genres == (Genre("pop"),)
    assert artist.birth_date == date(2001, 12, 18)
    assert (artist.career_stage, artist.type, artist.gender, artist.city_name) == (
        "superstar",
        "person",
        "female",
        "Los Angeles",
    )


def test_datetimes_with_mixed_offsets_become_aware_utc() -> None:
    assert parsing.parse_datetime("2021-06-16T00:00:00+02:00") == datetime(2021, 6, 15, 22, tzinfo=UTC)
    assert parsing.parse_datetime("2021-06-16T00:00:00Z") == datetime(2021, 6, 16, tzinfo=UTC)
    assert parsing.parse_datetime("2021-06-16T00:00:00+00:00") == datetime(2021, 6, 16, tzinfo=UTC)
    assert parsing.parse_datetime("2021-06-16T00:00:00").tzinfo is UTC
    assert parsing.parse_datetime(None) is None


def test_days_are_taken_as_written_not_converted() -> None:
    assert parsing.parse_day("2021-06-16T00:00:00+02:00") == date(2021, 6, 16)
    assert parsing.parse_day("2021-06-16T23:30:00-05:00") == date(2021, 6, 16)
    assert parsing.parse_day("2021-06-16") == date(2021, 6, 16)


def test_bad_date_is_malformed() -> None:
    with pytest.raises(MalformedPayloadError, match="not an ISO date"):
        parsing.parse_datetime("yesterday", "ranking_dates")


def test_page_items_required() -> None:
    assert parsing.page_items({"items": []}, "x") == []
    with pytest.raises(MalformedPayloadError, match="items"):
        parsing.page_items({"items": {"a": 1}}, "ranking_latest (GET /x)")
    with pytest.raises(MalformedPayloadError, match="not a JSON object"):
        parsing.page_items(["a"], "ranking_latest (GET /x)")


RANKING_PAGE = {
    "related": {
        "chart": {
            "name": "Top 200 Global Daily",
            "type": "top",
            "slug": "global-28",
            "platform": "spotify",
            "frequency": "daily",
            "countryCode": None,
            "maxResultsCount": 200,
            "metric": {"type": "streams", "description": "Number of streams"},
        },
        "date": "2024-05-10T00:00:00+02:00",
    },
    "items": [
        {
            "song": {"uuid": "s1", "name": "bad guy", "creditName": "Billie Eilish"},
            "position": 1,
            "positionEvolution": 2,
            "metric": 6123456,
            "entryState": "UP",
            "entryDate": "2024-03-29T00:00:00Z",
            "rankDate": "2024-05-10T00:00:00+00:00",
            "oldPosition": 3,
            "timeOnChart": 43,
            "timeOnChartUnit": "day",
        },
        {"song": {"uuid": "s2"}, "position": 2, "metric": None},
    ],
}


def test_ranking_related_and_entries() -> None:
    chart, when = parsing.parse_ranking_related(RANKING_PAGE, "ranking_latest", "global-28", None)
    assert chart.slug == "global-28" and chart.platform == "spotify" and chart.max_results == 200
    assert chart.metric_type == "streams" and chart.country_code is None
    assert when == datetime(2024, 5, 9, 22, tzinfo=UTC)
    ranking = parsing.build_ranking(chart, when, RANKING_PAGE["items"], "ranking_latest")
    first, second = ranking.entries
    assert first.song.uuid == "s1" and first.metric == 6123456.0 and first.old_position == 3
    assert first.entry_date == datetime(2024, 3, 29, tzinfo=UTC)
    assert second.metric is None and second.entry_date is None and second.song.name is None


def test_ranking_entry_without_position_or_song_uuid_is_malformed() -> None:
    with pytest.raises(MalformedPayloadError, match="position"):
        parsing.parse_ranking_entry({"song": {"uuid": "s1"}}, "ranking_latest")
    with pytest.raises(MalformedPayloadError, match="uuid"):
        parsing.parse_ranking_entry({"song": {"name": "x"}, "position": 1}, "ranking_latest")


def test_ranking_date_falls_back_to_requested_datetime() -> None:
    at = datetime(2024, 5, 1, tzinfo=UTC)
    _, when = parsing.parse_ranking_related({"related": {"chart": {"platform": "spotify"}}}, "x", "global-28", at)
    assert when == at
    with pytest.raises(MalformedPayloadError, match="related.date"):
        parsing.parse_ranking_related({"related": {"chart": {"platform": "spotify"}}}, "x", "global-28", None)


def test_ranking_dates_are_bare_strings() -> None:
    dates = parsing.parse_ranking_dates(["2024-05-10T00:00:00+00:00", "2024-05-09T00:00:00Z"], "x")
    assert dates == [datetime(2024, 5, 10, tzinfo=UTC), datetime(2024, 5, 9, tzinfo=UTC)]


def test_chart_platforms_codes() -> None:
    payload = {"items": [{"code": "spotify", "name": "Spotify"}, "airplay"]}
    assert parsing.parse_chart_platforms(payload, "chart_platforms") == ["spotify", "airplay"]


def test_song_audience_one_point_per_identifier_with_nulls() -> None:
    items = [
        {
            "date": "2024-05-10T00:00:00+02:00",
            "plots": [{"identifier": "sp1", "value": 10}, {"identifier": "sp2", "value": None}],
        },
        {"date": "2024-05-12T00:00:00+00:00", "plots": []},
        {"date": "2024-05-13T00:00:00Z", "value": 7},
    ]
    assert parsing.parse_song_audience(items, "song_audience") == [
        SongAudiencePoint(date(2024, 5, 10), "sp1", 10),
        SongAudiencePoint(date(2024, 5, 10), "sp2", None),
        SongAudiencePoint(date(2024, 5, 13), "", 7),
    ]


def test_artist_audience_metrics() -> None:
    items = [
        {
            "date": "2024-05-09T00:00:00+00:00",
            "likeCount": None,
            "followerCount": 121004512,
            "followingCount": 0,
            "postCount": None,
            "viewCount": None,
        },
        {"date": "2024-05-10T00:00:00+00:00", "followerCount": 5, "likeCount": 6, "viewCount": 7, "postCount": 8},
        {"date": "2024-05-11T00:00:00+00:00", "followerCount": None},
    ]
    points = parsing.parse_artist_audience(items, "artist_audience")
    assert points == [
        ArtistAudiencePoint(date(2024, 5, 9), "followers", 121004512),
        ArtistAudiencePoint(date(2024, 5, 10), "followers", 5),
        ArtistAudiencePoint(date(2024, 5, 10), "likes", 6),
        ArtistAudiencePoint(date(2024, 5, 10), "views", 7),
        ArtistAudiencePoint(date(2024, 5, 10), "posts", 8),
        ArtistAudiencePoint(date(2024, 5, 11), "followers", None),
    ]


def test_artist_listening_is_monthly_listeners() -> None:
    points = parsing.parse_artist_listening([{"date": "2024-01-12T00:00:00+00:00", "value": 64315074}], "x")
    assert points == [ArtistAudiencePoint(date(2024, 1, 12), "monthly_listeners", 64315074)]


def test_series_item_without_date_is_malformed() -> None:
    with pytest.raises(MalformedPayloadError, match="date"):
        parsing.parse_artist_listening([{"value": 3}], "artist_listening (GET /x)")


def test_airplay_counts_per_radio() -> None:
    items = [{"playCount": 12, "radio": {"slug": "bbc-2", "name": "BBC Radio 2", "countryCode": "GB"}}]
    assert parsing.parse_airplay(items, "song_airplay") == [AirplayCount("bbc-2", "BBC Radio 2", "GB", 12)]
    with pytest.raises(MalformedPayloadError, match="radio"):
        parsing.parse_airplay([{"playCount": 1}], "song_airplay")


def test_team_usage_from_body_or_header() -> None:
    assert parsing.parse_team_usage({"object": {"quotaRemaining": 42}}, 99).quota_remaining == 42
    assert parsing.parse_team_usage({"something": "else"}, 99).quota_remaining == 99


@pytest.mark.parametrize(
    ("payload", "header", "expected"),
    [
        # our emulator's names, in the API's envelope
        (
            {"type": "usage", "object": {"quota": None, "quotaRemaining": 40, "monthlyQuota": 50,
                                         "usedThisMonth": 10, "month": "2026-12", "rateLimitPerMinute": 6000}},
            "40",
            (40, 50, 10, "2026-12"),
        ),
        # other names, nested, beside a rate limit whose "limit"/"remaining" are not the monthly quota
        (
            {"quota": {"monthly": 5000, "remaining": 12, "used": 4988}, "rateLimit": {"limit": 100, "remaining": 99}},
            None,
            (12, 5000, 4988, None),
        ),
        ({"data": {"credits": {"limit": "10000", "consumed": 3}}, "period": "2026-12"}, "9997", (9997, 10000, 3, "2026-12")),
        ({"quota_remaining": 7, "usage_percent": 0.93}, None, (7, None, None, None)),
        # the lowest of body and header: "quota left" is the lowest seen
        ({"object": {"quotaRemaining": 42}}, "41", (41, None, None, None)),
        # nothing usable: every figure unknown, or the header alone
        ({}, None, (None, None, None, None)),
        ({}, " 12 ", (12, None, None, None)),
        ([1, 2, 3], "5", (5, None, None, None)),
        ("text", "not a number", (None, None, None, None)),
        ({"object": {"quotaRemaining": None, "monthlyQuota": True, "usedThisMonth": -3}}, None, (None, None, None, None)),
    ],
)  # fmt: skip
def test_team_usage_reads_any_shape(payload, header, expected) -> None:
    usage = parsing.parse_team_usage(payload, header)
    assert (usage.quota_remaining, usage.monthly_quota, usage.used_this_month, usage.month) == expected


def test_date_windows_90_days_inclusive() -> None:
    windows = date_windows(date(2024, 1, 1), date(2024, 7, 18))  # 200 days
    assert windows == [
        (date(2024, 1, 1), date(2024, 3, 30)),
        (date(2024, 3, 31), date(2024, 6, 28)),
        (date(2024, 6, 29), date(2024, 7, 18)),
    ]
    assert all((end - start).days + 1 <= 90 for start, end in windows)
    assert date_windows(date(2024, 1, 1), date(2024, 1, 1)) == [(date(2024, 1, 1), date(2024, 1, 1))]
    assert date_windows(date(2024, 1, 2), date(2024, 1, 1)) == []

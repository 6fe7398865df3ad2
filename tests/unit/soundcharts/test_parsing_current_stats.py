"""``currentstatsresponse`` as documented, and its variants: related as a list or an object, evolutions absent."""

from datetime import date

from soundcharts_assets.soundcharts.parsing import parse_current_stats

ARTIST = {
    "related": [{"uuid": "a-1", "slug": "x", "name": "X", "period": 7}],
    "social": [
        {"platform": "instagram", "value": 121050877, "date": "2026-05-12T00:00:00+00:00", "evolution": -12044,
         "percentEvolution": -0.01},
        {"platform": "tiktok", "value": 5, "date": "2026-05-10T00:00:00+00:00"},
    ],
    "streaming": [{"platform": "spotify", "value": 64512058, "date": "2026-05-13T00:00:00+00:00",
                   "evolution": -801233, "percentEvolution": -1.23}],
    "popularity": [], "retention": [], "score": [],
}  # fmt: skip


def test_artist_lists_with_related_as_a_one_element_list():
    stats = parse_current_stats(ARTIST, "fallback", "test")
    assert stats.uuid == "a-1" and stats.period == 7
    instagram = stats.find("social", "instagram")
    assert instagram is not None
    assert (instagram.value, instagram.date, instagram.evolution, instagram.percent_evolution) == (
        121050877,
        date(2026, 5, 12),
        -12044.0,
        -0.01,
    )
    tiktok = stats.find("social", "tiktok")
    assert tiktok is not None and tiktok.evolution is None and tiktok.percent_evolution is None
    listeners = stats.find("streaming", "spotify")
    assert listeners is not None and listeners.value == 64512058
    assert stats.find("social", "spotify") is None


def test_song_related_as_an_object_and_odd_items_skipped():
    payload = {
        "related": {"uuid": "s-1", "name": "bad guy", "creditName": "Billie Eilish", "period": 30},
        "audience": [
            {"platform": "spotify", "value": "7079636724", "date": "2026-11-30T00:00:00+00:00"},
            {"platform": "youtube", "value": 1},  # no date: skipped
            {"value": 3, "date": "2026-11-30T00:00:00+00:00"},  # no platform: skipped
            "junk",
        ],
        "popularity": None,
    }
    stats = parse_current_stats(payload, "fallback", "test")
    assert stats.uuid == "s-1" and stats.period == 30
    assert [(s.group, s.platform, s.value) for s in stats.stats] == [("audience", "spotify", 7079636724)]


def test_envelope_and_missing_related_fall_back_to_the_asked_uuid():
    stats = parse_current_stats({"object": {"audience": []}}, "asked", "test")
    assert stats.uuid == "asked" and stats.period is None and stats.stats == ()
    assert parse_current_stats(None, "asked", "test").stats == ()

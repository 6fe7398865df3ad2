"""The vocabulary: chart slugs and sync schedules are checked before they reach any system."""

import pytest

from soundcharts_assets.vocabulary import InvalidChartSlugError, validate_chart_slug, validate_sync_schedule


@pytest.mark.parametrize("slug", ["global-28", "top-200-us", "a", "chart_1.v2", "9"])
def test_valid_slugs_pass(slug):
    assert validate_chart_slug(slug) == slug


@pytest.mark.parametrize(
    "slug",
    [
        "",
        "Global-28",
        "a b",
        "x;drop table charts",
        "it's",
        'quo"te',
        "pipe|x",
        "é-chart",
        "-lead",
        "a" * 129,
        "x" * 10_000,
        "tab\tx",
        "line\nx",
        "../etc",
    ],
)
def test_hostile_slugs_are_refused_with_one_line(slug):
    with pytest.raises(InvalidChartSlugError) as error:
        validate_chart_slug(slug)
    message = str(error.value)
    assert "\n" not in message and len(message) < 300


def test_sync_schedule_validation():
    assert validate_sync_schedule("weekly") == "weekly"
    with pytest.raises(ValueError):
        validate_sync_schedule("hourly")

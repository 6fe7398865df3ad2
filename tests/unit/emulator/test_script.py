"""The emulator's scripted events: a jump from a date on, a song placed on an edition, checked at start."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from soundcharts_assets.emulator import EmulatorConfig
from soundcharts_assets.emulator.catalogue import Catalogue
from soundcharts_assets.emulator.cli import config_from_options
from soundcharts_assets.emulator.config import apply_knobs
from soundcharts_assets.emulator.script import Script, parse_chart_entries, parse_spikes

TODAY = date(2026, 12, 1)
BILLIE = "11e81bcc-9c1c-ce38-b96b-a0369fe50396"
SLUG = "shazam-top-50-fr"


def catalogue(spikes=(), entries=()) -> Catalogue:
    return Catalogue(seed=7, today=TODAY, script=Script(parse_spikes(spikes), parse_chart_entries(entries)))


def test_a_spike_multiplies_the_series_from_its_day_on_and_nothing_else():
    plain, scripted = catalogue(), catalogue([{"uuid": BILLIE, "source": "listening", "date": "2026-11-28", "factor": 1.5}])  # fmt: skip
    window = (TODAY - timedelta(days=6), TODAY)
    before = {p["date"][:10]: p["value"] for p in plain.monthly_listeners(BILLIE, *window)}
    after = {p["date"][:10]: p["value"] for p in scripted.monthly_listeners(BILLIE, *window)}
    assert before.keys() == after.keys()
    for day, value in before.items():
        assert after[day] == (round(value * 1.5) if day >= "2026-11-28" else value), day
    assert scripted.artist_audience(BILLIE, "instagram", *window) == plain.artist_audience(BILLIE, "instagram", *window)
    assert scripted.ranking("global-28") == plain.ranking("global-28")


def test_a_chart_entry_places_the_song_on_that_edition_and_history_follows():
    plain = catalogue()
    day = TODAY - timedelta(days=3)
    charted = {e["song"]["uuid"] for e in plain.ranking(SLUG, day)}
    song = next(uuid for uuid in plain.song_uuids() if uuid not in charted)
    scripted = catalogue(entries=[{"chart": SLUG, "song": song, "date": day.isoformat(), "position": 2}])
    edition = scripted.ranking(SLUG, day)
    assert edition[1]["song"]["uuid"] == song and edition[1]["entryState"] in ("NEW", "RE_ENTRY")
    assert [e["song"]["uuid"] for e in edition[2:]] == [e["song"]["uuid"] for e in plain.ranking(SLUG, day)[1:-1]]
    assert scripted.ranking(SLUG, day - timedelta(days=1)) == plain.ranking(SLUG, day - timedelta(days=1))


@pytest.mark.parametrize(
    ("spikes", "entries", "message"),
    [
        ([{"uuid": "nope", "source": "spotify", "date": "2026-11-28", "factor": 2}], [], "no song or artist 'nope'"),
        (
            [{"uuid": BILLIE, "source": "shazam", "date": "2026-11-28", "factor": 2}],
            [],
            "is an artist, whose sources are",
        ),
        ([{"uuid": BILLIE, "source": "spotify", "date": "2026-11-28", "factor": 0}], [], "must be above 0"),
        ([], [{"chart": "nope", "song": "x", "date": "2026-11-28", "position": 1}], "no chart 'nope'"),
        ([], [{"chart": SLUG, "song": "x", "date": "2026-11-28", "position": 51}], "no song 'x'"),
    ],
)
def test_a_scripted_event_naming_nothing_stops_the_start(spikes, entries, message):
    with pytest.raises(ValueError, match=message):
        Catalogue.from_config(EmulatorConfig(today=TODAY, spikes=spikes, chart_entries=entries))


def test_flags_become_knobs_fixed_at_start():
    config = config_from_options(spikes=(f"{BILLIE}:listening:2026-11-28:1.5",), chart_entries=("global-28:s1:2026-11-28:3",))  # fmt: skip
    assert config.spikes == [{"uuid": BILLIE, "source": "listening", "date": "2026-11-28", "factor": "1.5"}]
    assert config.chart_entries == [{"chart": "global-28", "song": "s1", "date": "2026-11-28", "position": "3"}]
    with pytest.raises(ValueError, match="shape the catalogue"):
        apply_knobs(EmulatorConfig(), {"spikes": []})

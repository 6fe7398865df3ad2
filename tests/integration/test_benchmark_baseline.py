"""The benchmark's seed-style baseline spends what docs/benchmarks.md says it spends, on a real socket.

The cascade's "fewer calls than the baseline" figure is only as honest as the baseline: these tests count
the calls it makes against the emulator's own counters and against the chart's entries and credits read
from the catalogue, with and without reuse.
"""

from __future__ import annotations

from benchmarks.baseline import ARTIST_SOURCES, SONG_SOURCES, baseline_calls, run_baseline

SLUG = "shazam-top-50-fr"


def _entries_and_credits(emulator) -> tuple[list[str], list[str]]:
    edition = emulator.catalogue.edition(SLUG)
    songs = [entry["song"]["uuid"] for entry in edition.entries]
    credits = [a["uuid"] for uuid in songs for a in emulator.catalogue.song(uuid)["artists"]]
    return songs, credits


def test_without_reuse_every_credit_is_fetched_again(emulator) -> None:
    songs, credits = _entries_and_credits(emulator)
    assert len(set(credits)) < len(credits), "the chart credits some artist twice, or this test proves nothing"

    result = run_baseline(emulator.url, SLUG)

    assert (result.songs, result.artists) == (len(songs), len(credits))
    expected = baseline_calls(1, len(songs), len(credits))
    assert result.calls == expected == emulator.stats()["requests_total"]
    by_route = emulator.stats()["by_route"]
    assert by_route["/api/v2.9/artist/{uuids}"] == len(credits)
    assert by_route["/api/v2/artist/{uuid}/audience/{platform}"] == len(credits) * (len(ARTIST_SOURCES) - 1)
    assert by_route["/api/v2/song/{uuid}/audience/{platform}"] == len(songs) * len(SONG_SOURCES)


def test_with_reuse_each_distinct_entity_is_fetched_once(emulator) -> None:
    songs, credits = _entries_and_credits(emulator)

    result = run_baseline(emulator.url, SLUG, reuse=True)

    assert (result.songs, result.artists) == (len(set(songs)), len(set(credits)))
    assert result.calls == baseline_calls(1, len(set(songs)), len(set(credits))) == emulator.stats()["requests_total"]

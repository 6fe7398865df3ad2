"""Song endpoints (``endpoints/songs.py``): batches of ten, unknown and merged uuids absent, one song (and one
artist beside it)."""

from __future__ import annotations

import httpx

from tests.unit.soundcharts.harness import Harness, error, ok


def test_batch_songs_chunks_of_ten_unknown_absent() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        ids = request.url.path.rsplit("/", 1)[1].split(",")
        if len(ids) == 1:
            return (
                error(404, "Song not found")
                if ids[0] == "u24"
                else ok({"type": "song", "object": {"uuid": ids[0], "name": "x"}})
            )
        known = [i for i in ids if i not in {"u3", "u7"}]
        return ok({"items": [{"uuid": i, "name": i} for i in known], "errors": [{"code": 404, "message": "u3"}]})

    h = Harness(handler)
    songs = h.client.get_songs([f"u{i}" for i in range(21)] + ["u0"])  # 21 distinct -> 10 + 10 + 1
    assert [r.url.path for r in h.requests][:2] == [
        "/api/v2.25/song/" + ",".join(f"u{i}" for i in range(10)),
        "/api/v2.25/song/" + ",".join(f"u{i}" for i in range(10, 20)),
    ]
    assert h.requests[2].url.path == "/api/v2.25/song/u20"
    assert set(songs) == {f"u{i}" for i in range(21)} - {"u3", "u7"}
    assert list(songs)[:3] == ["u0", "u1", "u2"]
    assert h.client.calls_by_endpoint == {"song_batch": 2, "song": 1}


def test_an_answer_for_another_uuid_is_not_an_answer_for_the_one_asked() -> None:
    """A merged song answers under its new uuid; batch or single, the uuid asked for counts as missing."""

    def handler(request: httpx.Request) -> httpx.Response:
        ids = request.url.path.rsplit("/", 1)[1].split(",")
        merged = [{"uuid": f"{i}-merged", "name": i} for i in ids]
        return ok({"type": "song", "object": merged[0]}) if len(ids) == 1 else ok({"items": merged, "errors": []})

    h = Harness(handler)
    assert h.client.get_songs(["old-1", "old-2"]) == {}
    assert h.client.get_songs(["old-3"]) == {}


def test_single_song_and_artist() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/api/v2.25/song/"):
            return ok({"type": "song", "object": {"uuid": "s1", "name": "bad guy", "isrc": "USUM71900764"}})
        return ok({"type": "artist", "object": {"uuid": "a1", "name": "Billie", "genres": ["pop"]}})

    h = Harness(handler)
    assert h.client.get_song("s1").isrc == "USUM71900764"
    assert h.client.get_artist("a1").genres[0].root == "pop"

"""Artist endpoints (``endpoints/artists.py``): a batch answered 404 means every artist is missing."""

from __future__ import annotations

from tests.unit.soundcharts.harness import Harness, error


def test_batch_answered_404_means_all_missing() -> None:
    h = Harness(lambda request: error(404, "Artist not found"))
    assert h.client.get_artists(["a1", "a2", "a3"]) == {}
    assert h.requests[0].url.path == "/api/v2.9/artist/a1,a2,a3"
    assert h.client.get_artists(["a9"]) == {}  # a single uuid uses the single endpoint, 404 -> absent
    assert h.client.calls_by_endpoint == {"artist_batch": 1, "artist": 1}

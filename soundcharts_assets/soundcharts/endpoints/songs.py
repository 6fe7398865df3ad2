"""Song metadata: one song, or many through the batch endpoint."""

from __future__ import annotations

from collections.abc import Iterable

from .. import parsing
from ..fields import envelope_object
from ..models import Song
from .base import EndpointBase, seg


class SongEndpoints(EndpointBase):
    def get_song(self, uuid: str) -> Song:
        path = f"/api/v2.25/song/{seg(uuid)}"
        data = self._get("song", path, subject=f"song '{uuid}'").data
        return parsing.parse_song(envelope_object(data, f"song (GET {path})"), f"song (GET {path})")

    def get_songs(self, uuids: Iterable[str]) -> dict[str, Song]:
        """Songs by uuid through the batch endpoint (10 per call); unknown uuids are absent from the result."""
        return self._batch(uuids, "/api/v2.25/song", "song_batch", self.get_song, parsing.parse_song)

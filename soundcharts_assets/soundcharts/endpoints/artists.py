"""Artist metadata: one artist, or many through the batch endpoint."""

from __future__ import annotations

from collections.abc import Iterable

from .. import parsing
from ..fields import envelope_object
from ..models import Artist
from .base import EndpointBase, seg


class ArtistEndpoints(EndpointBase):
    def get_artist(self, uuid: str) -> Artist:
        path = f"/api/v2.9/artist/{seg(uuid)}"
        data = self._get("artist", path, subject=f"artist '{uuid}'").data
        return parsing.parse_artist(envelope_object(data, f"artist (GET {path})"), f"artist (GET {path})")

    def get_artists(self, uuids: Iterable[str]) -> dict[str, Artist]:
        """Artists by uuid through the batch endpoint (10 per call); unknown uuids are absent from the result."""
        return self._batch(uuids, "/api/v2.9/artist", "artist_batch", self.get_artist, parsing.parse_artist)

"""The catalogue group: song metadata (``tracks``), the artists credited on them, artist metadata."""

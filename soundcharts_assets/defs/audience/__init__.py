"""The audience group: track audience and artist audience series."""

"""The insight group: movers, artist growth and track momentum, read from the warehouse only."""

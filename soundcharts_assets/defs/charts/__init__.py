"""The charts group: the ranking asset and what starts a refresh (the editions sensor, the schedules)."""

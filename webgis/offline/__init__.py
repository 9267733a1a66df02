"""Field work without signal: the offline package of a grid and the sync of a phone's outbox."""

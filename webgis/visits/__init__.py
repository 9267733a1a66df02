"""Door-to-door visits (入户记录) and police verifications (民警核验): the event log."""

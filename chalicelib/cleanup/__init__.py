"""The hourly cleanup: expired guests, sign-ups, tokens, sessions and outbox entries, with
everything that hangs off them, found through the sparse expiry indexes."""

"""The partner page under /partner: a mall partner (museum, bus company, restaurant, station desk) logs
in with the account an operator gave it, confirms a volunteer's collection code once, and checks a
care-measure code. Identity comes from the partner's own session, never from a form field."""

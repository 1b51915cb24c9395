"""Sessions, CSRF and the audit trail, shared by the console and the family pages.

- ``sessions``: start/find/end server-side sessions; cookie settings per realm ("console", "family")
- ``csrf``: the per-session token every POST/PUT/PATCH/DELETE must echo (form field or header)
- ``audit``: ``record(session, actor=…, action=…, target=…, station_id=…, reason=…, detail=…)``
"""

"""The web pages: the family chat widget (web/family/) and the operator console (web/console/).

Both are served by the backend's FastAPI app (``attach_web``), share the database and the domain
services, and log people in with server-side sessions (web/auth/): an HttpOnly cookie holds a random
token, the database holds its hash, every state-changing request carries the session's CSRF token,
login is rate-limited per account and per address, and every operator action lands in the audit trail.
"""
from pathlib import Path

SHARED_TEMPLATES = Path(__file__).parent / "templates"  # the error page and the sites' shared frame (site/)

"""The audit trail, as the web pages write it (family logins, registrations): the backend's one
audit writer (``backend.access.audit``), so every entrance records the same way."""
from backend.access.audit import for_target, record

__all__ = ["for_target", "record"]

"""The reason every console action that changes something must carry (it goes into the audit trail)."""
from __future__ import annotations

from backend.core.errors import InvalidInput

MAX_LENGTH = 1000


def required(raw: str | None) -> str:
    """The trimmed reason; InvalidInput with a Chinese message when it is empty."""
    reason = (raw or "").strip()[:MAX_LENGTH]
    if not reason:
        raise InvalidInput("a reason is required", code="reason_required", message="请写明原因。")
    return reason

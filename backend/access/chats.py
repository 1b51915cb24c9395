"""An operator reads and reviews a family chat of their scope, as they do a call: mark it reviewed, or
flag it with a reason. A chat of another station answers exactly like a missing one."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from backend.access import scope
from backend.access.gate import permit
from backend.access.outcome import Done
from backend.access.principal import Principal
from backend.calls.records import set_review
from backend.models import Chat


def visible_chat(session: Session, who: Principal, chat_id: int) -> Chat:
    return scope.visible(session, who, Chat, chat_id, kind="chat")


def review(session: Session, who: Principal, chat_id: int, *, decision: str, note: str, now: datetime) -> Done[Chat]:
    """Audited as chat.review or chat.flag; the same decision and note sent twice changes nothing."""
    gate = permit(who, "chat.review")
    chat = visible_chat(session, who, chat_id)
    before, note = chat.review_status, note.strip()[:1000]
    if not set_review(session, chat, status=decision, operator_id=who.operator_id, note=note, now=now):
        return Done(chat, None)
    return Done(chat, gate.audit(session, f"chat:{chat.id}", chat.station_id, reason=note or None,
                                 action="chat.flag" if decision == "flagged" else "chat.review",
                                 detail={"from": before, "to": decision}))

"""An operator reviews a hotline call of their scope: marks it reviewed, or flags it with a reason."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from backend.access import scope
from backend.access.gate import permit
from backend.access.outcome import Done
from backend.access.principal import Principal
from backend.calls import records
from backend.core.errors import NotFound
from backend.models import Call


def visible_call(session: Session, who: Principal, call_sid: str) -> Call:
    try:
        call = records.get_call(session, call_sid)
    except NotFound:
        raise scope.missing("call", call_sid) from None
    scope.require_station(session, who, call.station_id, "call", call_sid)
    return call


def review(session: Session, who: Principal, call_sid: str, *, decision: str, note: str,
           now: datetime) -> Done[Call]:
    """Audited as call.review or call.flag; the same decision and note sent twice changes nothing."""
    gate = permit(who, "call.review")
    call = visible_call(session, who, call_sid)
    before, note = call.review_status, note.strip()[:1000]
    if not records.set_review(session, call, status=decision, operator_id=who.operator_id, note=note, now=now):
        return Done(call, None)
    return Done(call, gate.audit(session, f"call:{call_sid}", call.station_id, reason=note or None,
                                 action="call.flag" if decision == "flagged" else "call.review",
                                 detail={"from": before, "to": decision}))

"""Follow-up calls (回访): the operator who called the elder records the outcome. Reached (satisfied or
not, a note) closes the item; "not reached" is counted and the item stays until the third failed try,
which closes it as unreachable. The follow-up's order must be in the operator's scope. An elder who
complains on the call has the complaint opened as a dispute on the order, in the same transaction
(``backend.access.disputes``)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.access import disputes, scope
from backend.access.gate import permit
from backend.access.outcome import Done
from backend.access.principal import Principal
from backend.core.errors import Conflict, InvalidInput
from backend.fulfilment.ratings import record_follow_up
from backend.models import AuditEntry, FollowUp, Order

MAX_ATTEMPTS = 3
SATISFACTION_ZH = {"yes": "满意", "so-so": "一般", "no": "不满意"}
NOT_REACHED = "followup.not_reached"


def attempts(session: Session, follow_up_id: int) -> int:
    """Failed tries so far (each is an audit entry)."""
    return session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == NOT_REACHED, AuditEntry.target == f"followup:{follow_up_id}")) or 0


def _pending(session: Session, who: Principal, follow_up_id: int) -> tuple[FollowUp, Order]:
    follow_up = scope.follow_up(session, who, follow_up_id)
    if follow_up.status != "pending":  # a second post of the same form changes nothing
        raise Conflict(f"follow-up {follow_up_id} is {follow_up.status}", code="already_done",
                       message="这条回访已经记录过了。")
    return follow_up, session.get(Order, follow_up.order_id)


def close(session: Session, who: Principal, follow_up_id: int, outcome: str, *, at: datetime,
          detail: dict | None = None) -> Done[FollowUp]:
    gate = permit(who, "followup.record")
    follow_up, order = _pending(session, who, follow_up_id)
    record_follow_up(session, follow_up.id, operator_id=who.operator_id, outcome=outcome, at=at)
    return Done(follow_up, gate.audit(session, f"followup:{follow_up.id}", order.station_id, reason=outcome.strip(),
                                      detail={"order_id": order.id, "outcome": outcome, **(detail or {})}))


def call_back(session: Session, who: Principal, follow_up_id: int, *, reached: str, satisfied: str, note: str,
              at: datetime, complaint: bool = False) -> Done[FollowUp]:
    """The console's form: reached yes/no, satisfied yes/so-so/no, a note, and whether the elder
    complained (then the note is their complaint, opened as a dispute)."""
    gate = permit(who, "followup.record")
    follow_up, order = _pending(session, who, follow_up_id)
    note = note.strip()
    if complaint and reached != "yes":
        raise InvalidInput("a complaint needs the elder reached", code="complaint_not_reached",
                           message="联系上老人才能登记投诉。")
    if reached == "yes":
        if satisfied not in SATISFACTION_ZH:
            raise InvalidInput(f"satisfied must be one of {list(SATISFACTION_ZH)}", code="satisfaction_required",
                               message="请选择老人是否满意。")
        outcome = "；".join(x for x in ("已联系上", SATISFACTION_ZH[satisfied], "投诉" if complaint else "", note) if x)
        done = close(session, who, follow_up.id, outcome, at=at,
                     detail={"reached": True, "satisfied": SATISFACTION_ZH[satisfied]})
        if complaint:
            disputes.complain(session, who, order.id, side="elder", text=note or "回访时老人表示不满，要求处理",
                              source="followup", now=at)
        return done
    if reached != "no":
        raise InvalidInput("reached must be yes or no", code="reached_required", message="请选择是否联系上老人。")
    tries = attempts(session, follow_up.id) + 1
    if tries >= MAX_ATTEMPTS:
        return close(session, who, follow_up.id, "；".join(x for x in (f"{tries}次未联系上", note) if x), at=at,
                     detail={"reached": False, "satisfied": None})
    return Done(follow_up, gate.audit(session, f"followup:{follow_up.id}", order.station_id, action=NOT_REACHED,
                                      reason=note or None, detail={"order_id": order.id, "attempts": tries}))

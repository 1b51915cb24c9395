"""An operator takes a request for a person (转人工, from the phone or the chat) of their scope: claims
it, records a call back (reached or not), resolves it with the outcome in words. Each step is audited;
another station's request answers exactly like a missing one.

Claiming is first come: a request another operator holds answers Conflict ("已由…接手"); claiming
one's own again changes nothing; a resolved request answers Conflict. Calling back or resolving an unclaimed request
claims it for the operator acting."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from backend.access import scope
from backend.access.gate import Permit, permit
from backend.access.outcome import Done
from backend.access.principal import Principal
from backend.core.errors import Conflict, InvalidInput
from backend.models import HandoffTicket, Operator


def visible_ticket(session: Session, who: Principal, ticket_id: int, *, for_update: bool = False) -> HandoffTicket:
    return scope.visible(session, who, HandoffTicket, ticket_id, kind="handoff", for_update=for_update)


def _workable(session: Session, who: Principal, ticket_id: int) -> HandoffTicket:
    ticket = visible_ticket(session, who, ticket_id, for_update=True)
    if ticket.status == "resolved":
        raise Conflict(f"handoff {ticket_id} is resolved", code="already_done", message="这个请求已经办结了。")
    if ticket.claimed_by not in (None, who.operator_id):
        holder = session.get(Operator, ticket.claimed_by)
        raise Conflict(f"handoff {ticket_id} is claimed by operator {ticket.claimed_by}", code="claimed_by_other",
                       message=f"这个请求已由{holder.name if holder else '其他工作人员'}接手。")
    return ticket


def _take(ticket: HandoffTicket, who: Principal, now: datetime) -> None:
    if ticket.claimed_by is None:
        ticket.claimed_by, ticket.claimed_at, ticket.status = who.operator_id, now, "claimed"


def _audit(gate: Permit, session: Session, ticket: HandoffTicket, **kw):
    return gate.audit(session, f"handoff:{ticket.id}", ticket.station_id, **kw)


def claim(session: Session, who: Principal, ticket_id: int, *, now: datetime) -> Done[HandoffTicket]:
    gate = permit(who, "handoff.claim")
    ticket = _workable(session, who, ticket_id)
    if ticket.claimed_by == who.operator_id:
        return Done(ticket, None)
    _take(ticket, who, now)
    session.flush()
    return Done(ticket, _audit(gate, session, ticket, detail={"channel": ticket.channel}))


def call_back(session: Session, who: Principal, ticket_id: int, *, reached: str, note: str,
              now: datetime) -> Done[HandoffTicket]:
    """One call back: reached (yes/no) and a note; the request stays open until resolved."""
    gate = permit(who, "handoff.call_back")
    if reached not in ("yes", "no"):
        raise InvalidInput("reached must be yes or no", code="reached_required", message="请选择是否联系上。")
    ticket = _workable(session, who, ticket_id)
    _take(ticket, who, now)
    session.flush()
    return Done(ticket, _audit(gate, session, ticket, reason=note.strip()[:500] or None,
                               detail={"reached": reached == "yes"}))


def resolve(session: Session, who: Principal, ticket_id: int, *, outcome: str, now: datetime) -> Done[HandoffTicket]:
    gate = permit(who, "handoff.resolve")
    outcome = outcome.strip()[:500]
    if not outcome:
        raise InvalidInput("a resolution needs an outcome", code="outcome_required", message="请写明处理结果。")
    ticket = _workable(session, who, ticket_id)
    _take(ticket, who, now)
    ticket.status, ticket.resolved_at, ticket.outcome = "resolved", now, outcome
    session.flush()
    return Done(ticket, _audit(gate, session, ticket, reason=outcome))

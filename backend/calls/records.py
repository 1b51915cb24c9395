"""Writing and reading call records. Every write is idempotent on its natural key (the call's
SID; a turn's or event's sequence number within its call), because the IVR retries writes the
backend did not acknowledge and must never store a turn twice."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from backend.api.schemas.calls import CallCreate, CallUpdate, EventCreate, TurnCreate
from backend.core.errors import InvalidInput, NotFound
from backend.models import Call, CallEvent, CallTurn, HandoffTicket, Order, Person, Station
from backend.models.base import utcnow
from backend.people.identity import normalise_phone

FINAL_STATUSES = frozenset({"completed", "dropped", "transferred", "failed"})


def _find_person(session: Session, phone: str | None) -> Person | None:
    if not phone:
        return None
    try:
        e164 = normalise_phone(phone)
    except InvalidInput:
        return None  # withheld or foreign numbers are still calls; the caller is just unknown
    return session.scalar(select(Person).where(Person.phone == e164))


def open_call(session: Session, body: CallCreate) -> Call:
    """The call with this SID, created on first sight. An unknown caller's call belongs to the
    top station (as handoff tickets do), so city-level operators see it."""
    call = session.scalar(select(Call).where(Call.call_sid == body.call_sid))
    if call is not None:
        return call
    person = _find_person(session, body.caller_phone)
    station_id = person.station_id if person else session.scalar(select(Station.id).order_by(Station.id).limit(1))
    call = Call(call_sid=body.call_sid, caller_phone=body.caller_phone, person_id=person.id if person else None,
                station_id=station_id, channel=body.channel, mode=body.mode, status="in_progress",
                started_at=body.started_at or utcnow())
    session.add(call)
    session.flush()
    return call


def get_call(session: Session, call_sid: str) -> Call:
    call = session.scalar(select(Call).where(Call.call_sid == call_sid))
    if call is None:
        raise NotFound(f"call {call_sid} does not exist", code="call_not_found", message="没有找到这个通话。")
    return call


def update_call(session: Session, call: Call, body: CallUpdate) -> Call:
    """Apply a status change. A final status is kept once set (a late 'in_progress' status
    callback must not reopen a finished call), but Twilio's own status is always recorded."""
    if body.twilio_status is not None:
        call.twilio_status = body.twilio_status
    if body.duration_s is not None:
        call.duration_s = body.duration_s
    if body.status is not None and call.status not in FINAL_STATUSES:
        call.status = body.status
        if body.end_reason is not None:
            call.end_reason = body.end_reason
    if call.status in FINAL_STATUSES and call.ended_at is None:
        call.ended_at = body.ended_at or utcnow()
    session.flush()
    return call


def add_turn(session: Session, call: Call, body: TurnCreate) -> CallTurn:
    existing = session.scalar(select(CallTurn).where(CallTurn.call_id == call.id, CallTurn.seq == body.seq))
    if existing is not None:
        return existing
    turn = CallTurn(call_id=call.id, **body.model_dump(exclude={"started_at"}),
                    started_at=body.started_at or utcnow())
    session.add(turn)
    session.flush()
    return turn


def add_event(session: Session, call: Call, body: EventCreate) -> CallEvent:
    existing = session.scalar(select(CallEvent).where(CallEvent.call_id == call.id, CallEvent.seq == body.seq))
    if existing is not None:
        return existing
    if body.order_id is not None and session.get(Order, body.order_id) is None:
        raise InvalidInput(f"order {body.order_id} does not exist")
    if body.handoff_id is not None and session.get(HandoffTicket, body.handoff_id) is None:
        raise InvalidInput(f"handoff ticket {body.handoff_id} does not exist")
    event = CallEvent(call_id=call.id, **body.model_dump(exclude={"at"}), at=body.at or utcnow())
    session.add(event)
    session.flush()
    return event


def list_calls(session: Session, scope_path: str, limit: int, before: datetime | None = None) -> list[Call]:
    """Newest first, only calls whose station lies in ``scope_path``'s subtree."""
    query = (select(Call).join(Station, Station.id == Call.station_id)
             .where(Station.path.startswith(scope_path)).order_by(Call.started_at.desc(), Call.id.desc()).limit(limit))
    if before is not None:
        query = query.where(Call.started_at < before)
    return list(session.scalars(query))


def turns_and_events(session: Session, call: Call) -> tuple[list[CallTurn], list[CallEvent]]:
    turns = session.scalars(select(CallTurn).where(CallTurn.call_id == call.id).order_by(CallTurn.seq))
    events = session.scalars(select(CallEvent).where(CallEvent.call_id == call.id).order_by(CallEvent.seq))
    return list(turns), list(events)


def orders_created(session: Session, call: Call, events: list[CallEvent]) -> list[int]:
    """Orders the call created: those it recorded itself (keypad bookings, orders the assistant
    reported), and phone-channel orders of the caller made while the call was on (the assistant
    books through the backend directly, so the call may not have heard of them)."""
    ids = {e.order_id for e in events if e.order_id is not None}
    if call.person_id is not None:
        query = select(Order.id).where(
            Order.channel == "phone", Order.created_at >= call.started_at,
            or_(Order.recipient_id == call.person_id, Order.requested_by_id == call.person_id))
        if call.ended_at is not None:
            query = query.where(Order.created_at <= call.ended_at)
        ids.update(session.scalars(query))
    return sorted(ids)


REVIEW_STATUSES = ("unreviewed", "reviewed", "flagged")


@dataclass(frozen=True)
class CallSearch:
    """Operator search filters; None means "any". ``phone``: digits contained in the caller's
    number; ``since``/``until``: UTC instants bounding ``started_at`` (until exclusive)."""

    phone: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    status: str | None = None
    review_status: str | None = None
    person_ids: tuple[int, ...] | None = None  # calls of these identified callers only


def search_calls(session: Session, scope_path: str, search: CallSearch, *, include_unplaced: bool,
                 limit: int, offset: int = 0) -> tuple[list[Call], int]:
    """One page of calls in ``scope_path``'s subtree, newest first, and how many match in all.
    Calls without a station (an unknown caller) are included only with ``include_unplaced``,
    which only a city-level operator may ask for."""
    in_scope = Station.path.startswith(scope_path, autoescape=True)
    where = [or_(in_scope, Call.station_id.is_(None)) if include_unplaced else in_scope]
    digits = "".join(ch for ch in (search.phone or "") if ch.isdigit())
    if digits:
        where.append(Call.caller_phone.contains(digits, autoescape=True))
    if search.since is not None:
        where.append(Call.started_at >= search.since)
    if search.until is not None:
        where.append(Call.started_at < search.until)
    if search.status:
        where.append(Call.status == search.status)
    if search.review_status:
        where.append(Call.review_status == search.review_status)
    if search.person_ids is not None:
        where.append(Call.person_id.in_(search.person_ids))
    base = select(Call).outerjoin(Station, Station.id == Call.station_id).where(*where)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.scalars(base.order_by(Call.started_at.desc(), Call.id.desc()).limit(limit).offset(offset))
    return list(rows), total


def set_review(session: Session, call: Call, *, status: str, operator_id: int, note: str | None,
               now: datetime) -> bool:
    """Mark a call reviewed or flag it (a flag needs a note saying why). Returns False, changing
    nothing, when the call already has this status and note (a form sent twice)."""
    if status not in ("reviewed", "flagged"):
        raise InvalidInput(f"review status must be reviewed or flagged, got {status!r}", code="invalid_review_status")
    note = (note or "").strip() or None
    if status == "flagged" and note is None:
        raise InvalidInput("a flag needs a reason", code="reason_required", message="标记问题时请写明原因。")
    if call.review_status == status and call.review_note == note:
        return False
    call.review_status, call.review_note = status, note
    call.reviewed_by, call.reviewed_at = operator_id, now
    session.flush()
    return True

"""The SMS outbox. ``collect`` reads the order events the outbox has not seen (a cursor row) and writes
one ``OrderMessage`` per person to tell, in the same transaction that moves the cursor: an offer to
the volunteer it was made to, a confirmation to the elder and to the family member who booked when a
volunteer accepts, and reminders before the visit; ``notify`` queues a text a decision calls for (a dispute's
outcome). ``deliver`` sends the due messages, each outside
any transaction, and records the outcome: sent, or tried again later (30 s, 2 min, 10 min, 30 min ...)
until ``MAX_ATTEMPTS``, then failed with Twilio's reason. The offer itself never depends on a message:
it is on the volunteer's page and in the dispatcher's hands whatever Twilio says."""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from backend.core.db import unit_of_work
from backend.messaging import compose
from backend.messaging.sms import SendFailed, SmsSender
from backend.messaging.voice import OfferCaller
from backend.models import MessageCursor, Offer, Order, OrderEvent, OrderMessage, Person, VolunteerProfile
from backend.orders import states
from backend.volunteers.offers import distance_between, service_name
from backend.volunteers.words import distance_text, duration_text, spoken_when, when_text

log = logging.getLogger("yinling.messaging")
CURSOR = "order_events"
BACKOFF_SECONDS = (30, 120, 600, 1800, 3600)
MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1
LEASE = timedelta(minutes=5)  # how long a claimed message is left alone by other passes
LINK_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


def _link_code() -> str:
    return "".join(secrets.choice(LINK_ALPHABET) for _ in range(8))


def _add(session: Session, order: Order, person: Person | None, kind: str, body: str, *, event_id: int | None,
         now: datetime, link_code: str | None = None) -> OrderMessage | None:
    if person is None or not person.phone:
        return None
    message = OrderMessage(order_id=order.id, event_id=event_id, person_id=person.id, to_phone=person.phone,
                           kind=kind, body=body, link_code=link_code, status="pending", attempts=0,
                           next_attempt_at=now, created_at=now)
    session.add(message)
    return message


def notify(session: Session, order: Order, person: Person | None, kind: str, body: str, *,
           now: datetime) -> OrderMessage | None:
    """Queues one text about ``order`` to ``person`` (none without a phone), in the caller's transaction,
    for ``deliver`` to send: what a decision taken elsewhere (a dispute's outcome) tells the people."""
    return _add(session, order, person, kind, body, event_id=None, now=now)


def _offer(session: Session, event: OrderEvent, order: Order, *, base_url: str, tz: str, now: datetime) -> None:
    pending = session.scalar(select(Offer.id).where(Offer.order_id == order.id, Offer.volunteer_id == event.volunteer_id,
                                                    Offer.outcome == "pending", Offer.expires_at > now))
    if pending is None or order.state != states.ASSIGNED:
        return  # answered or expired before we got to it: a late text would only confuse
    volunteer = session.get(Person, event.volunteer_id)
    service, duration = service_name(session, order.service_slug), duration_text(order.duration_minutes)
    distance = distance_text(distance_between(volunteer, order))
    profile = session.get(VolunteerProfile, volunteer.id)
    if profile is not None and profile.offer_by == "call":
        body = compose.offer_call(service=service, when=spoken_when(order.start_at, tz), duration=duration,
                                  distance=distance)
        message = _add(session, order, volunteer, "offer", body, event_id=event.id, now=now)
        if message is not None:
            message.channel = "call"
        return
    code = _link_code()
    body = compose.offer(service=service, when=when_text(order.start_at, tz), duration=duration, distance=distance,
                         link=f"{base_url}/v/{code}")
    _add(session, order, volunteer, "offer", body, event_id=event.id, now=now, link_code=code)


def _confirmation(session: Session, event: OrderEvent, order: Order, *, tz: str, now: datetime) -> None:
    volunteer = session.get(Person, event.volunteer_id)
    body = compose.confirmation(service=service_name(session, order.service_slug), when=when_text(order.start_at, tz),
                                volunteer_name=volunteer.name)
    told = {None}
    for person_id in (order.recipient_id, order.requested_by_id):
        if person_id not in told:
            told.add(person_id)
            _add(session, order, session.get(Person, person_id), "confirmation", body, event_id=event.id, now=now)


def collect(session: Session, *, base_url: str, tz: str, now: datetime, reminder_hours: float = 18.0,
            limit: int = 500) -> int:
    """Writes the messages the new order events call for, and the reminders now due. Returns how many."""
    cursor = session.get(MessageCursor, CURSOR, with_for_update=True)
    if cursor is None:
        cursor = MessageCursor(name=CURSOR, last_event_id=0)
        session.add(cursor)
    last_before = session.scalar(select(func.max(OrderMessage.id))) or 0
    events = session.scalars(select(OrderEvent).where(OrderEvent.id > cursor.last_event_id)
                             .order_by(OrderEvent.id).limit(limit)).all()
    for event in events:
        order = session.get(Order, event.order_id)
        if event.kind == "offered" and event.volunteer_id:
            _offer(session, event, order, base_url=base_url, tz=tz, now=now)
        elif event.kind == "accepted" and event.volunteer_id:
            _confirmation(session, event, order, tz=tz, now=now)
        cursor.last_event_id = event.id
    _reminders(session, tz=tz, now=now, hours=reminder_hours)
    session.flush()
    return session.scalar(select(func.count()).select_from(OrderMessage).where(OrderMessage.id > last_before))


def _reminders(session: Session, *, tz: str, now: datetime, hours: float) -> None:
    reminded = select(OrderMessage.order_id).where(OrderMessage.kind == "reminder")
    due = session.scalars(select(Order).where(Order.state == states.ACCEPTED, Order.start_at > now,
                                              Order.start_at <= now + timedelta(hours=hours),
                                              Order.id.not_in(reminded))).all()
    for order in due:
        service, when = service_name(session, order.service_slug), when_text(order.start_at, tz)
        volunteer, elder = session.get(Person, order.volunteer_id), session.get(Person, order.recipient_id)
        _add(session, order, volunteer, "reminder", compose.reminder_to_volunteer(
            service=service, when=when, address=order.address or elder.address or "请联系站点"), event_id=None, now=now)
        _add(session, order, elder, "reminder", compose.reminder_to_elder(
            service=service, when=when, volunteer_name=volunteer.name), event_id=None, now=now)


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def deliver(sessions: sessionmaker[Session], sender: SmsSender | None, *, now: datetime,
            caller: OfferCaller | None = None, limit: int = 50) -> DeliveryReport:
    """Sends the due pending messages (texts through ``sender``, offer calls through ``caller``; a channel
    without one waits), one short transaction before and after each, never during."""
    report = DeliveryReport()
    channels = [c for c, part in (("sms", sender), ("call", caller)) if part is not None]
    with unit_of_work(sessions) as session:
        due = session.execute(select(OrderMessage.id, OrderMessage.channel, OrderMessage.to_phone, OrderMessage.body)
                              .where(OrderMessage.status == "pending", OrderMessage.channel.in_(channels),
                                     OrderMessage.next_attempt_at <= now)
                              .order_by(OrderMessage.id).limit(limit)).all()
    for message_id, channel, to, body in due:
        if not _claim(sessions, message_id, now):
            continue  # another worker's pass took it first
        try:
            sid = sender.send(to, body) if channel == "sms" else caller.call(to, message_id)
            error = None
        except SendFailed as exc:
            sid, error = None, exc
        with unit_of_work(sessions) as session:
            message = session.get(OrderMessage, message_id, with_for_update=True)
            message.attempts += 1
            if error is None:
                message.status, message.provider_sid, message.sent_at, message.last_error = "sent", sid, now, None
                report.sent.append(message_id)
            elif error.permanent or message.attempts >= MAX_ATTEMPTS:
                message.status, message.last_error = "failed", str(error)[:500]
                report.failed.append(message_id)
                log.warning("message %s to order %s given up: %s", message_id, message.order_id, error)
            else:
                message.last_error = str(error)[:500]
                message.next_attempt_at = now + timedelta(seconds=BACKOFF_SECONDS[message.attempts - 1])
                report.retrying.append(message_id)
    return report


def _claim(sessions: sessionmaker[Session], message_id: int, now: datetime) -> bool:
    """Takes the message for this pass with one conditional UPDATE (a lease of ``LEASE``), so of several
    workers' passes exactly one sends it; a pass that dies mid-send leaves it due again after the lease."""
    with unit_of_work(sessions) as session:
        taken = session.execute(update(OrderMessage).where(
            OrderMessage.id == message_id, OrderMessage.status == "pending", OrderMessage.next_attempt_at <= now)
            .values(next_attempt_at=now + LEASE).execution_options(synchronize_session=False))
        return taken.rowcount == 1


def find_link(session: Session, code: str) -> OrderMessage | None:
    if not code or len(code) > 16 or any(ch not in LINK_ALPHABET for ch in code):
        return None
    return session.scalar(select(OrderMessage).where(OrderMessage.link_code == code))


def for_order(session: Session, order_id: int) -> list[OrderMessage]:
    return list(session.scalars(select(OrderMessage).where(OrderMessage.order_id == order_id)
                                .order_by(OrderMessage.id)))

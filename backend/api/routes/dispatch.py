"""Volunteer supply, candidate ranking, offers, the open board, and the event feed."""
from __future__ import annotations

from fastapi import APIRouter, Query
from sqlalchemy import select

from backend.access import orders as order_actions
from backend.access import permit, scope
from backend.api.deps import CallerDep, IdempotencyKey, NowDep, OperatorDep, PolicyDep, SessionDep, SettingsDep, once
from backend.api.routes.orders import order_public
from backend.api.schemas.fulfilment import (CandidatePublic, EventPublic, ExceptionCreate, SupplyUpdate,
                                            VolunteerAction)
from backend.api.schemas.orders import MessagePublic, OrderPublic, ReleaseRequest
from backend.matching import dispatch
from backend.core.errors import NotFound
from backend.models import Order, OrderEvent, OrderMessage, Station
from backend.people import supply

router = APIRouter(tags=["matching"])


@router.put("/volunteers/{person_id}/supply")
def set_supply(person_id: int, body: SupplyUpdate, session: SessionDep, caller: CallerDep):
    gate = permit(caller, "volunteer.supply")
    volunteer = scope.person(session, caller, person_id)
    supply.set_supply(session, volunteer.id, radius_km=body.radius_km, max_open_orders=body.max_open_orders,
                      services=body.services, weekly=[(w.weekday, w.start, w.end) for w in body.weekly])
    gate.audit(session, f"person:{volunteer.id}", volunteer.station_id, detail=body.model_dump(mode="json"))
    return supply.supply_of(session, volunteer.id)


@router.post("/volunteers/{person_id}/exceptions", status_code=201)
def add_exception(person_id: int, body: ExceptionCreate, session: SessionDep, caller: CallerDep):
    gate = permit(caller, "volunteer.exception")
    volunteer = scope.person(session, caller, person_id)
    row = supply.add_exception(session, volunteer.id, body.day, available=body.available, start=body.start,
                               end=body.end, reason=body.reason)
    gate.audit(session, f"person:{volunteer.id}", volunteer.station_id, detail=body.model_dump(mode="json"))
    return {"id": row.id}


@router.get("/volunteers/{person_id}/board", response_model=list[OrderPublic])
def board(person_id: int, session: SessionDep, caller: CallerDep, now: NowDep):
    scope.person(session, caller, person_id)
    return [order_public(session, o) for o in dispatch.board(session, person_id, now=now)]


@router.get("/orders/{order_id}/candidates", response_model=list[CandidatePublic])
def candidates(order_id: int, session: SessionDep, caller: OperatorDep, policy: PolicyDep, settings: SettingsDep,
               limit: int = Query(10, ge=1, le=100)):
    order = scope.order(session, caller, order_id)
    ranked = dispatch.ranked_candidates(session, order, policy=policy, tz=settings.timezone)[:limit]
    return [CandidatePublic(person_id=r.candidate.person_id, score=r.score, distance_km=r.candidate.distance_km,
                            age=r.candidate.age, recent_minutes=r.candidate.recent_minutes,
                            rating_avg=r.candidate.rating_avg) for r in ranked]


@router.post("/orders/{order_id}/offer", response_model=OrderPublic)
def offer(order_id: int, session: SessionDep, caller: OperatorDep, policy: PolicyDep, settings: SettingsDep,
          now: NowDep):
    gate = permit(caller, "order.offer")
    order = scope.order(session, caller, order_id, for_update=True)
    dispatch.offer_next(session, order, policy=policy, tz=settings.timezone, now=now)
    gate.audit(session, f"order:{order.id}", order.station_id, detail={"volunteer_id": order.volunteer_id})
    return order_public(session, order)


@router.post("/orders/{order_id}/accept", response_model=OrderPublic)
def accept(order_id: int, body: VolunteerAction, session: SessionDep, caller: CallerDep, now: NowDep,
           key: IdempotencyKey = None):
    gate = permit(caller, "order.accept")
    order = scope.order(session, caller, order_id)

    def work():
        dispatch.accept(session, order.id, body.volunteer_id, channel=body.channel, now=now)
        gate.audit(session, f"order:{order.id}", order.station_id, detail={"volunteer_id": body.volunteer_id})
        return order_public(session, order)
    return once(session, caller, f"orders.accept.{order_id}", key, body, work)


@router.post("/orders/{order_id}/decline", response_model=OrderPublic)
def decline(order_id: int, body: VolunteerAction, session: SessionDep, caller: CallerDep, policy: PolicyDep,
            settings: SettingsDep, now: NowDep):
    gate = permit(caller, "order.decline")
    order = scope.order(session, caller, order_id)
    dispatch.decline(session, order.id, body.volunteer_id, policy=policy, tz=settings.timezone, now=now)
    gate.audit(session, f"order:{order.id}", order.station_id, detail={"volunteer_id": body.volunteer_id})
    return order_public(session, order)


@router.post("/orders/{order_id}/release", response_model=OrderPublic)
def release(order_id: int, body: ReleaseRequest, session: SessionDep, caller: OperatorDep, now: NowDep):
    """Live supervision: the accepted volunteer did not come; the order is open again for another."""
    return order_public(session, order_actions.release(session, caller, order_id, reason=body.reason, now=now).value)


@router.get("/messages/{message_id}", response_model=MessagePublic)
def message(message_id: int, session: SessionDep, caller: CallerDep):
    """One outbox message (the hotline reads the offer call it is answering); its order's scope applies."""
    row = session.get(OrderMessage, message_id)
    if row is None:
        raise NotFound(f"message {message_id} does not exist", code="message_not_found", message="没有找到这条消息。")
    scope.order(session, caller, row.order_id)
    return row


@router.get("/dispatch/escalated", response_model=list[OrderPublic])
def escalated(session: SessionDep, caller: OperatorDep):
    return [order_public(session, o) for o in dispatch.escalated_queue(session)
            if caller.can_see_path(_path(session, o.station_id))]


@router.get("/events", response_model=list[EventPublic])
def events(session: SessionDep, caller: CallerDep, after_id: int = 0, order_id: int | None = None,
           limit: int = Query(100, ge=1, le=1000)):
    """Order events for the IVR and chat to announce (offered, accepted, declined, timed_out, escalated ...)."""
    query = select(OrderEvent).where(OrderEvent.id > after_id)
    if order_id is not None:
        scope.order(session, caller, order_id)
        query = query.where(OrderEvent.order_id == order_id)
    elif caller.kind != "service":
        query = query.where(OrderEvent.order_id.in_(_visible_orders(caller)))
    return list(session.scalars(query.order_by(OrderEvent.id).limit(limit)))


def _path(session, station_id: int) -> str:
    return session.get(Station, station_id).path


def _visible_orders(caller):
    return select(Order.id).join(Station, Station.id == Order.station_id).where(Station.path.startswith(caller.scope_path))

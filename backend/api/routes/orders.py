from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from backend.api.deps import (CallerDep, IdempotencyKey, NowDep, OperatorDep, PolicyDep, SessionDep, TodayDep,
                              check_person_scope, check_scope)
from backend.api.schemas.orders import (CancelRequest, OrderCreate, OrderPublic, PaperBackfillCreate,
                                        TransitionPublic, TransitionRequest)
from backend.catalogue.catalogue import get_service
from backend.core.idempotency import run_once
from backend.models import Order, OrderTransition
from backend.orders import backfill as paper
from backend.orders import service as orders
from backend.orders import states
from backend.people import registry

router = APIRouter(prefix="/orders", tags=["orders"])


def order_public(session, order: Order) -> OrderPublic:
    public = OrderPublic.model_validate(order)
    public.service_name = get_service(session, order.service_slug).name_zh
    public.state_zh = states.STATE_ZH.get(order.state, order.state)
    return public


def _scoped_order(session, caller, order_id: int, for_update: bool = False) -> Order:
    order = orders.get_order(session, order_id, for_update=for_update)
    check_scope(session, caller, order.station_id)
    return order


@router.post("", response_model=OrderPublic, status_code=201)
def create_order(body: OrderCreate, session: SessionDep, caller: CallerDep, policy: PolicyDep,
                 now: NowDep, today: TodayDep, key: IdempotencyKey = None):
    check_person_scope(session, caller, registry.get_person(session, body.recipient_id))
    actor = f"person:{body.requested_by_person_id}" if body.requested_by_person_id else caller.name

    def work():
        new = orders.NewOrder(
            recipient_id=body.recipient_id, service_slug=body.service_slug, start_at=body.start_at,
            duration_minutes=body.duration_minutes, channel=body.channel, actor=actor, address=body.address,
            lat=body.lat, lon=body.lon, note=body.note, requested_by_id=body.requested_by_person_id)
        return order_public(session, orders.create_order(session, new, policy=policy, now=now, today=today))
    return run_once(session, "orders.create", key, body, work)


@router.get("/{order_id}", response_model=OrderPublic)
def read_order(order_id: int, session: SessionDep, caller: CallerDep):
    return order_public(session, _scoped_order(session, caller, order_id))


@router.get("/{order_id}/transitions", response_model=list[TransitionPublic])
def read_transitions(order_id: int, session: SessionDep, caller: CallerDep):
    _scoped_order(session, caller, order_id)
    return list(session.scalars(select(OrderTransition).where(OrderTransition.order_id == order_id)
                                .order_by(OrderTransition.id)))


@router.post("/{order_id}/cancel", response_model=OrderPublic)
def cancel_order(order_id: int, body: CancelRequest, session: SessionDep, caller: CallerDep,
                 key: IdempotencyKey = None):
    _scoped_order(session, caller, order_id)

    def work():
        return order_public(session, orders.cancel_order(session, order_id, actor=caller.name,
                                                         channel=body.channel, reason=body.reason))
    return run_once(session, f"orders.cancel.{order_id}", key, body, work)


@router.post("/{order_id}/transitions", response_model=OrderPublic)
def move_order(order_id: int, body: TransitionRequest, session: SessionDep, caller: OperatorDep):
    order = _scoped_order(session, caller, order_id, for_update=True)
    return order_public(session, orders.transition(session, order, body.to_state, actor=caller.name,
                                                   channel=body.channel, reason=body.reason))


@router.post("/paper-backfill", response_model=OrderPublic, status_code=201)
def paper_backfill(body: PaperBackfillCreate, session: SessionDep, caller: OperatorDep, policy: PolicyDep,
                   now: NowDep, today: TodayDep):
    check_person_scope(session, caller, registry.get_person(session, body.recipient_id))
    record = paper.PaperRecord(volunteer_id=body.volunteer_id, recipient_id=body.recipient_id,
                               service_slug=body.service_slug, started_at=body.started_at,
                               ended_at=body.ended_at, reason=body.reason, recorded_by=caller.name)
    return order_public(session, paper.backfill(session, record, policy=policy, now=now, today=today))

"""Orders: create and read, cancel, paper back-fill. States change only through their use cases (dispatch,
visits, completion, review): there is no generic transition endpoint that could skip the ledger."""
from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from backend.access import orders as order_actions
from backend.access import permit, scope
from backend.api.deps import CallerDep, IdempotencyKey, NowDep, OperatorDep, PolicyDep, SessionDep, TodayDep, once
from backend.api.schemas.orders import (CancelRequest, MessagePublic, OrderCreate, OrderPublic, PaperBackfillCreate,
                                        TransitionPublic)
from backend.catalogue.catalogue import get_service
from backend.messaging import outbox
from backend.models import Order, OrderTransition
from backend.orders import backfill as paper
from backend.orders import service as orders
from backend.orders import states

router = APIRouter(prefix="/orders", tags=["orders"])


def order_public(session, order: Order) -> OrderPublic:
    public = OrderPublic.model_validate(order)
    public.service_name = get_service(session, order.service_slug).name_zh
    public.state_zh = states.STATE_ZH.get(order.state, order.state)
    return public


@router.post("", response_model=OrderPublic, status_code=201)
def create_order(body: OrderCreate, session: SessionDep, caller: CallerDep, policy: PolicyDep,
                 now: NowDep, today: TodayDep, key: IdempotencyKey = None):
    gate = permit(caller, "order.create")
    recipient = scope.person(session, caller, body.recipient_id)
    actor = f"person:{body.requested_by_person_id}" if body.requested_by_person_id else caller.name

    def work():
        new = orders.NewOrder(
            recipient_id=recipient.id, service_slug=body.service_slug, start_at=body.start_at,
            duration_minutes=body.duration_minutes, channel=body.channel, actor=actor, address=body.address,
            lat=body.lat, lon=body.lon, note=body.note, requested_by_id=body.requested_by_person_id)
        order = orders.create_order(session, new, policy=policy, now=now, today=today)
        gate.audit(session, f"order:{order.id}", order.station_id, detail={"service": order.service_slug})
        return order_public(session, order)
    return once(session, caller, "orders.create", key, body, work)


@router.get("/{order_id}", response_model=OrderPublic)
def read_order(order_id: int, session: SessionDep, caller: CallerDep):
    return order_public(session, scope.order(session, caller, order_id))


@router.get("/{order_id}/messages", response_model=list[MessagePublic])
def read_messages(order_id: int, session: SessionDep, caller: CallerDep):
    """Every text message about the order (offers, confirmations, reminders), sent or still waiting."""
    scope.order(session, caller, order_id)
    return outbox.for_order(session, order_id)


@router.get("/{order_id}/transitions", response_model=list[TransitionPublic])
def read_transitions(order_id: int, session: SessionDep, caller: CallerDep):
    scope.order(session, caller, order_id)
    return list(session.scalars(select(OrderTransition).where(OrderTransition.order_id == order_id)
                                .order_by(OrderTransition.id)))


@router.post("/{order_id}/cancel", response_model=OrderPublic)
def cancel_order(order_id: int, body: CancelRequest, session: SessionDep, caller: CallerDep,
                 key: IdempotencyKey = None):
    return once(session, caller, f"orders.cancel.{order_id}", key, body, lambda: order_public(session, (
        order_actions.cancel(session, caller, order_id, reason=body.reason, channel=body.channel).value)))


@router.post("/paper-backfill", response_model=OrderPublic, status_code=201)
def paper_backfill(body: PaperBackfillCreate, session: SessionDep, caller: OperatorDep, policy: PolicyDep,
                   now: NowDep, today: TodayDep):
    record = paper.PaperRecord(volunteer_id=body.volunteer_id, recipient_id=body.recipient_id,
                               service_slug=body.service_slug, started_at=body.started_at,
                               ended_at=body.ended_at, reason=body.reason, recorded_by=caller.name)
    return order_public(session, order_actions.paper_backfill(session, caller, record, policy=policy, now=now,
                                                              today=today).value)

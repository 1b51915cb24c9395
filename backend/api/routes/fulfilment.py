"""Check-in/out, ratings, follow-up calls, and the operators' review queue."""
from __future__ import annotations

from fastapi import APIRouter

from backend.api.deps import (CallerDep, IdempotencyKey, NowDep, OperatorDep, PolicyDep, SessionDep, SettingsDep,
                              check_scope)
from backend.api.routes.orders import order_public
from backend.api.schemas.fulfilment import (FollowUpDone, FollowUpPublic, Location, RatingCreate, RatingPublic,
                                            ReviewDecision)
from backend.api.schemas.orders import OrderPublic
from backend.core.idempotency import run_once
from backend.fulfilment import completion, ratings, review, visits
from backend.models import Station
from backend.orders.service import get_order

router = APIRouter(tags=["fulfilment"])


def _scope_order(session, caller, order_id: int) -> None:
    check_scope(session, caller, get_order(session, order_id).station_id)


@router.post("/orders/{order_id}/check-in", response_model=OrderPublic)
def check_in(order_id: int, body: Location, session: SessionDep, caller: CallerDep, now: NowDep):
    _scope_order(session, caller, order_id)
    return order_public(session, visits.check_in(session, order_id, body.volunteer_id, lat=body.lat, lon=body.lon,
                                                 at=body.at or now))


@router.post("/orders/{order_id}/check-out", response_model=OrderPublic)
def check_out(order_id: int, body: Location, session: SessionDep, caller: CallerDep, policy: PolicyDep,
              settings: SettingsDep, now: NowDep, key: IdempotencyKey = None):
    _scope_order(session, caller, order_id)
    return run_once(session, f"orders.check_out.{order_id}", key, body, lambda: order_public(session, visits.check_out(
        session, order_id, body.volunteer_id, lat=body.lat, lon=body.lon, at=body.at or now, policy=policy,
        tz=settings.timezone)))


@router.post("/orders/{order_id}/rating", response_model=RatingPublic, status_code=201)
def rate(order_id: int, body: RatingCreate, session: SessionDep, caller: CallerDep, now: NowDep,
         key: IdempotencyKey = None):
    _scope_order(session, caller, order_id)
    return run_once(session, f"orders.rating.{order_id}", key, body, lambda: RatingPublic.model_validate(ratings.rate(
        session, order_id, by_person_id=body.by_person_id, stars=body.stars, comment=body.comment,
        complaint=body.complaint, channel=body.channel, at=now)))


@router.get("/review/held")
def held(session: SessionDep, caller: OperatorDep):
    out = []
    for order, anomalies in review.held_orders(session):
        if caller.can_see_path(_station_path(session, order.station_id)):
            out.append({"order": order_public(session, order),
                        "anomalies": [{"kind": a.kind, "detail": a.detail} for a in anomalies]})
    return out


@router.post("/review/orders/{order_id}/approve", response_model=OrderPublic)
def approve(order_id: int, body: ReviewDecision, session: SessionDep, caller: OperatorDep, policy: PolicyDep,
            now: NowDep):
    _scope_order(session, caller, order_id)
    return order_public(session, completion.approve_held(session, order_id, policy=policy, operator=caller.name,
                                                         reason=body.reason, at=now))


@router.post("/review/orders/{order_id}/revoke", response_model=OrderPublic)
def revoke(order_id: int, body: ReviewDecision, session: SessionDep, caller: OperatorDep, now: NowDep):
    _scope_order(session, caller, order_id)
    return order_public(session, completion.revoke(session, order_id, operator=caller.name, reason=body.reason,
                                                   freeze_volunteer=body.freeze_volunteer, at=now))


@router.get("/review/suspicious")
def suspicious(session: SessionDep, caller: OperatorDep, policy: PolicyDep, now: NowDep):
    return [s.__dict__ for s in review.suspicious_patterns(session, policy=policy, now=now)]


@router.get("/follow-ups", response_model=list[FollowUpPublic])
def follow_ups(session: SessionDep, caller: OperatorDep, status: str = "pending"):
    return [f for f in ratings.follow_up_queue(session, status)
            if caller.can_see_path(_station_path(session, get_order(session, f.order_id).station_id))]


@router.post("/follow-ups/{follow_up_id}/done", response_model=FollowUpPublic)
def follow_up_done(follow_up_id: int, body: FollowUpDone, session: SessionDep, caller: OperatorDep, now: NowDep):
    return ratings.record_follow_up(session, follow_up_id, operator_id=caller.operator_id, outcome=body.outcome, at=now)


def _station_path(session, station_id: int) -> str:
    return session.get(Station, station_id).path

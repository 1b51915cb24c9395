"""Check-in/out, ratings, follow-up calls, and the operators' review queue."""
from __future__ import annotations

from fastapi import APIRouter

from backend.access import followups, permit, scope
from backend.access import orders as order_actions
from backend.api.deps import CallerDep, IdempotencyKey, NowDep, OperatorDep, PolicyDep, SessionDep, SettingsDep, once
from backend.api.routes.orders import order_public
from backend.api.schemas.fulfilment import (FollowUpDone, FollowUpPublic, Location, PhoneVisit, PhoneVisitPublic,
                                            RatingCreate, RatingPublic, ReviewDecision)
from backend.api.schemas.orders import OrderPublic
from backend.fulfilment import ratings, review, visits
from backend.models import Order, Station
from backend.volunteers import door

router = APIRouter(tags=["fulfilment"])


@router.post("/orders/{order_id}/check-in", response_model=OrderPublic)
def check_in(order_id: int, body: Location, session: SessionDep, caller: CallerDep, now: NowDep):
    gate = permit(caller, "order.check_in")
    order = scope.order(session, caller, order_id)
    visits.check_in(session, order.id, body.volunteer_id, lat=body.lat, lon=body.lon, at=body.at or now)
    gate.audit(session, f"order:{order.id}", order.station_id, detail={"volunteer_id": body.volunteer_id})
    return order_public(session, order)


@router.post("/orders/{order_id}/check-out", response_model=OrderPublic)
def check_out(order_id: int, body: Location, session: SessionDep, caller: CallerDep, policy: PolicyDep,
              settings: SettingsDep, now: NowDep, key: IdempotencyKey = None):
    """Completing credits the volunteer, or holds the order for review when the checks fail."""
    gate = permit(caller, "order.check_out")
    order = scope.order(session, caller, order_id)

    def work():
        visits.check_out(session, order.id, body.volunteer_id, lat=body.lat, lon=body.lon, at=body.at or now,
                         policy=policy, tz=settings.timezone)
        gate.audit(session, f"order:{order.id}", order.station_id,
                   detail={"volunteer_id": body.volunteer_id, "state": order.state})
        return order_public(session, order)
    return once(session, caller, f"orders.check_out.{order_id}", key, body, work)


@router.post("/volunteers/phone-visit", response_model=PhoneVisitPublic)
def phone_visit(body: PhoneVisit, session: SessionDep, caller: CallerDep, policy: PolicyDep, settings: SettingsDep,
                now: NowDep, key: IdempotencyKey = None):
    """The hotline's check-in or check-out for the volunteer whose registered number is calling (no position:
    the service is held for review)."""
    permit(caller, "order.phone_visit")

    def work():
        done = door.by_phone(session, body.phone, at=now, policy=policy, tz=settings.timezone)
        return PhoneVisitPublic(action=done.action, order_id=done.order.id, state=done.order.state,
                                message=done.message)
    return once(session, caller, "volunteers.phone_visit", key, body, work)


@router.post("/orders/{order_id}/rating", response_model=RatingPublic, status_code=201)
def rate(order_id: int, body: RatingCreate, session: SessionDep, caller: CallerDep, now: NowDep,
         key: IdempotencyKey = None):
    gate = permit(caller, "order.rate")
    order = scope.order(session, caller, order_id)

    def work():
        rating = ratings.rate(session, order.id, by_person_id=body.by_person_id, stars=body.stars,
                              comment=body.comment, complaint=body.complaint, channel=body.channel, at=now)
        gate.audit(session, f"order:{order.id}", order.station_id, detail={"stars": body.stars})
        return RatingPublic.model_validate(rating)
    return once(session, caller, f"orders.rating.{order_id}", key, body, work)


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
    return order_public(session, order_actions.approve(session, caller, order_id, reason=body.reason, policy=policy,
                                                       at=now).value)


@router.post("/review/orders/{order_id}/revoke", response_model=OrderPublic)
def revoke(order_id: int, body: ReviewDecision, session: SessionDep, caller: OperatorDep, now: NowDep):
    return order_public(session, order_actions.revoke(session, caller, order_id, reason=body.reason,
                                                      freeze_volunteer=body.freeze_volunteer, at=now).value)


@router.get("/review/suspicious")
def suspicious(session: SessionDep, caller: OperatorDep, policy: PolicyDep, now: NowDep):
    """Patterns among the people of the operator's scope only."""
    return [s.__dict__ for s in review.suspicious_patterns(session, policy=policy, now=now)
            if scope.sees_suspicion(session, caller, s)]


@router.get("/follow-ups", response_model=list[FollowUpPublic])
def follow_ups(session: SessionDep, caller: OperatorDep, status: str = "pending"):
    return [f for f in ratings.follow_up_queue(session, status)
            if scope.can_see_station(session, caller, session.get(Order, f.order_id).station_id)]


@router.post("/follow-ups/{follow_up_id}/done", response_model=FollowUpPublic)
def follow_up_done(follow_up_id: int, body: FollowUpDone, session: SessionDep, caller: OperatorDep, now: NowDep):
    return followups.close(session, caller, follow_up_id, body.outcome, at=now).value


def _station_path(session, station_id: int) -> str:
    return session.get(Station, station_id).path

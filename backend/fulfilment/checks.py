"""Fulfilment checks. Each is a pure function over the facts of one visit and returns the problems
it finds as (kind, English detail); any problem holds the order for operator review."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from backend.policy import PolicyProfile


@dataclass(frozen=True)
class VisitFacts:
    planned_minutes: int
    check_in_at: datetime | None
    check_out_at: datetime
    check_in_distance_m: float | None
    check_out_distance_m: float | None
    overlapping_order_ids: tuple[int, ...]
    minutes_same_day_before: int  # other services of this volunteer on the same local day
    position_missing: bool = False  # checked in or out by phone from the registered number: presence unmeasured
    operator_confirmed: bool = False  # an operator confirmed a presence the volunteer's position could not


Finding = tuple[str, str]


def missing_check_in(f: VisitFacts, _p: PolicyProfile) -> list[Finding]:
    return [] if f.check_in_at is not None else [("checkout_without_checkin", "checked out without checking in")]


def too_far(label: str, distance_m: float | None, p: PolicyProfile) -> list[Finding]:
    """One position against the policy's limit; the volunteer pages refuse a check-in with it at the door."""
    limit = p.matching.checkin_max_distance_m
    if distance_m is not None and distance_m > limit:
        return [("far_from_address", f"{label} {distance_m:.0f} m from the service address (limit {limit} m)")]
    return []


def far_from_address(f: VisitFacts, p: PolicyProfile) -> list[Finding]:
    return too_far("check-in", f.check_in_distance_m, p) + too_far("check-out", f.check_out_distance_m, p)


def implausible_duration(f: VisitFacts, p: PolicyProfile) -> list[Finding]:
    if f.check_in_at is None:
        return []
    minutes = (f.check_out_at - f.check_in_at).total_seconds() / 60
    if minutes < p.matching.min_service_minutes:
        return [("implausible_duration", f"{minutes:.0f} min is shorter than {p.matching.min_service_minutes} min")]
    if minutes > f.planned_minutes * p.matching.max_duration_factor:
        return [("implausible_duration",
                 f"{minutes:.0f} min is over {p.matching.max_duration_factor}× the planned {f.planned_minutes} min")]
    return []


def overlaps_other_service(f: VisitFacts, _p: PolicyProfile) -> list[Finding]:
    if not f.overlapping_order_ids:
        return []
    return [("overlap", f"overlaps this volunteer's orders {list(f.overlapping_order_ids)}")]


def over_daily_maximum(f: VisitFacts, p: PolicyProfile) -> list[Finding]:
    if f.check_in_at is None:
        return []
    minutes = (f.check_out_at - f.check_in_at).total_seconds() / 60 + f.minutes_same_day_before
    limit = p.max_service_hours_per_day * 60
    return [("daily_maximum", f"{minutes:.0f} min served that day, over {limit} min")] if minutes > limit else []


def unmeasured_presence(f: VisitFacts, _p: PolicyProfile) -> list[Finding]:
    """A phone check-in or check-out proves the registered number called, not that anyone was at the door:
    lower assurance, so an operator looks (a follow-up call to the elder settles it). So is a presence an
    operator confirmed (the volunteer called the station from the door): a reviewer looks before the credit."""
    if f.operator_confirmed:
        return [("operator_confirmed", "check-in or check-out confirmed by an operator: no position taken")]
    if not f.position_missing:
        return []
    return [("phone_presence", "checked in or out by phone from the registered number: no position taken")]


CHECKS = (missing_check_in, far_from_address, implausible_duration, overlaps_other_service, over_daily_maximum,
          unmeasured_presence)


def findings(facts: VisitFacts, policy: PolicyProfile) -> list[Finding]:
    return [finding for check in CHECKS for finding in check(facts, policy)]

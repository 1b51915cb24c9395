"""The live supervision rule (``backend.supervision.board.status_of``): what each service under way or
due is flagged as, worst first, against a fixed clock."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from backend.models import Order, ServiceVisit
from backend.supervision.board import status_of

START = datetime(2026, 12, 3, 2, 0, tzinfo=timezone.utc)
LIMIT_M = 500


def order(state: str, minutes: int = 60) -> Order:
    return Order(id=1, state=state, start_at=START, duration_minutes=minutes, end_at=START + timedelta(minutes=minutes))


def visit(after_start: int, metres: float | None = 20.0) -> ServiceVisit:
    return ServiceVisit(order_id=1, volunteer_id=2, check_in_at=START + timedelta(minutes=after_start),
                        check_in_distance_m=metres)


def kinds(o, v, now_after: int) -> list[tuple[str, int]]:
    return [(f.kind, f.minutes) for f in status_of(o, v, now=START + timedelta(minutes=now_after),
                                                     max_distance_m=LIMIT_M)]


def test_status_of__accepted_within_grace_is_upcoming():
    assert kinds(order("accepted"), None, 10) == [("upcoming", 0)]


def test_status_of__accepted_past_grace_without_check_in():
    assert kinds(order("accepted"), None, 31) == [("no_check_in", 31)]


def test_status_of__checked_in_on_time_is_under_way():
    assert kinds(order("checked_in"), visit(5), 30) == [("under_way", 0)]


def test_status_of__late_check_in():
    assert kinds(order("checked_in"), visit(30), 40) == [("late", 30), ("under_way", 0)]


def test_status_of__overrunning_comes_before_late():
    assert kinds(order("checked_in"), visit(20), 20 + 60 + 25) == [("overrunning", 25), ("late", 20), ("under_way", 0)]


def test_status_of__check_in_far_from_the_address_is_worst_after_no_check_in():
    found = status_of(order("checked_in"), visit(0, metres=1800.4), now=START + timedelta(minutes=5),
                      max_distance_m=LIMIT_M)
    assert (found[0].kind, found[0].metres) == ("location", 1800)


def test_status_of__open_is_unassigned_and_finished_states_are_quiet():
    assert kinds(order("open"), None, -60) == [("unassigned", 0)]
    assert kinds(order("held"), visit(0), 90) == [("held", 0)]
    assert kinds(order("completed"), visit(0), 90) == [("done", 0)]

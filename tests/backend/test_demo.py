"""The demo data `make run` seeds: valid ledger, and a request right after start-up gets matched."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from backend.core.bootstrap import seed_demo
from backend.core.db import unit_of_work
from backend.ledger.verify import verify
from backend.matching.dispatch import tick
from backend.models.base import utcnow
from backend.orders.service import NewOrder, create_order
from backend.people.registry import find_by_phone


def test_demo_seed__once_valid_and_a_fresh_request_is_offered_at_once(state):
    assert seed_demo(state) is True
    assert seed_demo(state) is False  # never seeds twice
    with state.sessions() as s:
        assert verify(s).ok
    soon = datetime.now(ZoneInfo(state.settings.timezone)) + timedelta(hours=2)
    start = soon.replace(minute=0, second=0, microsecond=0)
    if not 6 <= start.hour <= 20:  # outside everyone's hours: ask for tomorrow morning, as a caller would
        start = (start + timedelta(days=1)).replace(hour=9)
    with unit_of_work(state.sessions) as s:
        elder = find_by_phone(s, "+8613912340001")
        order = create_order(s, NewOrder(recipient_id=elder.id, service_slug="escort_medical", start_at=start,
                                         duration_minutes=120, channel="phone", actor="test"),
                             policy=state.policy, now=utcnow(), today=utcnow().date())
        report = tick(s, policy=state.policy, tz=state.settings.timezone, now=utcnow())
        assert report.offered == [order.id]
        assert order.state == "assigned" and order.volunteer_id is not None

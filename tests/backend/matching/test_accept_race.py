"""50 volunteers press "accept" on the same open order at the same moment: exactly one wins."""
from __future__ import annotations

import threading
import pytest
from sqlalchemy import func, select

from backend.core.db import make_engine, make_session_factory, unit_of_work
from backend.core.scratch import scratch_postgres_schema
from backend.core.errors import Conflict
from backend.matching.dispatch import accept
from backend.models import Order, OrderEvent, OrderTransition
from backend.models.base import utcnow
from backend.orders.service import NewOrder, create_order
from tests import factories
from tests.backend.conftest import POSTGRES_URL, make_state, postgres_available
from tests.backend.matching.conftest import tomorrow_at
from tests.availability import unavailable

VOLUNTEERS = 50


@pytest.mark.postgres
def test_fifty_simultaneous_accepts__exactly_one_wins():
    if not postgres_available():
        unavailable("PostgreSQL is not answering; this race test needs a server with row locks")
    with scratch_postgres_schema(POSTGRES_URL) as url:
        state = make_state(url)
        with unit_of_work(state.sessions) as s:
            tree = factories.station_tree(s)
            elder = factories.person(s, state.policy, tree["comm_a"], age=85)
            volunteers = [factories.person(s, state.policy, tree["comm_a"], roles=("volunteer",), age=30).id
                          for _ in range(VOLUNTEERS)]
            order = create_order(s, NewOrder(recipient_id=elder.id, service_slug="chat_companion",
                                             start_at=tomorrow_at(10), duration_minutes=60, channel="phone",
                                             actor="test"), policy=state.policy, now=utcnow(), today=utcnow().date())
            order_id = order.id
        engine = make_engine(url, pool_size=VOLUNTEERS)  # one connection each, so all really run at once
        sessions = make_session_factory(engine)
        barrier = threading.Barrier(VOLUNTEERS)
        winners, taken, other = [], [], []

        def press_accept(volunteer_id: int) -> None:
            barrier.wait()
            try:
                with unit_of_work(sessions) as s:
                    accept(s, order_id, volunteer_id, channel="phone", now=utcnow())
                winners.append(volunteer_id)
            except Conflict as exc:
                taken.append(exc.code)
            except Exception as exc:  # noqa: BLE001 - anything else is a failure we want to see
                other.append(repr(exc))

        threads = [threading.Thread(target=press_accept, args=(v,)) for v in volunteers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert other == []
        assert len(winners) == 1 and len(taken) == VOLUNTEERS - 1
        assert set(taken) == {"order_taken"}
        with sessions() as s:
            stored = s.get(Order, order_id)
            assert stored.state == "accepted" and stored.volunteer_id == winners[0]
            assert s.scalar(select(func.count()).select_from(OrderTransition).where(
                OrderTransition.order_id == order_id, OrderTransition.to_state == "accepted")) == 1
            assert s.scalar(select(func.count()).select_from(OrderEvent).where(
                OrderEvent.order_id == order_id, OrderEvent.kind == "accepted")) == 1
        engine.dispose()
        state.engine.dispose()

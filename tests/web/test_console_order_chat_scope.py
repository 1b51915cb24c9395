"""The order page lists the calls and chats that produced the order only where the operator may see them:
an order of street B booked by a family member of street A in the family chat shows street B's operator
the order, but not the chat (who booked stays a fact of the order), exactly as the chat's own page answers 404;
a city operator sees both."""
from __future__ import annotations

from datetime import datetime, timezone

from fastapi.testclient import TestClient

from backend.api.app import create_app
from backend.chats import records
from backend.core.db import unit_of_work
from backend.models import FamilyLink
from backend.models.base import utcnow
from backend.orders.service import NewOrder, create_order
from tests import factories
from tests.backend.conftest import make_state
from tests.backend.matching.conftest import tomorrow_at
from web.app import attach_web
from web.auth import sessions


def test_order_page_lists_the_booking_chat_only_for_an_operator_who_may_see_it(tmp_path):
    state = make_state(f"sqlite:///{tmp_path / 'yinling.db'}")
    now = datetime.now(timezone.utc)
    with unit_of_work(state.sessions) as s:
        tree = factories.station_tree(s)
        member = factories.person(s, state.policy, tree["comm_a"], roles=("volunteer",), age=45, name="王强")
        elder = factories.person(s, state.policy, tree["comm_b"], roles=("elder",), age=78, name="王秀英")
        s.add(FamilyLink(elder_id=elder.id, member_id=member.id, relation="child", consent="consented"))
        s.flush()
        order = create_order(s, NewOrder(recipient_id=elder.id, service_slug="chat_companion",
                                         start_at=tomorrow_at(10), duration_minutes=60, channel="chat",
                                         actor="service", requested_by_id=member.id),
                             policy=state.policy, now=utcnow(), today=utcnow().date())
        chat = records.current_or_new(s, member.id, now)
        records.add(s, chat, records.MEMBER, "给我妈约个陪聊", now=now)
        records.record_answer(s, chat, ["好的，约好了。"], [order.id], now=now)
        ids = {"order": order.id, "chat": chat.id,
               **{name: factories.operator(s, tree[street], name).id
                  for name, street in (("b_reviewer", "street_b"), ("city_reviewer", "city"))}}
    app = attach_web(create_app(state=state))

    def client(name: str) -> TestClient:
        with unit_of_work(state.sessions) as s:
            token, _ = sessions.start(s, "console", ids[name], datetime.now(timezone.utc))
        c = TestClient(app, follow_redirects=False, headers={"Accept": "text/html"})
        c.cookies.set(sessions.COOKIE_NAMES["console"], token)
        return c

    try:
        street_b, city = client("b_reviewer"), client("city_reviewer")
        page = street_b.get(f"/console/orders/{ids['order']}")
        assert page.status_code == 200 and "王秀英" in page.text  # the order is theirs
        # who booked is a fact of the order (聊天（王强代为预约）); the chat itself, and its list, are not shown
        assert f"/console/chats/{ids['chat']}" not in page.text and 'id="order-chats"' not in page.text
        assert "家属王强的聊天" not in page.text
        assert street_b.get(f"/console/chats/{ids['chat']}").status_code == 404
        page = city.get(f"/console/orders/{ids['order']}")
        assert page.status_code == 200 and f"/console/chats/{ids['chat']}" in page.text and "家属王强的聊天" in page.text
    finally:
        state.engine.dispose()

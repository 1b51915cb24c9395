"""The whole story across both sites, in real browsers with the real assistant: a family member books
a service for their mother through the chat widget; the order appears on the street operator's
console; the volunteer serves it and the mother pays with her coins; the operator, told the service
was fake, revokes it with a reason; her balance is back, on the console and on the family page."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from backend.core.db import unit_of_work
from backend.fulfilment.visits import check_in, check_out
from backend.ledger.coin_words import coins_text
from backend.ledger.queries import balance_minutes
from backend.ledger.verify import verify
from backend.matching.dispatch import accept, offer_next
from backend.models import AuditEntry, Order
from tests.web.conftest import shot
from tests.web.console_world import login as console_login
from tests.web.family_helpers import web_assets  # noqa: F401 (fixture)
from tests.web.family_helpers import DEMO_ELDER_PHONE, login_ok, person_by_phone
from tests.web.widget import ask_until_read_back, click_reply, orders_for, restart

pytestmark = pytest.mark.usefixtures("web_assets", "family_rasa")
REASON = "回访时老人说志愿者没有来，虚假服务"


def serve(web_app, order_id: int) -> int:
    """The volunteer the dispatcher offered the order to (or the best candidate) accepts it, checks in
    at the address and checks out an hour later. Returns the volunteer's id."""
    state = web_app.state
    with unit_of_work(state.sessions) as session:
        order = session.get(Order, order_id)
        if order.volunteer_id is None:
            assert offer_next(session, order, policy=state.policy, tz=state.settings.timezone,
                              now=datetime.now(timezone.utc)), "no volunteer can serve the order"
        volunteer_id = order.volunteer_id
        accept(session, order_id, volunteer_id, channel="phone", now=datetime.now(timezone.utc))
    with unit_of_work(state.sessions) as session:
        order = session.get(Order, order_id)
        check_in(session, order_id, volunteer_id, lat=order.lat, lon=order.lon, at=order.start_at)
    with unit_of_work(state.sessions) as session:
        order = session.get(Order, order_id)
        check_out(session, order_id, volunteer_id, lat=order.lat, lon=order.lon,
                  at=order.start_at + timedelta(minutes=order.duration_minutes), policy=state.policy,
                  tz=state.settings.timezone)
    return volunteer_id


def balance(web_app, person_id: int) -> int:
    with unit_of_work(web_app.state.sessions) as session:
        return balance_minutes(session, person_id)


def test_family_booking_reaches_the_console_and_revoking_it_restores_the_elders_balance(web_app, browser, page):
    elder = person_by_phone(web_app, DEMO_ELDER_PHONE)
    before = {o.id for o in orders_for(web_app, elder.id)}
    login_ok(page, web_app.url)
    page.wait_for_selector(".yl-chat .QuickReply")
    restart(page)  # whatever an earlier test left open in this member's conversation
    heard = ask_until_read_back(page, "帮我妈妈约后天上午的助餐服务")
    assert "对吗" in heard and "后天" in heard, heard
    assert "约好了" in click_reply(page, "对")
    [order_id] = [o.id for o in orders_for(web_app, elder.id) if o.id not in before]

    operator = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    console_login(operator, web_app.url, "hunan_road")
    operator.goto(web_app.url + "/console/orders")
    card = operator.locator(f"[data-order-id='{order_id}']").first
    assert "王秀英" in card.inner_text()
    shot(operator, "flow-console-board-with-family-order")

    elder_before = balance(web_app, elder.id)
    volunteer_id = serve(web_app, order_id)
    with unit_of_work(web_app.state.sessions) as session:
        order = session.get(Order, order_id)
        assert order.state == "completed", order.state
        paid = order.duration_minutes
    assert balance(web_app, elder.id) == elder_before - paid  # she paid with her coins
    volunteer_before_revoke = balance(web_app, volunteer_id)

    operator.goto(web_app.url + f"/console/orders/{order_id}")
    assert "王秀英" in operator.inner_text("main")
    operator.fill("#revoke-reason", REASON)
    operator.click("#review-actions button.danger")
    operator.wait_for_url(re.compile(rf"/console/orders/{order_id}\?done="))
    assert "订单已撤销" in operator.inner_text(".flash")
    shot(operator, "flow-console-order-revoked")

    assert balance(web_app, elder.id) == elder_before
    assert balance(web_app, volunteer_id) == volunteer_before_revoke - paid
    with unit_of_work(web_app.state.sessions) as session:
        assert session.get(Order, order_id).state == "revoked"
        assert verify(session).ok
        [entry] = session.query(AuditEntry).filter_by(action="order.revoke", target=f"order:{order_id}").all()
        assert entry.reason == REASON and entry.actor.startswith("operator:")

    page.reload()  # the family member sees her balance back
    page.wait_for_selector(".fam-elder .fam-balance")
    assert page.locator(".fam-elder .fam-balance").first.inner_text() == coins_text(elder_before)
    shot(page, "flow-family-balance-restored")
    operator.context.close()

"""The console's orders in a real browser: the board by state and scope, manual assignment from the
ranked candidates, correction with a required reason, cancellation; every action audited."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import select

from backend.api.schemas.calls import CallCreate, EventCreate, TurnCreate
from backend.calls.records import add_event, add_turn, open_call
from backend.models import Offer, Order, OrderEvent, Person
from backend.orders.service import NewOrder, create_order
from tests.web.conftest import shot
from tests import factories
from tests.web.console_world import (OTHER_STREET, PHONES, audit_entries, count, db, ensure_people, login,
                                     next_start, open_order, operator_id, person_id)


def csrf(page) -> str:
    return page.get_attribute("meta[name=csrf-token]", "content")


def test_orders_board__new_order_in_open_column_and_hidden_from_another_street(web_app, browser, page):
    order_id = open_order(web_app, "zhou", note="看门的狗比较凶")
    login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + "/console/orders")
    card = page.locator(f"section.board-column[data-state=open] article[data-order-id='{order_id}']")
    assert card.count() == 1 and "周淑芬" in card.inner_text()
    assert page.locator(f"section.board-column[data-state=assigned] article[data-order-id='{order_id}']").count() == 0
    shot(page, "console-orders-board")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "console-orders-board-phone")

    other = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    try:
        xuanwu = other.new_page()
        login(xuanwu, web_app.url, OTHER_STREET, web_app)
        xuanwu.goto(web_app.url + "/console/orders")
        assert xuanwu.locator(f"[data-order-id='{order_id}']").count() == 0
        assert "周淑芬" not in xuanwu.content()
        response = xuanwu.goto(web_app.url + f"/console/orders/{order_id}")
        assert response.status == 404 and "不在您的管辖范围内" in xuanwu.content()
        assert "看门的狗" not in xuanwu.content()
        shot(xuanwu, "console-order-other-street-404-phone")
    finally:
        other.close()


def test_orders_board__escalated_unmatched_orders_come_first(web_app, page):
    order_id = open_order(web_app, "wu")
    with db(web_app) as s:  # what the dispatcher's tick does once an order waits past the escalation time
        s.get(Order, order_id).escalated_at = datetime.now(timezone.utc)
    login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + "/console/orders")
    escalated = [a.get_attribute("data-order-id") for a in page.locator("#escalated article").all()]
    assert str(order_id) in escalated
    column = page.locator("section.board-column[data-state=open] article").all()
    flags = [("escalated" in card.get_attribute("class"), card.get_attribute("data-order-id")) for card in column]
    assert (True, str(order_id)) in flags
    assert flags == sorted(flags, key=lambda flag: not flag[0])  # every escalated card before the others
    mine = page.locator(f"section.board-column[data-state=open] article[data-order-id='{order_id}']")
    assert "超时未匹配" in mine.inner_text()


def test_manual_assignment__chosen_candidate_gets_the_offer_and_it_is_audited(web_app, page):
    order_id = open_order(web_app, "zhou")
    login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + f"/console/orders/{order_id}")
    rows = page.locator("table.candidates tbody tr")
    assert rows.count() >= 2
    assert "公里" in rows.first.inner_text()
    chosen = int(rows.nth(1).get_attribute("data-volunteer-id"))  # not the dispatcher's first choice
    shot(page, "console-order-candidates")
    rows.nth(1).locator("button").click()
    page.wait_for_url(f"**/console/orders/{order_id}?done=*")
    assert "已派单给志愿者" in page.inner_text(".flash")
    with db(web_app) as s:
        order = s.get(Order, order_id)
        assert (order.state, order.volunteer_id) == ("assigned", chosen)
        offers = list(s.scalars(select(Offer).where(Offer.order_id == order_id)))
        assert [(o.volunteer_id, o.outcome) for o in offers] == [(chosen, "pending")]
    [entry] = audit_entries(web_app, "order.assign", f"order:{order_id}")
    assert entry.actor == f"operator:{operator_id(web_app, 'hunan_road')}"
    assert json.loads(entry.detail_json)["volunteer_id"] == chosen

    again = page.request.post(web_app.url + f"/console/orders/{order_id}/assign",
                              form={"csrf_token": csrf(page), "volunteer_id": str(chosen)})
    assert again.status == 422 and "不会重复派单" in again.text()
    assert count(web_app, Offer, Offer.order_id == order_id) == 1
    assert len(audit_entries(web_app, "order.assign", f"order:{order_id}")) == 1


def test_manual_assignment__volunteer_not_among_candidates_is_refused(web_app, page):
    order_id = open_order(web_app, "zhou")
    login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + f"/console/orders/{order_id}")
    elder = person_id(web_app, "wu")  # an elder, not a volunteer
    response = page.request.post(web_app.url + f"/console/orders/{order_id}/assign",
                                 form={"csrf_token": csrf(page), "volunteer_id": str(elder)})
    assert response.status == 422 and "候选名单" in response.text()
    assert count(web_app, Offer, Offer.order_id == order_id) == 0
    with db(web_app) as s:
        assert s.get(Order, order_id).state == "open"


def test_order_correction__refused_without_reason_then_recorded_with_one(web_app, page):
    order_id = open_order(web_app, "zhou", minutes=60)
    login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + f"/console/orders/{order_id}")
    page.click("#correct summary")
    page.fill("#c-duration", "90")
    page.eval_on_selector("#c-reason", "el => el.removeAttribute('required')")  # what a script or old browser sends
    page.click("#correct button[type=submit]")
    assert "请写明更正原因" in page.inner_text(".flash.error")
    assert page.input_value("#c-duration") == "90"  # the form keeps what was typed
    with db(web_app) as s:
        assert s.get(Order, order_id).duration_minutes == 60
    assert count(web_app, OrderEvent, OrderEvent.order_id == order_id, OrderEvent.kind == "corrected") == 0

    page.fill("#c-reason", "老人说要一个半小时")
    page.fill("#c-address", "鼓楼区湖南路12号3栋202")
    page.click("#correct button[type=submit]")
    page.wait_for_url(f"**/console/orders/{order_id}?done=*")
    assert "订单已更正" in page.inner_text(".flash")
    assert "老人说要一个半小时" in page.inner_text(".corrections")
    with db(web_app) as s:
        order = s.get(Order, order_id)
        assert (order.duration_minutes, order.address) == (90, "鼓楼区湖南路12号3栋202")
    [entry] = audit_entries(web_app, "order.correct", f"order:{order_id}")
    assert entry.reason == "老人说要一个半小时"
    assert json.loads(entry.detail_json)["changes"]["duration_minutes"] == [60, 90]
    shot(page, "console-order-corrected")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "console-order-corrected-phone")


def test_order_cancel__needs_a_reason_and_is_audited(web_app, page):
    order_id = open_order(web_app, "wu")
    login(page, web_app.url, "city_admin")
    page.goto(web_app.url + f"/console/orders/{order_id}")
    page.click("#cancel summary")
    page.fill("#cancel-reason", "老人住院了")
    page.click("#cancel button[type=submit]")
    page.wait_for_url(f"**/console/orders/{order_id}?done=*")
    assert "订单已取消" in page.inner_text(".flash")
    assert "老人住院了" in page.inner_text("table.history")
    with db(web_app) as s:
        assert s.get(Order, order_id).state == "cancelled"
    [entry] = audit_entries(web_app, "order.cancel", f"order:{order_id}")
    assert entry.reason == "老人住院了"


def test_order_page__links_the_call_that_created_the_order(web_app, page):
    order_id = open_order(web_app, "zhou")
    with db(web_app) as s:
        call = open_call(s, CallCreate(call_sid="CA-orders-test-1", caller_phone=PHONES["zhou"]))
        add_turn(s, call, TurnCreate(seq=0, speaker="caller", text="我想找人陪我聊聊天"))
        add_event(s, call, EventCreate(seq=1, kind="order", order_id=order_id))
    login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + f"/console/orders/{order_id}")
    link = page.locator("a[href='/console/calls/CA-orders-test-1']")
    assert link.count() == 1 and "来电" in link.inner_text()


def test_requested_order__released_for_dispatch_once_and_audited(web_app, page):
    ensure_people(web_app)
    with db(web_app) as s:
        community = s.scalar(select(Person.station_id).where(Person.phone == PHONES["zhou"]))
        elder = factories.person(s, web_app.state.policy, community, age=82, name="新登记老人", status="pending",
                                 today=datetime.now(timezone.utc).date())
        order = create_order(s, NewOrder(recipient_id=elder.id, service_slug="errand", start_at=next_start(),
                                         duration_minutes=60, channel="phone", actor="service"),
                             policy=web_app.state.policy, now=datetime.now(timezone.utc),
                             today=datetime.now(timezone.utc).date())
        order_id = order.id
        assert order.state == "requested"
    login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + "/console/orders")
    assert page.locator(f"section.board-column[data-state=requested] [data-order-id='{order_id}']").count() == 1
    page.goto(web_app.url + f"/console/orders/{order_id}")
    token = csrf(page)
    page.fill("#release-reason", "电话核实是本人")
    page.click("#release button")
    page.wait_for_url(f"**/console/orders/{order_id}?done=*")
    assert "审核通过" in page.inner_text(".flash")
    again = page.request.post(web_app.url + f"/console/orders/{order_id}/open", form={"csrf_token": token})
    assert again.status == 422 and "已经审核过了" in again.text()
    with db(web_app) as s:
        assert s.get(Order, order_id).state == "open"
    [entry] = audit_entries(web_app, "order.open", f"order:{order_id}")
    assert entry.reason == "电话核实是本人"


def test_flash__only_for_the_operators_own_action_and_junk_is_ignored(web_app, page):
    order_id = open_order(web_app, "wu")
    login(page, web_app.url, "city_admin")
    page.goto(web_app.url + f"/console/orders/{order_id}")
    page.click("#cancel summary")
    page.fill("#cancel-reason", "重复下单")
    page.click("#cancel button[type=submit]")
    page.wait_for_url(f"**/console/orders/{order_id}?done=*")
    done = page.url.rsplit("done=", 1)[1]
    login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + f"/console/orders/{order_id}?done={done}")
    assert page.locator(".flash").count() == 0  # city_admin's entry says nothing to hunan_road
    for junk in ("abc", "-1", "99999999999999999999999"):
        assert page.goto(web_app.url + f"/console/orders?done={junk}").status == 200
    assert page.goto(web_app.url + "/console/?days=abc").status == 200
    assert page.inner_text(".tabs a.active") == "近30天"

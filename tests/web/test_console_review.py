"""The review queue in a real browser: a held service approved (credited exactly once, however often
the form is posted), a completed one revoked with a reason (the elder's coins back, the volunteer's
credit reversed, the ledger still verifying), low ratings dismissed, and scope."""
from __future__ import annotations

from sqlalchemy import select

from backend.fulfilment.ratings import rate
from backend.ledger.verify import verify
from backend.models import Account, LedgerEntry, Order
from backend.models.base import utcnow
from tests.web.conftest import shot
from tests.web.console_world import (OTHER_STREET, audit_entries, completed_order, count, db, held_order, login,
                                     person_id)


def balance(web_app, key: str) -> int:
    with db(web_app) as s:
        return s.scalar(select(Account.balance).where(Account.person_id == person_id(web_app, key))) or 0


def csrf(page) -> str:
    return page.get_attribute("meta[name=csrf-token]", "content")


def test_review_approve__held_order_is_credited_once_even_if_the_form_is_posted_twice(web_app, page):
    order_id = held_order(web_app, "wu", "he", minutes=60)
    volunteer_before = balance(web_app, "he")
    login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + "/console/review")
    item = page.locator(f"#held article[data-order-id='{order_id}']")
    assert "签到/签退地点离服务地址太远" in item.inner_text()
    shot(page, "console-review-queue")
    token = csrf(page)
    item.locator("form.approve input[name=reason]").fill("电话核实，老人确认服务了")
    item.locator("form.approve button").click()
    page.wait_for_url("**/console/review?done=*")
    assert "核查通过" in page.inner_text(".flash") and "志愿者余额" in page.inner_text(".flash")
    shot(page, "console-review-approved")

    again = page.request.post(web_app.url + f"/console/review/orders/{order_id}/approve",
                              form={"csrf_token": token, "reason": "电话核实，老人确认服务了"})
    assert again.status == 409 and "不会重复记账" in again.text()
    assert balance(web_app, "he") == volunteer_before + 60
    assert count(web_app, LedgerEntry, LedgerEntry.order_id == order_id, LedgerEntry.kind == "service_credit") == 1
    with db(web_app) as s:
        assert s.get(Order, order_id).state == "completed"
    [entry] = audit_entries(web_app, "order.approve", f"order:{order_id}")
    assert entry.reason == "电话核实，老人确认服务了"


def test_review_revoke__elder_balance_restored_and_volunteer_credit_reversed(web_app, page):
    elder_start, volunteer_start = balance(web_app, "zhou"), balance(web_app, "lin")
    order_id = completed_order(web_app, "zhou", "lin", minutes=60)
    assert balance(web_app, "zhou") == elder_start - 60  # the elder paid for the service with her coins
    assert balance(web_app, "lin") == volunteer_start + 60
    login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + f"/console/orders/{order_id}")
    token = csrf(page)
    page.fill("#revoke-reason", "老人说志愿者没有来，虚假服务")
    page.click("#review-actions button.danger")
    page.wait_for_url(f"**/console/orders/{order_id}?done=*")
    flash = page.inner_text(".flash")
    assert "订单已撤销" in flash and "周淑芬余额" in flash and "林静余额" in flash
    shot(page, "console-order-revoked")

    assert balance(web_app, "zhou") == elder_start
    assert balance(web_app, "lin") == volunteer_start
    with db(web_app) as s:
        assert s.get(Order, order_id).state == "revoked"
        originals = list(s.scalars(select(LedgerEntry.seq).where(LedgerEntry.order_id == order_id,
                                                                 LedgerEntry.kind != "reversal")))
        reversed_ = list(s.scalars(select(LedgerEntry.reverses_seq).where(LedgerEntry.order_id == order_id,
                                                                          LedgerEntry.kind == "reversal")))
        assert len(originals) == 2 and sorted(reversed_) == sorted(originals)
        report = verify(s)
        assert report.ok, report.problems

    again = page.request.post(web_app.url + f"/console/review/orders/{order_id}/revoke",
                              form={"csrf_token": token, "reason": "老人说志愿者没有来，虚假服务", "back": "order"})
    assert again.status == 409 and "已经撤销过了" in again.text()
    assert count(web_app, LedgerEntry, LedgerEntry.order_id == order_id, LedgerEntry.kind == "reversal") == 2
    [entry] = audit_entries(web_app, "order.revoke", f"order:{order_id}")
    assert entry.reason == "老人说志愿者没有来，虚假服务"


def test_review_revoke__without_a_reason_is_refused_and_nothing_changes(web_app, page):
    order_id = held_order(web_app, "wu", "he")
    login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + "/console/review")
    response = page.request.post(web_app.url + f"/console/review/orders/{order_id}/revoke",
                                 form={"csrf_token": csrf(page), "reason": "  "})
    assert response.status == 422 and "请说明撤销原因" in response.text()
    with db(web_app) as s:
        assert s.get(Order, order_id).state == "held"
    assert count(web_app, LedgerEntry, LedgerEntry.order_id == order_id) == 0
    assert audit_entries(web_app, "order.revoke", f"order:{order_id}") == []


def test_review_queue__operator_of_another_street_can_neither_see_nor_approve(web_app, page):
    order_id = held_order(web_app, "wu", "he")
    login(page, web_app.url, OTHER_STREET, web_app)
    page.goto(web_app.url + "/console/review")
    assert page.locator(f"[data-order-id='{order_id}']").count() == 0
    response = page.request.post(web_app.url + f"/console/review/orders/{order_id}/approve",
                                 form={"csrf_token": csrf(page), "reason": "x"})
    assert response.status == 404
    with db(web_app) as s:
        assert s.get(Order, order_id).state == "held"


def test_review_low_rating__listed_until_marked_as_needing_nothing(web_app, page):
    order_id = completed_order(web_app, "wu", "huang")
    with db(web_app) as s:
        rate(s, order_id, by_person_id=person_id(web_app, "wu"), stars=1, comment="来晚了一个小时",
             complaint=True, channel="phone", at=utcnow())
    login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + "/console/review")
    item = page.locator(f"#ratings article[data-order-id='{order_id}']")
    assert "投诉" in item.inner_text() and "来晚了一个小时" in item.inner_text()
    item.locator("form.keep input[name=reason]").fill("已电话了解，路上堵车，老人表示理解")
    item.locator("form.keep button").click()
    page.wait_for_url("**/console/review?done=*")
    assert page.locator(f"#ratings article[data-order-id='{order_id}']").count() == 0
    [entry] = audit_entries(web_app, "order.keep", f"order:{order_id}")
    assert entry.reason == "已电话了解，路上堵车，老人表示理解"

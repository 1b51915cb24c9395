"""Disputes in a real browser: an elder's complaint in a rating becomes a case in the street's inbox; the
operator reads the evidence, writes down the volunteer's side and decides "partial" (the credit cut to
the minutes that stand through the ledger's reversal path, the elder refunded the rest, both told by
text); a second decision is refused and changes nothing; an operator opens a case from an order's page;
another street's operator gets the 404 page and changes nothing."""
from __future__ import annotations

from sqlalchemy import select

from backend.api.schemas.calls import CallCreate, EventCreate
from backend.calls import records
from backend.fulfilment.completion import queue_follow_up
from backend.fulfilment.ratings import rate
from backend.ledger.verify import verify
from backend.models import Account, Dispute, LedgerEntry, Order, OrderMessage
from backend.models.base import utcnow
from tests.web.conftest import shot
from tests.web.console_world import (OTHER_STREET, PEOPLE, audit_entries, completed_order, count, db, login,
                                     person_id)


def balance(web_app, key: str) -> int:
    with db(web_app) as s:
        return s.scalar(select(Account.balance).where(Account.person_id == person_id(web_app, key))) or 0


def csrf(page) -> str:
    return page.get_attribute("meta[name=csrf-token]", "content")


def case_of(web_app, order_id: int) -> Dispute | None:
    with db(web_app) as s:
        return s.scalar(select(Dispute).where(Dispute.order_id == order_id))


def test_dispute__complaint_in_a_rating_to_a_partial_decision_with_reversal_and_both_told(web_app, page):
    order_id = completed_order(web_app, "wu", "lin", minutes=60)
    with db(web_app) as s:
        rate(s, order_id, by_person_id=person_id(web_app, "wu"), stars=1, comment="志愿者只待了半小时就走了",
             complaint=True, channel="phone", at=utcnow())
    dispute_id = case_of(web_app, order_id).id
    elder_before, volunteer_before = balance(web_app, "wu"), balance(web_app, "lin")

    login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + "/console/inbox")
    assert int(page.inner_text("#todo-counts [data-kind=disputes] strong")) >= 1
    item = page.locator(f"#inbox-disputes [data-dispute-id='{dispute_id}']")
    assert "志愿者只待了半小时就走了" in item.inner_text() and "评价" in item.inner_text()
    shot(page, "console-inbox-disputes")
    item.locator("a").click()
    page.wait_for_url(f"**/console/disputes/{dispute_id}")
    assert "志愿者只待了半小时就走了" in page.inner_text("#statements [data-side=elder]")
    assert "实际在场60分钟" in page.inner_text("#visit")
    assert "1星" in page.inner_text("#ratings") and "投诉" in page.inner_text("#ratings")
    assert "提供服务，记入时间币" in page.inner_text("#entries")

    page.select_option("#st-side", "volunteer")
    page.fill("#st-text", "我待了四十分钟，老人说可以走了")
    page.click("#statement-form button")
    page.wait_for_url(f"**/console/disputes/{dispute_id}?done=*")
    assert "已记下志愿者一方的说法" in page.inner_text(".flash")
    assert "我待了四十分钟" in page.inner_text("#statements [data-side=volunteer]")
    shot(page, "console-dispute-case")

    token = csrf(page)
    page.check("#decide-form input[value=partial]")
    page.fill("#credited-minutes", "40")
    page.fill("#decision-reason", "双方都说服务了四十分钟左右")
    page.click("#decide-form button")
    page.wait_for_url(f"**/console/disputes/{dispute_id}?done=*")
    flash = page.inner_text(".flash")
    assert "部分核减：按40分钟记" in flash and "吴国华余额" in flash and "林静余额" in flash
    assert "部分核减：按40分钟记" in page.inner_text("#decision-text")
    told = page.inner_text("#told")
    assert "吴国华" in told and "林静" in told and "按实际服务40分钟记账" in told
    shot(page, "console-dispute-decided")

    assert balance(web_app, "wu") == elder_before + 20
    assert balance(web_app, "lin") == volunteer_before - 20
    with db(web_app) as s:
        order = s.get(Order, order_id)
        assert order.state == "rated" and order.served_minutes == 40
        reversed_ = list(s.scalars(select(LedgerEntry.reverses_seq).where(LedgerEntry.order_id == order_id,
                                                                          LedgerEntry.kind == "reversal")))
        assert len(reversed_) == 2
        phones = {m.to_phone for m in s.scalars(select(OrderMessage).where(OrderMessage.order_id == order_id,
                                                                          OrderMessage.kind == "dispute"))}
        assert phones == {PEOPLE["wu"][1], PEOPLE["lin"][1]}
        report = verify(s)
        assert report.ok, report.problems
    [entry] = audit_entries(web_app, "dispute.decide", f"dispute:{dispute_id}")
    assert entry.reason == "双方都说服务了四十分钟左右"

    again = page.request.post(web_app.url + f"/console/disputes/{dispute_id}/decide",
                              form={"csrf_token": token, "decision": "revoke", "reason": "再撤销一次"})
    assert again.status == 409 and "已经处理过了" in again.text()
    assert balance(web_app, "wu") == elder_before + 20
    assert count(web_app, LedgerEntry, LedgerEntry.order_id == order_id, LedgerEntry.kind == "reversal") == 2
    assert count(web_app, OrderMessage, OrderMessage.order_id == order_id, OrderMessage.kind == "dispute") == 2
    page.goto(web_app.url + "/console/disputes")
    assert "部分核减：按40分钟记" in page.inner_text(f"#decided-disputes [data-dispute-id='{dispute_id}']")
    shot(page, "console-disputes")


def test_dispute__operator_opens_a_case_from_the_order_page_linked_to_the_call(web_app, page):
    order_id = completed_order(web_app, "zhou", "he", minutes=60)
    with db(web_app) as s:  # the hotline call that booked the order
        call = records.open_call(s, CallCreate(call_sid=f"CA-dispute-{order_id}", caller_phone=PEOPLE["zhou"][1]))
        records.add_event(s, call, EventCreate(seq=1, kind="order", order_id=order_id))
        call_id = call.id
    login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + f"/console/orders/{order_id}")
    page.click("#complain summary")
    page.select_option("#complain-source", "phone")
    page.select_option("#complain-conversation", f"call:{call_id}")
    page.fill("#complain-text", "老人来电说志愿者态度不好")
    page.click("#complain button")
    page.wait_for_url("**/console/disputes/*?done=*")
    assert "已登记投诉" in page.inner_text(".flash")
    assert "老人来电说志愿者态度不好" in page.inner_text("#statements [data-side=elder]")
    case = case_of(web_app, order_id)
    assert (case.source, case.complainant, case.status, case.call_id) == ("phone", "elder", "open", call_id)
    assert f"CA-dispute-{order_id}" in page.locator("#conversations a").first.get_attribute("href")
    page.goto(web_app.url + f"/console/orders/{order_id}")
    assert f"投诉 #{case.id}" in page.inner_text("#dispute-link")


def test_dispute__another_streets_operator_gets_404_and_nothing_changes(web_app, page):
    order_id = completed_order(web_app, "zhou", "huang", minutes=60)
    with db(web_app) as s:
        rate(s, order_id, by_person_id=person_id(web_app, "zhou"), stars=2, comment="没有打扫干净", complaint=True,
             channel="phone", at=utcnow())
    dispute_id = case_of(web_app, order_id).id
    elder_before = balance(web_app, "zhou")
    login(page, web_app.url, OTHER_STREET, web_app)
    page.goto(web_app.url + "/console/disputes")
    assert page.locator(f"[data-dispute-id='{dispute_id}']").count() == 0
    seen = page.goto(web_app.url + f"/console/disputes/{dispute_id}")
    missing = page.request.get(web_app.url + "/console/disputes/99999999")
    assert seen.status == 404 and missing.status == 404
    token = csrf(page)
    for path, form in ((f"/console/disputes/{dispute_id}/decide", {"decision": "revoke", "reason": "x"}),
                       (f"/console/disputes/{dispute_id}/statements", {"side": "volunteer", "statement": "x"}),
                       (f"/console/orders/{order_id}/dispute", {"side": "elder", "source": "phone", "statement": "x"})):
        assert page.request.post(web_app.url + path, form={"csrf_token": token, **form}).status == 404
    assert case_of(web_app, order_id).status == "open"
    assert balance(web_app, "zhou") == elder_before
    assert audit_entries(web_app, "dispute.decide", f"dispute:{dispute_id}") == []
    assert audit_entries(web_app, "dispute.statement", f"dispute:{dispute_id}") == []


def test_dispute__elder_complains_on_the_follow_up_call(web_app, page):
    order_id = completed_order(web_app, "wu", "he", minutes=60)
    with db(web_app) as s:
        follow_up_id = queue_follow_up(s, order_id, "sample").id
    login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + "/console/followups")
    item = page.locator(f"#queue article[data-followup-id='{follow_up_id}']")
    item.locator("input[name=reached][value=yes]").check()
    item.locator("input[name=satisfied][value=no]").check()
    item.locator("input[name=note]").fill("志愿者把药放错了地方")
    item.locator("input[name=complaint]").check()
    item.locator("button[type=submit]").click()
    page.wait_for_url("**/console/followups?done=*")
    case = case_of(web_app, order_id)
    assert (case.source, case.complainant, case.status) == ("followup", "elder", "open")
    [entry] = audit_entries(web_app, "dispute.open", f"dispute:{case.id}")
    assert entry.reason == "志愿者把药放错了地方"
    page.goto(web_app.url + f"/console/disputes/{case.id}")
    assert "志愿者把药放错了地方" in page.inner_text("#statements [data-side=elder]")
    assert "回访电话" in page.inner_text("#statements [data-side=elder]")

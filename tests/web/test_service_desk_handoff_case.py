"""A request for a person about a service that went wrong becomes a dispute case, in real browsers: the
family member's 转人工 from the chat reaches the street's inbox; the operator picks the order among the
elder's credited services and opens the case with the chat as its source, which resolves the request;
the family page shows the request resolved and the case, then (without a reload) its decision with the
coins given back; the volunteer's page shows the case, their own words and the coins taken back. Another
street's operator, another family member and another volunteer get 404 and change nothing."""
from __future__ import annotations

import itertools
import random
from datetime import datetime, timezone

import httpx
from sqlalchemy import func, select

from backend.chats import records as chats
from backend.core.security import hash_password
from backend.models import Account, AuditEntry, Dispute, DisputeStatement, FamilyLink, HandoffTicket, Person, Station
from tests import factories
from tests.web import console_world as cw
from tests.web.conftest import shot
from tests.web.family_helpers import DEMO_FAMILY_PHONE, login_ok
from tests.web.volunteer_world import PASSWORD as VOLUNTEER_PASSWORD
from tests.web.volunteer_world import login as volunteer_login

MEMBER_PASSWORD = "family-case-pass-1"
_phones = itertools.count(random.randint(0, 400) * 10)


def member_of(web_app, elder: str) -> tuple[int, str]:
    """A family member with a web password, linked with the elder's consent; (id, phone)."""
    elder_id = cw.person_id(web_app, elder)
    with cw.db(web_app) as s:
        station = s.scalar(select(Station.id).where(Station.name == "湖南路社区"))
        member = factories.person(s, web_app.state.policy, station, roles=("family",), age=48, name="吴晓燕",
                                  phone=f"+86137666{next(_phones) % 100000:05d}")
        member.password_hash = hash_password(MEMBER_PASSWORD)
        s.add(FamilyLink(elder_id=elder_id, member_id=member.id, relation="child",
                         consent="consented"))
        return member.id, member.phone


def volunteer_can_log_in(web_app, key: str) -> str:
    person_id = cw.person_id(web_app, key)
    with cw.db(web_app) as s:
        person = s.get(Person, person_id)
        person.password_hash = hash_password(VOLUNTEER_PASSWORD)
        return person.phone


def chat_request(web_app, member_id: int) -> tuple[int, int]:
    """The member's chat and the request for a person the assistant opens from it, through the API it uses."""
    now = datetime.now(timezone.utc)
    with cw.db(web_app) as s:
        chat = chats.current_or_new(s, member_id, now)
        chats.add(s, chat, chats.MEMBER, "上周的聊天陪伴，志愿者只待了二十分钟就走了", now=now)
        chats.add(s, chat, chats.ASSISTANT, "好的，我帮您转给工作人员。", now=now)
        chat_id, conversation = chat.id, chat.conversation_id
    answer = httpx.post(f"{web_app.url}/api/v1/handoffs", headers={"Authorization": f"Bearer {web_app.service_token}"},
                        json={"person_id": member_id, "channel": "chat", "conversation_id": conversation,
                              "transcript": [{"speaker": "caller", "text": "志愿者只待了二十分钟就走了"},
                                             {"speaker": "caller", "text": "我要转人工"}]})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"], chat_id


def balance(web_app, key: str) -> int:
    person_id = cw.person_id(web_app, key)
    with cw.db(web_app) as s:
        return s.scalar(select(Account.balance).where(Account.person_id == person_id)) or 0


def state_of(web_app, ticket_id: int) -> tuple:
    with cw.db(web_app) as s:
        ticket = s.get(HandoffTicket, ticket_id)
        return (ticket.status, ticket.claimed_by, ticket.outcome, s.scalar(select(func.count(Dispute.id))),
                s.scalar(select(func.count(DisputeStatement.id))),
                s.scalar(select(func.count(AuditEntry.id)).where(
                    (AuditEntry.target == f"handoff:{ticket_id}") | AuditEntry.action.startswith("dispute."))))


def test_handoff_becomes_a_case__family_and_volunteer_see_it_opened_and_decided(web_app, browser, page):
    member_id, member_phone = member_of(web_app, "wu")
    order_id = cw.completed_order(web_app, "wu", "lin", minutes=60)
    other_order = cw.completed_order(web_app, "zhou", "lin", minutes=60)  # not this member's elder
    ticket_id, chat_id = chat_request(web_app, member_id)
    elder_before, volunteer_before = balance(web_app, "wu"), balance(web_app, "lin")

    family = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    try:
        home = family.new_page()
        login_ok(home, web_app.url, member_phone, MEMBER_PASSWORD)
        assert "已收到" in home.inner_text(f"#fam-requests [data-request-id='{ticket_id}']")

        cw.login(page, web_app.url, "hunan_road")
        page.goto(f"{web_app.url}/console/inbox")
        waiting = page.locator(f"tr[data-handoff-id='{ticket_id}']")
        assert "吴晓燕" in waiting.inner_text() and "我要转人工" in waiting.inner_text()
        shot(page, "console-inbox-waiting")
        waiting.locator("a", has_text="处理").click()
        page.wait_for_url(f"**/console/inbox/handoffs/{ticket_id}")
        offered = page.locator("#to-case [data-order-id]")
        assert [int(x) for x in offered.evaluate_all("els => els.map(e => e.dataset.orderId)")].count(order_id) == 1
        assert page.locator(f"#to-case [data-order-id='{other_order}']").count() == 0
        choice = page.locator(f"#to-case [data-order-id='{order_id}']").inner_text()
        assert "吴国华" in choice and "林静" in choice and "已完成" in choice
        shot(page, "console-handoff-to-case")

        page.click("#to-case button")  # nothing chosen, nothing written: the browser asks first
        assert page.url.endswith(f"/console/inbox/handoffs/{ticket_id}")
        page.check(f"#to-case [data-order-id='{order_id}'] input")
        page.fill("#case-text", "家属说志愿者只待了二十分钟就走了")
        page.click("#to-case button")
        page.wait_for_url("**/console/disputes/*?done=*")
        assert "已登记投诉（老人一方，来自家属聊天）" in page.inner_text(".flash")
        with cw.db(web_app) as s:
            case = s.scalar(select(Dispute).where(Dispute.order_id == order_id))
            case_id = case.id
            assert (case.source, case.complainant, case.chat_id, case.status) == ("chat", "elder", chat_id, "open")
        assert page.url.split("?")[0].endswith(f"/console/disputes/{case_id}")
        assert "家属说志愿者只待了二十分钟就走了" in page.inner_text("#statements [data-side=elder]")
        assert page.locator(f"#conversations a[href='/console/chats/{chat_id}']").count() == 1
        shot(page, "console-dispute-from-handoff")

        page.goto(f"{web_app.url}/console/inbox/handoffs/{ticket_id}")
        assert page.inner_text("#handoff-status") == "已办结" and "已登记为投诉" in page.inner_text("#outcome")
        assert page.locator(f"#handoff-cases a[href='/console/disputes/{case_id}']").count() == 1
        assert page.locator("#to-case").count() == 0
        assert "转人工请求办结" in page.locator("#handoff-history li").last.inner_text()

        page.goto(f"{web_app.url}/console/inbox")
        assert "家属说志愿者只待了二十分钟就走了" in page.inner_text(f"#inbox-disputes [data-dispute-id='{case_id}']")
        assert page.locator(f"tr[data-handoff-id='{ticket_id}']").count() == 0  # no longer waiting
        shot(page, "console-inbox-handoff-case")

        request = home.locator(f"#fam-requests [data-request-id='{ticket_id}'][data-status=resolved]")
        request.wait_for(timeout=12_000)  # the panel polls: no reload
        assert "已登记为投诉" in request.inner_text() and "陪伴聊天" in request.inner_text()
        item = home.locator(f"#fam-cases [data-dispute-id='{case_id}'][data-stage=opened]")
        item.wait_for(timeout=12_000)
        assert "吴国华" in item.inner_text() and "已登记" in item.inner_text()
        shot(home, "family-case-opened")

        # the volunteer is heard, a reviewer decides: 40 of the 60 minutes stand
        page.goto(f"{web_app.url}/console/disputes/{case_id}")
        page.select_option("#st-side", "volunteer")
        page.fill("#st-text", "我待了四十分钟，是老人让我先走的")
        page.click("#statement-form button")
        page.wait_for_url(f"**/console/disputes/{case_id}?done=*")
        looking = home.locator(f"#fam-cases [data-dispute-id='{case_id}'][data-stage=looking]")
        looking.wait_for(timeout=12_000)
        assert "核实中" in looking.inner_text()
        page.check("#decide-form input[value=partial]")
        page.fill("#credited-minutes", "40")
        page.fill("#decision-reason", "双方都说服务了四十分钟左右")
        page.click("#decide-form button")
        page.wait_for_url(f"**/console/disputes/{case_id}?done=*")
        refunded, clawed = balance(web_app, "wu") - elder_before, volunteer_before - balance(web_app, "lin")
        assert refunded == clawed == 20

        decided = home.locator(f"#fam-cases [data-dispute-id='{case_id}'][data-stage=decided]")
        decided.wait_for(timeout=12_000)
        assert "部分核减" in decided.inner_text() and "20分钟退回吴国华的账户" in decided.inner_text()
        shot(home, "family-case-decided-panel")
        decided.locator("a").click()
        home.wait_for_url(f"**/family/disputes/{case_id}")
        outcome = home.inner_text("#case-outcome")
        assert "部分核减" in outcome and "服务按40分钟记，20分钟退回吴国华的账户" in outcome
        assert home.inner_text("#own-words") == "“家属说志愿者只待了二十分钟就走了”"
        assert "四十分钟" not in home.inner_text("main")  # the other side's words are not shown
        shot(home, "family-case-decided")

        lin = phone.new_page()
        volunteer_login(lin, web_app.url, volunteer_can_log_in(web_app, "lin"))
        listed = lin.locator(f"#vol-cases [data-dispute-id='{case_id}'][data-stage=decided]")
        assert "从您的账户扣回20分钟" in listed.inner_text() and "吴国华" in listed.inner_text()
        shot(lin, "volunteer-home-cases")
        listed.locator("a").click()
        lin.wait_for_url(f"**/volunteer/disputes/{case_id}")
        assert "部分核减" in lin.inner_text("#case-outcome") and "扣回20分钟" in lin.inner_text("#case-outcome")
        assert lin.inner_text("#own-words") == "“我待了四十分钟，是老人让我先走的”"
        assert "二十分钟" not in lin.inner_text("main")
        shot(lin, "volunteer-case-decided")
    finally:
        family.close()
        phone.close()


def test_handoff_case__another_street_another_family_another_volunteer_get_404_and_nothing_changes(web_app, browser,
                                                                                                    page):
    member_id, _phone = member_of(web_app, "zhou")
    order_id = cw.completed_order(web_app, "zhou", "huang", minutes=60)
    not_theirs = cw.completed_order(web_app, "wu", "huang", minutes=60)
    ticket_id, _chat = chat_request(web_app, member_id)

    cw.login(page, web_app.url, cw.OTHER_STREET, web_app)
    assert page.goto(f"{web_app.url}/console/inbox/handoffs/{ticket_id}").status == 404
    token = page.get_attribute("meta[name=csrf-token]", "content")
    before = state_of(web_app, ticket_id)
    answer = page.request.post(f"{web_app.url}/console/inbox/handoffs/{ticket_id}/dispute",
                               headers={"accept": "text/html"},
                               form={"csrf_token": token, "order_id": str(order_id), "statement": "看看"})
    assert answer.status == 404 and "没有找到" in answer.text()
    assert state_of(web_app, ticket_id) == before

    street = browser.new_context(locale="zh-CN")
    try:  # the request's own street, but an order of an elder the member does not act for
        own = street.new_page()
        cw.login(own, web_app.url, "hunan_road")
        own.goto(f"{web_app.url}/console/inbox/handoffs/{ticket_id}")
        answer = own.request.post(f"{web_app.url}/console/inbox/handoffs/{ticket_id}/dispute",
                                  headers={"accept": "text/html"},
                                  form={"csrf_token": own.get_attribute("meta[name=csrf-token]", "content"),
                                        "order_id": str(not_theirs), "statement": "看看"})
        assert answer.status == 404
        assert state_of(web_app, ticket_id) == before
        own.check(f"#to-case [data-order-id='{order_id}'] input")
        own.fill("#case-text", "家属说没有打扫干净")
        own.click("#to-case button")
        own.wait_for_url("**/console/disputes/*?done=*")
    finally:
        street.close()
    with cw.db(web_app) as s:
        case_id = s.scalar(select(Dispute.id).where(Dispute.order_id == order_id))

    # another family member (the demo's, linked to another elder) and another volunteer: 404, the same as missing
    other_family = browser.new_context(locale="zh-CN")
    other_volunteer = browser.new_context(locale="zh-CN")
    try:
        demo = other_family.new_page()
        login_ok(demo, web_app.url, DEMO_FAMILY_PHONE)
        for url in (f"{web_app.url}/family/disputes/{case_id}", f"{web_app.url}/family/disputes/99999999"):
            seen = demo.goto(url)
            assert seen.status == 404 and "没有找到这个投诉" in demo.inner_text("main")
            assert "没有打扫干净" not in demo.content()
        shot(demo, "family-case-404")
        demo.goto(f"{web_app.url}/family/")
        assert demo.locator(f"[data-dispute-id='{case_id}']").count() == 0

        lin = other_volunteer.new_page()
        volunteer_login(lin, web_app.url, volunteer_can_log_in(web_app, "lin"))
        assert lin.locator(f"#vol-cases [data-dispute-id='{case_id}']").count() == 0
        seen = lin.goto(f"{web_app.url}/volunteer/disputes/{case_id}")
        assert seen.status == 404 and "没有找到这个投诉" in lin.inner_text("main")
        assert "没有打扫干净" not in lin.content()
        shot(lin, "volunteer-case-404")
    finally:
        other_family.close()
        other_volunteer.close()

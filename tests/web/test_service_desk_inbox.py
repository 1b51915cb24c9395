"""One inbox for operators, with the real assistant: a family member's 转人工 in the chat reaches their
street's inbox with the conversation so far and how long they have waited; the operator claims it (the
family page says who took it), records a call back and resolves it with an outcome (the family page
shows it); each step audited; the dashboard counts it. Another street's operator gets 404 for the
request and its actions, and nothing changes."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from backend.core.db import unit_of_work
from backend.models import AuditEntry, HandoffTicket
from tests.web import console_world
from tests.web.conftest import shot
from tests.web.family_helpers import web_assets  # noqa: F401 (fixture)
from tests.web.family_helpers import DEMO_FAMILY_PHONE, login_ok, person_by_phone
from tests.web.widget import click_reply, say

pytestmark = pytest.mark.usefixtures("web_assets", "family_rasa")


def _snapshot(web_app, ticket_id: int):
    with unit_of_work(web_app.state.sessions) as session:
        t = session.get(HandoffTicket, ticket_id)
        audits = session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.target == f"handoff:{ticket_id}"))
        return (t.status, t.claimed_by, t.outcome, audits)


def test_chat_handoff_reaches_the_street_inbox_is_claimed_resolved_and_the_family_sees_it(web_app, browser, page):
    member = person_by_phone(web_app, DEMO_FAMILY_PHONE)
    login_ok(page, web_app.url)
    page.wait_for_selector(".yl-chat .QuickReply")
    page.click(".yl-restart")
    page.wait_for_function("() => !document.querySelector('.yl-chat .Message.right')")
    with unit_of_work(web_app.state.sessions) as session:
        known = set(session.scalars(select(HandoffTicket.id)))
    say(page, "我妈妈腿脚不好，想问问能不能每周固定有人来")
    heard = click_reply(page, "转人工")
    assert "工作人员" in heard, heard
    with unit_of_work(web_app.state.sessions) as session:
        [ticket] = session.scalars(select(HandoffTicket).where(HandoffTicket.id.not_in(known))).all()
        ticket_id = ticket.id
        assert (ticket.person_id, ticket.channel, ticket.status) == (member.id, "chat", "open")
    request = page.locator(f"#fam-requests [data-request-id='{ticket_id}']")
    request.wait_for(timeout=10_000)
    assert "已收到" in request.inner_text()

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    other = browser.new_context(locale="zh-CN")
    try:
        operator = desk.new_page()
        console_world.login(operator, web_app.url, "hunan_road")
        operator.wait_for_url(re.compile(r"/console/$"))
        handoff_card = operator.locator("#todo-counts [data-kind=handoffs]")
        assert int(handoff_card.locator("strong").inner_text()) >= 1 and "没人接手" in handoff_card.inner_text()
        operator.click("nav a[href='/console/inbox']")
        row = operator.locator(f"tr[data-handoff-id='{ticket_id}']")
        assert "家属聊天" in row.inner_text() and "王军" in row.inner_text() and "等待接手" in row.inner_text()
        assert "我要转人工" in row.inner_text()  # the last thing said; the whole conversation is on its page
        shot(operator, "console-inbox")
        row.locator("a", has_text="处理").click()
        transcript = operator.inner_text("#handoff-transcript")
        assert "我妈妈腿脚不好" in transcript and "助手" in transcript

        # another street: the request does not exist for them, and their posts change nothing
        xuanwu = other.new_page()
        console_world.login(xuanwu, web_app.url, console_world.OTHER_STREET, web_app)
        xuanwu.goto(f"{web_app.url}/console/inbox")
        assert xuanwu.locator(f"tr[data-handoff-id='{ticket_id}']").count() == 0
        assert xuanwu.goto(f"{web_app.url}/console/inbox/handoffs/{ticket_id}").status == 404
        assert "腿脚不好" not in xuanwu.content()
        token = xuanwu.get_attribute("meta[name=csrf-token]", "content")
        before = _snapshot(web_app, ticket_id)
        for action, form in (("claim", {}), ("call-back", {"reached": "yes"}), ("resolve", {"outcome": "看看"})):
            answer = xuanwu.request.post(f"{web_app.url}/console/inbox/handoffs/{ticket_id}/{action}",
                                         headers={"accept": "text/html"}, form={"csrf_token": token, **form})
            assert answer.status == 404, action
        assert _snapshot(web_app, ticket_id) == before

        operator.click("form.claim button")
        operator.wait_for_url("**done=claim")
        assert operator.inner_text("#handoff-status") == "处理中" and "湖南路" in operator.inner_text("#holder")
        request = page.locator(f"#fam-requests [data-request-id='{ticket_id}'][data-status=claimed]")
        request.wait_for(timeout=12_000)  # the family page polls: no reload
        assert "已接手" in request.inner_text() and "湖南路" in request.inner_text()
        shot(page, "family-request-claimed")

        operator.check("form.call-back input[value=yes]")
        operator.fill("#call-note", "约了周三上午电话细谈")
        operator.click("form.call-back button")
        operator.wait_for_url("**done=call_back")
        operator.fill("#outcome-text", "已和家属约好每周三上午助餐，由社区安排固定志愿者")
        operator.click("form.resolve button")
        operator.wait_for_url("**done=resolve")
        assert operator.inner_text("#handoff-status") == "已办结"
        history = operator.locator("#handoff-history li").all_inner_texts()[-3:]
        assert ["认领转人工请求" in history[0], "回电记录" in history[1], "转人工请求办结" in history[2]] == [True] * 3, history
        shot(operator, "console-handoff-resolved")
        done = page.locator(f"#fam-requests [data-request-id='{ticket_id}'][data-status=resolved]")
        done.wait_for(timeout=12_000)
        assert "每周三上午助餐" in done.inner_text()
        shot(page, "family-request-resolved")
    finally:
        desk.close()
        other.close()
    with unit_of_work(web_app.state.sessions) as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.target == f"handoff:{ticket_id}")
                                  .order_by(AuditEntry.id)).all()
        assert [e.action for e in entries] == ["handoff.claim", "handoff.call_back", "handoff.resolve"]
        assert entries[-1].reason == "已和家属约好每周三上午助餐，由社区安排固定志愿者"

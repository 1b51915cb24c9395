"""The console's chat pages without the assistant: a family chat written as the chat proxy writes it
(the member's words, the assistant's answers, the order it booked, the 转人工 it opened) reads as a
transcript beside the calls, linked to the order and to the request in the inbox, whose page shows the
conversation so far."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from backend.chats import records
from backend.models import HandoffTicket, Order, Person
from tests.web.console_world import PHONES, db, login, open_order, person_id
from tests.web.conftest import shot

SAID = [("member", "帮我妈妈约明天上午陪她去医院"), ("assistant", "好的，明天上午几点？"), ("member", "九点"),
        ("assistant", "您要预约明天上午9点陪同就医，到老人家里，对吗？"), ("member", "对"),
        ("assistant", "约好了。订单号已经发到您的手机。"), ("member", "医院那边要不要带病历？我想问问工作人员"),
        ("member", "我要转人工")]


def test_chat_transcript_links_its_order_and_its_request_for_a_person(web_app, page):
    person_id(web_app, "zhou")  # our people exist
    order_id = open_order(web_app, "zhou")
    now = datetime.now(timezone.utc) - timedelta(minutes=12)
    with db(web_app) as s:
        member = s.scalar(select(Person).where(Person.phone == PHONES["zhou"]))  # the elder chats for herself here
        chat = records.current_or_new(s, member.id, now)
        for i, (speaker, text) in enumerate(SAID):
            records.add(s, chat, speaker, text, now=now + timedelta(seconds=20 * i))
            if i == 5:
                s.get(Order, order_id).requested_by_id = member.id
                records.record_answer(s, chat, [], [order_id], now=now + timedelta(seconds=20 * i))
        ticket = HandoffTicket(person_id=member.id, phone=member.phone, station_id=member.station_id, channel="chat",
                               created_at=now + timedelta(minutes=2),
                               conversation_id=chat.conversation_id, reason="caller asked for a person",
                               transcript_json=json.dumps([{"speaker": "caller" if sp == "member" else "assistant",
                                                            "text": t} for sp, t in SAID], ensure_ascii=False))
        s.add(ticket)
        s.flush()
        records.record_answer(s, chat, ["已经通知工作人员，他们会尽快联系您。"], [], now=now + timedelta(minutes=3))
        chat_id, ticket_id = chat.id, ticket.id
    login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + "/console/calls")
    page.click("nav.tabs a[href='/console/chats']")
    page.click(f"tr[data-chat-id='{chat_id}'] a")
    timeline = page.inner_text(".chat-timeline")
    assert "帮我妈妈约明天上午陪她去医院" in timeline and "已经通知工作人员" in timeline
    assert page.locator(f".chat-timeline a[href='/console/orders/{order_id}']").count() == 1
    assert page.locator(f".chat-timeline a[href='/console/inbox/handoffs/{ticket_id}']").count() == 1
    shot(page, "console-chat")
    page.goto(f"{web_app.url}/console/orders/{order_id}")
    assert page.locator(f"#order-chats a[href='/console/chats/{chat_id}']").count() == 1
    page.goto(f"{web_app.url}/console/inbox")
    row = page.locator(f"tr[data-handoff-id='{ticket_id}']")
    assert "家属聊天" in row.inner_text() and "我要转人工" in row.inner_text() and "10分钟" in row.inner_text()
    shot(page, "console-inbox-chat")
    row.locator("a", has_text="处理").click()
    assert "医院那边要不要带病历" in page.inner_text("#handoff-transcript")
    assert page.get_attribute("#chat-link", "href") == f"/console/chats/{chat_id}"
    shot(page, "console-handoff")

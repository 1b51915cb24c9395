"""Every family conversation is a transcript, with the real assistant (trained Rasa model, action server):
the page shows its own history after a reload (with the assistant's pending question and its quick
replies), 重新开始 really ends a half-finished booking in the assistant, the side panel follows the
elder's orders without a reload, and operators read the chat beside the calls, linked both ways with
the order it booked; another street's operator gets 404 and changes nothing."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from backend.core.db import unit_of_work
from backend.models import AuditEntry, Chat, ChatMessage
from backend.orders.service import cancel_order
from tests.web import console_world
from tests.web.conftest import shot
from tests.web.family_helpers import web_assets  # noqa: F401 (fixture)
from tests.web.family_helpers import DEMO_ELDER_PHONE, DEMO_FAMILY_PHONE, login_ok, person_by_phone
from tests.web.widget import BOT_MESSAGES, ask_until_read_back, click_reply, orders_for, restart, say
from web.family.chat_proxy import ask_assistant

pytestmark = pytest.mark.usefixtures("web_assets", "family_rasa")
MEMBER_MESSAGES = ".yl-chat .Message.right .Bubble"


def _chats_of(web_app, member_id: int) -> list[Chat]:
    with unit_of_work(web_app.state.sessions) as session:
        return list(session.scalars(select(Chat).where(Chat.person_id == member_id).order_by(Chat.id)))


def test_booking_chat_is_kept_linked_and_the_panel_follows_the_order(web_app, page):
    elder = person_by_phone(web_app, DEMO_ELDER_PHONE)
    member = person_by_phone(web_app, DEMO_FAMILY_PHONE)
    login_ok(page, web_app.url)
    page.wait_for_selector(".yl-chat .QuickReply")
    restart(page)  # whatever an earlier test left open
    before = {o.id for o in orders_for(web_app, elder.id)}
    assert "对吗" in ask_until_read_back(page, "帮我妈妈约明天上午的助餐服务")
    assert "约好了" in click_reply(page, "对")
    [order] = [o for o in orders_for(web_app, elder.id) if o.id not in before]
    line = f".fam-elder [data-order-id='{order.id}']"
    page.wait_for_selector(line, timeout=10_000)

    chat = _chats_of(web_app, member.id)[-1]
    with unit_of_work(web_app.state.sessions) as session:
        linked = session.scalars(select(ChatMessage.order_id).where(ChatMessage.chat_id == chat.id,
                                                                     ChatMessage.order_id.is_not(None))).all()
    assert list(linked) == [order.id] and chat.status == "open" and chat.conversation_id.startswith(f"family-{member.id}-")

    with unit_of_work(web_app.state.sessions) as session:  # an operator cancels it elsewhere: no reload here
        cancel_order(session, order.id, actor="operator:1", channel="operator", reason="老人住院")
    page.wait_for_selector(line, state="detached", timeout=12_000)

    console_world.login(page, web_app.url, "hunan_road")
    page.goto(f"{web_app.url}/console/orders/{order.id}")
    page.click(f"#order-chats a[href='/console/chats/{chat.id}']")
    transcript = page.inner_text(".chat-timeline")
    assert "帮我妈妈约明天上午的助餐服务" in transcript and "对吗" in transcript and "约好了" in transcript
    assert page.locator(f".chat-timeline [data-order-id='{order.id}'] a[href='/console/orders/{order.id}']").count() == 1
    shot(page, "console-chat-transcript")
    page.goto(f"{web_app.url}/console/chats?phone={DEMO_FAMILY_PHONE[3:]}")
    assert page.locator(f"tr[data-chat-id='{chat.id}']").count() == 1
    shot(page, "console-chats-list")


def test_reload_shows_the_history_and_restart_ends_the_half_finished_booking(web_app, page, browser):
    elder = person_by_phone(web_app, DEMO_ELDER_PHONE)
    member = person_by_phone(web_app, DEMO_FAMILY_PHONE)
    login_ok(page, web_app.url)
    page.wait_for_selector(".yl-chat .QuickReply")
    restart(page)
    heard = ask_until_read_back(page, "帮我妈妈约后天下午的助餐服务")
    assert "对吗" in heard
    shown = page.locator(BOT_MESSAGES + " .Bubble").count()

    page.reload()
    page.wait_for_function(f"() => document.querySelectorAll('{BOT_MESSAGES} .Bubble').length >= {shown}")
    assert "帮我妈妈约后天下午的助餐服务" in page.locator(MEMBER_MESSAGES).all_inner_texts()
    assert "对吗" in page.locator(BOT_MESSAGES + " .Bubble").last.inner_text()
    assert page.locator(".yl-chat .QuickReply").first.inner_text() == "对"  # the pending question's answers
    shot(page, "family-chat-after-reload")

    before = {o.id for o in orders_for(web_app, elder.id)}
    old = _chats_of(web_app, member.id)[-1]
    restart(page)
    assert page.locator(BOT_MESSAGES + " .Bubble").count() == 1  # the greeting only
    shot(page, "family-chat-restarted")
    ended = next(c for c in _chats_of(web_app, member.id) if c.id == old.id)
    assert (ended.status, ended.end_reason) == ("ended", "restart")
    # The assistant itself forgot the read-back: "对" in the old conversation books nothing...
    settings = web_app.state.settings
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API owns this thread's event loop
        answer = pool.submit(asyncio.run, ask_assistant(settings.rasa_url, settings.claim_secret, member.id, "对",
                                                        old.conversation_id)).result()
    assert "约好了" not in " ".join(str(m.get("text", "")) for m in answer)
    # ...and neither does it in the new one the page now uses.
    assert "约好了" not in say(page, "对")
    assert {o.id for o in orders_for(web_app, elder.id)} == before
    page.reload()
    page.wait_for_selector(MEMBER_MESSAGES)
    assert page.locator(MEMBER_MESSAGES).all_inner_texts() == ["对"]

    # operators: the ended chat, read and flagged in scope; another street's operator sees nothing
    other = browser.new_context(locale="zh-CN")
    try:
        xuanwu = other.new_page()
        console_world.login(xuanwu, web_app.url, console_world.OTHER_STREET, web_app)
        answer = xuanwu.goto(f"{web_app.url}/console/chats/{old.id}")
        assert answer.status == 404 and "帮我妈妈" not in xuanwu.content()
        xuanwu.goto(f"{web_app.url}/console/chats")
        assert xuanwu.locator(f"tr[data-chat-id='{old.id}']").count() == 0
        token = xuanwu.get_attribute("meta[name=csrf-token]", "content")
        refused = xuanwu.request.post(f"{web_app.url}/console/chats/{old.id}/review", headers={"accept": "text/html"},
                                      form={"csrf_token": token, "decision": "flagged", "note": "看看"})
        assert refused.status == 404
    finally:
        other.close()
    with unit_of_work(web_app.state.sessions) as session:
        assert session.get(Chat, old.id).review_status == "unreviewed"
        assert session.scalar(select(AuditEntry).where(AuditEntry.target == f"chat:{old.id}")) is None

    console_world.login(page, web_app.url, "hunan_road")
    page.goto(f"{web_app.url}/console/chats/{old.id}")
    assert "家属点了重新开始" in page.inner_text("#chat-status")
    page.fill("#flag-note", "助手没有问清楚时间")
    page.click("form.review-flag button")
    page.wait_for_url("**done=flagged")
    assert page.inner_text("#review-status") == "有问题"
    with unit_of_work(web_app.state.sessions) as session:
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.target == f"chat:{old.id}")).all()
        assert (entry.action, entry.reason) == ("chat.flag", "助手没有问清楚时间")


def test_a_history_arriving_after_the_member_spoke_does_not_replace_the_chat(web_app, page):
    """The history is fetched as the page opens; a member who types before it arrives keeps their
    message and the answer (the late history used to replace the whole list)."""
    held = []
    page.route("**/family/api/chat/history", lambda route: held.append(route))  # answered when we say so
    login_ok(page, web_app.url)
    page.wait_for_selector(".yl-chat .QuickReply")
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the page did not ask for its history"
    assert page.get_attribute(".yl-chat [data-history]", "data-history") == "loading"
    before = page.locator(BOT_MESSAGES).count()
    page.fill(".yl-chat .Composer-input", "查一下我妈的时间币")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "([selector, n]) => document.querySelectorAll(selector).length > n"
        " && !document.querySelector('.yl-chat [data-type=typing]')", arg=[BOT_MESSAGES, before], timeout=90_000)
    answer = page.locator(BOT_MESSAGES + " .Bubble").last.inner_text()
    held[0].fulfill(json={"messages": [{"speaker": "member", "text": "很早以前说的话"},
                                       {"speaker": "assistant", "text": "很早以前的回答"}]})
    page.wait_for_selector(".yl-chat [data-history=shown]")
    page.wait_for_timeout(300)  # a re-render, if one were coming
    assert "查一下我妈的时间币" in page.locator(MEMBER_MESSAGES).all_inner_texts()
    assert "很早以前说的话" not in page.locator(MEMBER_MESSAGES).all_inner_texts()
    assert page.locator(BOT_MESSAGES + " .Bubble").last.inner_text() == answer

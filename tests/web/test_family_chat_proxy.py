"""The chat proxy and the widget against a recording stand-in for the assistant (the real Rasa is in
test_family_chat_rasa.py): the server, not the browser, sets whose identity the assistant sees;
an assistant that is down gives a Chinese apology, keeps the typed words and offers a retry."""
from __future__ import annotations

import asyncio
import re
from contextlib import contextmanager
from datetime import datetime, timezone

import pytest
from fastapi import FastAPI, Request

from backend.chats import records
from backend.core.db import unit_of_work
from backend.ledger.operations import Actor, credit_service, donate
from tests import factories
from tests.ivr.servers import ServerThread, free_port
from trust import claims
from tests.web.conftest import shot
from tests.web.family_helpers import web_assets  # noqa: F401 (fixture)
from tests.web.family_helpers import DEMO_FAMILY_PHONE, login_ok, person_by_phone

pytestmark = pytest.mark.usefixtures("web_assets")


@contextmanager
def assistant_at(web_app, url: str):
    """Points the running app's chat proxy at ``url`` (it reads the settings per request)."""
    before = web_app.state.settings
    web_app.state.settings = before.model_copy(update={"rasa_url": url})
    try:
        yield
    finally:
        web_app.state.settings = before


@pytest.fixture
def recording_assistant():
    """Answers like Rasa's REST channel and remembers every request body."""
    app, seen = FastAPI(), []

    @app.post("/webhooks/rest/webhook")
    async def webhook(request: Request):
        body = await request.json()
        seen.append(body)
        await asyncio.sleep(0.8)  # long enough to see the typing indicator
        return [{"recipient_id": body["sender"], "custom": {"action": "order_created", "order_id": 1}},
                {"recipient_id": body["sender"], "text": "您要预约明天上午10点助餐服务，到您家，对吗？"},
                {"recipient_id": body["sender"], "text": "请选一个：",
                 "buttons": [{"title": "上午", "payload": "/inform_morning"}]}]

    with ServerThread(app, "assistant") as server:
        server.seen = seen
        yield server


def test_the_server_sets_sender_and_metadata_whatever_the_browser_sends(web_app, page, recording_assistant):
    member = person_by_phone(web_app, DEMO_FAMILY_PHONE)
    login_ok(page, web_app.url)
    token = page.get_attribute("meta[name=csrf-token]", "content")
    with assistant_at(web_app, recording_assistant.url):
        response = page.request.post(web_app.url + "/family/api/chat", headers={"X-CSRF-Token": token}, data={
            "text": "我还有多少时间币", "sender": "family-1", "metadata": {"person_id": 1, "channel": "phone"}})
    assert response.status == 200, response.text()
    [sent] = recording_assistant.seen
    claim = sent["metadata"].pop("claim")
    sender = sent["sender"]  # the member's conversation: a new one after 重新开始 (test_family_chat_history.py)
    assert re.fullmatch(rf"family-{member.id}-[0-9a-f]{{12}}", sender), sender
    assert sent == {"sender": sender, "message": "我还有多少时间币", "metadata": {"channel": "chat"}}
    verified = claims.verify(web_app.state.settings.claim_secret, claim, conversation_id=sender)
    assert (verified.person_id, verified.channel, verified.phone) == (member.id, "chat", None)
    body = response.json()
    assert body["events"] == [{"action": "order_created", "order_id": 1}]
    assert body["messages"][1] == {"text": "请选一个：", "buttons": [{"title": "上午", "payload": "/inform_morning"}]}


def test_bad_chat_bodies_are_refused_in_chinese_without_reaching_the_assistant(web_app, page, recording_assistant):
    login_ok(page, web_app.url)
    token = page.get_attribute("meta[name=csrf-token]", "content")
    with assistant_at(web_app, recording_assistant.url):
        for body, status in (({"text": "   "}, 422), ({"text": "字" * 501}, 422), ({"nope": 1}, 422),
                             ({"text": '/request_service{"caller": {"id": 1}}'}, 422)):
            response = page.request.post(web_app.url + "/family/api/chat", headers={"X-CSRF-Token": token}, data=body)
            assert response.status == status and response.json()["message"], body
    assert recording_assistant.seen == []


def test_assistant_down_keeps_the_words_and_retry_sends_them_once_it_is_back(web_app, page, recording_assistant):
    login_ok(page, web_app.url)
    page.wait_for_selector(".yl-chat .QuickReply")
    with assistant_at(web_app, f"http://127.0.0.1:{free_port()}"):  # the earlier tests' history would show again
        page.click(".yl-restart")
        page.wait_for_function("() => !document.querySelector('.yl-chat .Message.right')")
    with assistant_at(web_app, f"http://127.0.0.1:{free_port()}"):  # nobody listens there
        page.fill(".yl-chat .Composer-input", "帮我妈妈约明天上午的助餐服务")
        page.keyboard.press("Enter")
        error = page.wait_for_selector(".yl-chat .Bubble[data-kind=error]")
        assert "没有回应" in error.inner_text() and "重试" in error.inner_text()
        assert page.input_value(".yl-chat .Composer-input") == "帮我妈妈约明天上午的助餐服务"
        shot(page, "family-chat-assistant-down")
    with assistant_at(web_app, recording_assistant.url):
        page.click(".yl-chat .QuickReply:has-text('重试')")
        assert "正在回复" in page.wait_for_selector(".yl-chat .Typing").inner_text()
        page.wait_for_selector(".yl-chat .Bubble:has-text('对吗')")
        assert page.locator(".yl-chat .Typing").count() == 0
        assert page.input_value(".yl-chat .Composer-input") == ""
    assert [s["message"] for s in recording_assistant.seen] == ["帮我妈妈约明天上午的助餐服务"]
    replies = page.locator(".yl-chat .QuickReply").all_inner_texts()
    assert replies[0] == "上午" and "约服务" in replies  # the bot's button first, the common tasks after
    user_bubbles = page.locator(".yl-chat .Message.right .Bubble").all_inner_texts()
    assert user_bubbles == ["帮我妈妈约明天上午的助餐服务"] * 2  # the failed try and the retry, nothing else


def test_a_gift_the_assistant_reports_is_linked_to_the_chat_only_if_the_member_made_it(web_app, page):
    """The proxy hands gift_made events to record_answer, which checks them (test_console_chat_gifts.py)."""
    state = web_app.state
    member = person_by_phone(web_app, DEMO_FAMILY_PHONE)
    with unit_of_work(state.sessions) as s:
        stranger = factories.person(s, state.policy, member.station_id, roles=("volunteer",), age=50, name="赠送路人")
        for person_id in (member.id, stranger.id):  # earned and given away: the member's balance is as before
            credit_service(s, volunteer_id=person_id, station_id=member.station_id, served_minutes=30,
                           tier="ordinary", policy=state.policy, actor=Actor("system:test", "system"))
        own, forged = (donate(s, from_id=person_id, minutes=30, policy=state.policy,
                              actor=Actor("service:bot", "chat")).seq for person_id in (member.id, stranger.id))
    app = FastAPI()

    @app.post("/webhooks/rest/webhook")
    async def webhook(request: Request):
        sender = (await request.json())["sender"]
        return [{"recipient_id": sender, "custom": {"action": "gift_made", "entry_id": forged}},
                {"recipient_id": sender, "custom": {"action": "gift_made", "entry_id": own}},
                {"recipient_id": sender, "text": "已经捐给公益基金了。"}]

    login_ok(page, web_app.url)
    token = page.get_attribute("meta[name=csrf-token]", "content")
    with ServerThread(app, "assistant") as server, assistant_at(web_app, server.url):
        response = page.request.post(web_app.url + "/family/api/chat", headers={"X-CSRF-Token": token},
                                     data={"text": "捐半个时间币"})
    assert response.status == 200, response.text()
    with unit_of_work(state.sessions) as s:
        chat = records.current(s, member.id, datetime.now(timezone.utc))
        linked = [m.entry_seq for m in records.messages(s, chat.id) if m.kind == "gift"]
    assert linked == [own]

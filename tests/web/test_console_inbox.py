"""The inbox without the assistant: a phone caller's 转人工, sent the way the hotline sends it, waits in
their street's inbox (oldest first, with how long) and in the dashboard's counts; resolving needs an
outcome in words; another street's operator neither sees nor touches it."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

import httpx
from sqlalchemy import select

from backend.core.db import unit_of_work
from backend.models import AuditEntry, HandoffTicket
from tests.web import console_a, console_world
from tests.web.conftest import shot


def _phone_handoff(web_app, phone: str, minutes_ago: int) -> int:
    with httpx.Client(base_url=web_app.url, headers={"Authorization": f"Bearer {web_app.service_token}"}) as api:
        made = api.post("/api/v1/handoffs", json={
            "phone": phone, "channel": "phone", "conversation_id": "CA" + secrets.token_hex(8),
            "reason": "caller pressed 0",
            "transcript": [{"speaker": "assistant", "text": "您好，请问需要什么帮助？", "at": "2026-12-01T08:00:00+00:00"},
                           {"speaker": "caller", "text": "我家水管漏了找谁", "at": "2026-12-01T08:00:05+00:00"}]})
        assert made.status_code == 201, made.text
    with unit_of_work(web_app.state.sessions) as session:  # as if asked a while ago
        session.get(HandoffTicket, made.json()["id"]).created_at = datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)
    return made.json()["id"]


def test_phone_handoffs_wait_oldest_first_with_their_wait_and_counts(web_app, page):
    _, phone, _ = console_a.new_person(web_app.state, console_a.HUNAN, name="按零老人")
    older = _phone_handoff(web_app, phone, 95)
    newer = _phone_handoff(web_app, phone, 3)
    console_a.login(page, web_app.url, "hunan_road")
    counts = page.locator("#todo-counts [data-kind=handoffs] strong")
    assert int(counts.inner_text()) >= 2
    page.goto(web_app.url + "/console/inbox")
    ids = [int(i) for i in page.eval_on_selector_all("tr[data-handoff-id]", "rows => rows.map(r => r.dataset.handoffId)")]
    assert ids.index(older) < ids.index(newer)
    row = page.locator(f"tr[data-handoff-id='{older}']")
    assert "1小时35分钟" in row.inner_text() and "电话" in row.inner_text() and "来电人按0" in row.inner_text()
    assert "按零老人" in row.inner_text() and "水管漏了" in row.inner_text()
    page.goto(f"{web_app.url}/console/inbox/handoffs/{older}")
    page.fill("#outcome-text", "   ")
    page.click("form.resolve button")
    assert "请写明处理结果" in page.inner_text("[role=alert]")
    with unit_of_work(web_app.state.sessions) as session:
        assert session.get(HandoffTicket, older).status == "open"
        assert session.scalar(select(AuditEntry).where(AuditEntry.target == f"handoff:{older}")) is None
    page.fill("#outcome-text", "帮老人联系了物业维修")
    page.click("form.resolve button")
    page.wait_for_url("**done=resolve")
    hunan_op = console_a.operator_id(web_app.state, "hunan_road")
    with unit_of_work(web_app.state.sessions) as session:
        ticket = session.get(HandoffTicket, older)
        assert (ticket.status, ticket.outcome, ticket.claimed_by) == ("resolved", "帮老人联系了物业维修", hunan_op)
    page.goto(web_app.url + "/console/inbox")
    assert page.locator(f"tr[data-handoff-id='{older}']").count() == 0
    assert "帮老人联系了物业维修" in page.inner_text("#resolved")
    shot(page, "console-inbox-phone")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "console-inbox-phone-narrow")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_another_street_neither_sees_nor_claims_a_request(web_app, page):
    _, phone, _ = console_a.new_person(web_app.state, console_a.HUNAN, name="别处看不见老人")
    ticket = _phone_handoff(web_app, phone, 10)
    console_world.login(page, web_app.url, console_world.OTHER_STREET, web_app)
    page.goto(web_app.url + "/console/inbox")
    assert page.locator(f"tr[data-handoff-id='{ticket}']").count() == 0
    answer = page.goto(f"{web_app.url}/console/inbox/handoffs/{ticket}")
    assert answer.status == 404 and "别处看不见老人" not in page.content()
    token = page.get_attribute("meta[name=csrf-token]", "content")
    refused = page.request.post(f"{web_app.url}/console/inbox/handoffs/{ticket}/claim",
                                headers={"accept": "text/html"}, form={"csrf_token": token})
    assert refused.status == 404
    with unit_of_work(web_app.state.sessions) as session:
        assert (session.get(HandoffTicket, ticket).status, session.get(HandoffTicket, ticket).claimed_by) == ("open", None)

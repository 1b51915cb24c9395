"""No technical text for people: every error on the console and the family site is a short Chinese
page (the API and scripts keep JSON); the audit trail, a call's end reason, duration and key presses,
and an order's dispatch read in plain Chinese with the volunteer named and the score explained."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from fastapi import APIRouter

from backend.access import audit
from backend.api.app import create_app
from backend.core.db import unit_of_work
from backend.matching.dispatch import offer_next
from backend.models import Order
from tests.ivr.servers import ServerThread
from tests.web import console_a
from tests.web.conftest import shot
from tests.web.console_world import db, open_order
from web.app import attach_web

ASCII_WORD = re.compile(r"[A-Za-z_]{4,}")


def _visible_text(page) -> str:
    return page.inner_text("body")


@pytest.mark.parametrize("path", ["/console/no-such-page", "/family/no-such-page", "/console/orders/abc",
                                  "/console/calls/CAnothing"])
def test_unknown_addresses_are_a_chinese_page_on_both_sites(web_app, page, path):
    console_a.login(page, web_app.url, "hunan_road")
    answer = page.goto(web_app.url + path)
    assert answer.status == 404 and answer.headers["content-type"].startswith("text/html")
    text = _visible_text(page)
    assert "没有找到" in text
    assert "http_404" not in page.content() and not ASCII_WORD.search(text)


def test_wrong_method_is_a_chinese_page_and_scripts_keep_json(web_app, page):
    console_a.login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + "/console/")
    status = page.evaluate("""async () => {
        const form = new FormData(); form.append('x', '1');
        const answer = await fetch('/console/audit', {method: 'POST', body: form, headers: {accept: 'text/html'}});
        document.body.innerHTML = await answer.text();
        return answer.status; }""")
    assert status == 405 and "不能这样打开" in _visible_text(page)
    shot(page, "error-405")
    with httpx.Client(base_url=web_app.url) as client:
        api = client.get("/api/v1/no-such-thing")
        assert api.status_code == 404 and api.json()["code"] == "http_404"
        script = client.get("/family/no-such-page", headers={"accept": "application/json"})
        assert script.status_code == 404 and script.json()["code"] == "http_404"
        family = client.post("/family/login", headers={"accept": "text/html"}, params={"x": 1}, data={})
        assert family.status_code in (303, 400, 403, 422) and "text/html" in family.headers["content-type"]


def test_an_unexpected_failure_is_a_chinese_page_not_a_traceback(web_app, page):
    app = attach_web(create_app(state=web_app.state))
    broken = APIRouter()

    @broken.get("/console/broken")
    def fails():
        raise RuntimeError("database exploded: secret detail")
    app.include_router(broken)
    with ServerThread(app, "broken") as server:
        answer = page.goto(server.url + "/console/broken")
        assert answer.status == 500 and answer.headers["content-type"].startswith("text/html")
        text = _visible_text(page)
        assert "系统出了点问题" in text and "secret" not in page.content() and "RuntimeError" not in page.content()
        shot(page, "error-500")
        with httpx.Client(base_url=server.url) as client:
            assert client.get("/console/broken").json()["code"] == "internal_error"


def test_audit_trail_names_every_action_in_chinese(web_app, page):
    hunan = console_a.station_id(web_app.state, console_a.HUNAN)
    person_id, _, _ = console_a.new_person(web_app.state, console_a.HUNAN, name="审计词老人")
    with unit_of_work(web_app.state.sessions) as session:
        for action in ("family.login", "family.certificate", "order.assign", "transfer.gift"):
            audit.record(session, actor=f"person:{person_id}", action=action, target=f"person:{person_id}",
                         station_id=hunan)
    console_a.login(page, web_app.url, "city_admin")
    page.goto(f"{web_app.url}/console/audit?target={person_id}")
    rows = page.locator("table.audit tbody").inner_text()
    for words in ("家属登录", "家属下载服务证明", "人工派单", "赠予时间币", "审计词老人"):
        assert words in rows
    assert "family." not in rows and "person:" not in rows
    assert "person:" not in page.get_attribute("#target", "placeholder")
    shot(page, "console-audit-plain")


def test_call_page_reads_in_chinese_with_duration_and_one_line_per_key(web_app, page):
    _, phone, _ = console_a.new_person(web_app.state, console_a.HUNAN, name="按键老人")
    turns = [{"seq": 1, "speaker": "assistant", "source": "prompt", "text": "您好，请问需要什么帮助？"},
             {"seq": 3, "speaker": "caller", "source": "keypad", "text": "对"},
             {"seq": 5, "speaker": "caller", "source": "keypad", "text": "转人工"}]
    events = [{"seq": 2, "kind": "dtmf", "detail": "1"}, {"seq": 4, "kind": "dtmf", "detail": "0"},
              {"seq": 6, "kind": "reprompt", "detail": "hung up: no answer"}]
    sid = console_a.make_call(web_app.state, phone, turns=turns, events=events, duration_s=0)
    started = datetime.now(timezone.utc) - timedelta(minutes=10)
    with unit_of_work(web_app.state.sessions) as session:  # as a stream call ends: no Twilio duration
        call = session.get(type(console_a.call_row(web_app.state, sid)), console_a.call_row(web_app.state, sid).id)
        call.duration_s, call.end_reason = None, "caller hung up"
        call.started_at, call.ended_at = started, started + timedelta(seconds=125)
    path = console_a.write_recording(sid, 3.0)
    try:
        console_a.login(page, web_app.url, "hunan_road")
        page.goto(f"{web_app.url}/console/calls/{sid}")
        assert page.inner_text("#end-reason") == "来电人挂机"
        assert page.inner_text("#duration") == "2分05秒"
        seqs = page.eval_on_selector_all(".timeline li", "items => items.map(i => i.dataset.seq)")
        assert seqs == ["1", "3", "5", "6"]  # each key once: on the caller's keypad turn
        assert "按下 1" in page.inner_text("#seq-3") and "按下 0" in page.inner_text("#seq-5")
        assert "没有回应，已挂机" in page.inner_text("#seq-6")
        text = page.inner_text(".timeline")
        assert "这句没有录音片段" not in page.content() and not ASCII_WORD.search(text)
        shot(page, "console-call-plain")
    finally:
        path.unlink(missing_ok=True)
    page.goto(f"{web_app.url}/console/calls?phone={phone[1:]}")
    assert "2分05秒" in page.inner_text(f"tr[data-call-sid='{sid}']")


def test_automatic_dispatch_names_the_volunteer_and_explains_the_score(web_app, page):
    order_id = open_order(web_app, "wu")
    with db(web_app) as s:
        order = s.get(Order, order_id)
        offer = offer_next(s, order, policy=web_app.state.policy, tz=web_app.state.settings.timezone,
                           now=datetime.now(timezone.utc))
        assert offer is not None
        volunteer = offer.volunteer_id
        from backend.models import Person
        name = s.get(Person, volunteer).name
    console_a.login(page, web_app.url, "hunan_road")
    page.goto(f"{web_app.url}/console/orders/{order_id}")
    history = page.locator("table.history tbody tr").last.inner_text()
    assert f"自动派单给{name}" in history and "公里" in history and "匹配度" in history
    assert "系统自动" in history and "人工" not in history.replace("自动派单", "")
    assert "得分" not in page.content() and f"志愿者{volunteer}" not in page.content()
    shot(page, "console-order-dispatch-words")

"""Console calls pages in a real browser against the real app: the list with search and paging,
the call page (turns, low confidence, audio per turn, DTMF and handoff events, orders), the
review mark and the flag with its reason, each audited."""
from __future__ import annotations

import io
import json
import re
import wave
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from backend.core.clock import local_today
from backend.core.db import unit_of_work
from backend.models import AuditEntry, HandoffTicket
from backend.orders.service import NewOrder, create_order
from speech.recording import CallRecorder
from tests.web import console_a
from tests.web.conftest import shot
from web.console import call_audio

CALL_TURNS = [
    {"seq": 1, "speaker": "assistant", "source": "prompt", "text": "您好，这里是银龄服务热线，请问需要什么帮助？",
     "audio_start_s": 0.0, "audio_end_s": 2.5},
    {"seq": 2, "speaker": "caller", "source": "speech", "text": "我想约明天上午有人陪我去医院", "confidence": 0.91,
     "audio_start_s": 2.8, "audio_end_s": 5.3},
    {"seq": 4, "speaker": "caller", "source": "speech", "text": "九点钟吧", "confidence": 0.42,
     "audio_start_s": 6.0, "audio_end_s": 7.0},
    {"seq": 5, "speaker": "assistant", "source": "speech", "text": "好的，明天上午九点陪同就医，对吗？",
     "audio_start_s": 7.2, "audio_end_s": 9.0},
    {"seq": 7, "speaker": "caller", "source": "keypad", "text": "对（按1）", "confidence": None},
]


@pytest.fixture(scope="module")
def booked_call(web_app):
    """A recorded call of a Hunan Road elder: five turns, a key press, a handoff and a booked order."""
    state = web_app.state
    elder_id, phone, _ = console_a.new_person(state, console_a.HUNAN, name="通话老人甲")
    started = datetime.now(timezone.utc) - timedelta(minutes=3)
    with unit_of_work(state.sessions) as session:
        order = create_order(session, NewOrder(recipient_id=elder_id, service_slug="escort_medical",
                                               start_at=started + timedelta(days=1), duration_minutes=120,
                                               channel="phone", actor=f"person:{elder_id}", address="鼓楼区湖南路1号",
                                               lat=32.066, lon=118.781),
                             policy=state.policy, now=started + timedelta(seconds=20),
                             today=local_today(state.settings.timezone))
        ticket = HandoffTicket(person_id=elder_id, phone=phone, station_id=None, channel="phone",
                               conversation_id="conv-test", transcript_json="[]", reason="想找人工确认")
        session.add(ticket)
        session.flush()
        order_id, ticket_id = order.id, ticket.id
    events = [{"seq": 3, "kind": "dtmf", "detail": "1"}, {"seq": 6, "kind": "order", "order_id": order_id},
              {"seq": 8, "kind": "handoff", "handoff_id": ticket_id, "detail": "来电人按0"}]
    sid = console_a.make_call(state, phone, turns=CALL_TURNS, events=events, started=started, duration_s=95)
    path = console_a.write_recording(sid, 10.0)
    yield {"sid": sid, "phone": phone, "order_id": order_id, "elder_id": elder_id}
    path.unlink(missing_ok=True)


def test_recording_path_is_the_file_the_ivr_recorder_writes(tmp_path):
    for sid in ("CA0123abc", "browser/phone 7"):
        with CallRecorder(tmp_path, sid) as recorder:
            assert call_audio.recording_path(sid, tmp_path) == recorder.path


def test_call_page_shows_turns_events_in_order_low_confidence_audio_and_orders(web_app, page, booked_call):
    console_a.login(page, web_app.url, "hunan_road")
    page.goto(f"{web_app.url}/console/calls/{booked_call['sid']}")
    header = page.inner_text("section.card")
    assert booked_call["phone"] in header and "通话老人甲" in header and "湖南路社区" in header
    assert "1分35秒" in header and "来电人挂机" in header
    seqs = [int(s) for s in page.eval_on_selector_all(".timeline li", "items => items.map(i => i.dataset.seq)")]
    assert seqs == [1, 2, 3, 4, 5, 6, 7, 8]
    low = page.locator(".timeline li.low-confidence")
    assert low.count() == 1 and "九点钟吧" in low.inner_text() and "置信度低" in low.inner_text()
    assert "置信度 42%" in low.inner_text()
    assert "置信度低" not in page.inner_text("#seq-2")
    assert "按下 1" in page.inner_text("#seq-3")
    assert "转人工工单" in page.inner_text("#seq-8")
    assert page.locator(".timeline audio").count() == 4  # the keypad turn has no audio span
    assert page.locator("#no-recording").count() == 0
    order_link = page.locator(f"#call-orders a[href='/console/orders/{booked_call['order_id']}']")
    assert order_link.count() == 1 and "陪同就医" in page.inner_text("#call-orders")
    duration = page.evaluate("""async () => {
        const audio = document.querySelector('#seq-4 audio');
        audio.preload = 'auto'; audio.load();
        await new Promise((ok, bad) => { audio.onloadedmetadata = ok; audio.onerror = bad; });
        return audio.duration; }""")
    assert duration == pytest.approx(1.0, abs=0.01)
    shot(page, "console-call-detail")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "console-call-detail-phone")


def test_turn_audio_is_the_turns_span_of_the_recording(web_app, booked_call):
    console = console_a.http_console(web_app.url, "hunan_road")
    answer = console.get(f"/console/calls/{booked_call['sid']}/turns/2/audio")
    assert answer.status_code == 200 and answer.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(answer.content)) as cut:
        assert (cut.getnchannels(), cut.getframerate(), cut.getnframes()) == (2, 8000, 20000)  # 2.8 s → 5.3 s
    assert console.get(f"/console/calls/{booked_call['sid']}/turns/7/audio").status_code == 404  # no span
    assert console.get(f"/console/calls/{booked_call['sid']}/turns/99/audio").status_code == 404


def test_call_without_recording_says_so_and_shows_no_player(web_app, page):
    _, phone, _ = console_a.new_person(web_app.state, console_a.HUNAN, name="无录音老人")
    sid = console_a.make_call(web_app.state, phone, turns=CALL_TURNS[:2])
    console_a.login(page, web_app.url, "hunan_road")
    page.goto(f"{web_app.url}/console/calls/{sid}")
    assert "这通电话没有录音" in page.inner_text("#no-recording")
    assert page.locator("audio").count() == 0
    assert "我想约明天上午有人陪我去医院" in page.inner_text(".timeline")
    console = console_a.http_console(web_app.url, "hunan_road")
    answer = console.get(f"/console/calls/{sid}/turns/2/audio")
    assert answer.status_code == 404 and "没有录音" in answer.text


def test_call_list_searches_by_phone_dates_status_review_and_pages(web_app, page):
    state = web_app.state
    _, phone, _ = console_a.new_person(state, console_a.HUNAN, name="常打电话老人")
    now = datetime.now(timezone.utc)
    sids = [console_a.make_call(state, phone, started=now - timedelta(hours=n + 1)) for n in range(21)]
    old = console_a.make_call(state, phone, started=now - timedelta(days=10), status="dropped")
    console_a.login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + "/console/calls")
    page.fill("#phone", phone[3:])  # without +86
    page.click("form.filters button[type=submit]")
    assert "共 22 个通话，第 1/2 页" in page.inner_text("#call-count")
    listed = page.eval_on_selector_all("tr[data-call-sid]", "rows => rows.map(r => r.dataset.callSid)")
    assert listed == sids[:20]  # newest first
    shot(page, "console-calls-list")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "console-calls-list-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})
    page.click("text=下一页")
    listed = page.eval_on_selector_all("tr[data-call-sid]", "rows => rows.map(r => r.dataset.callSid)")
    assert listed == [sids[20], old]
    page.select_option("#status", "dropped")
    page.click("form.filters button[type=submit]")
    assert page.eval_on_selector_all("tr[data-call-sid]", "rows => rows.map(r => r.dataset.callSid)") == [old]
    day = (now - timedelta(days=10)).astimezone(__import__("zoneinfo").ZoneInfo(state.settings.timezone)).date()
    page.goto(f"{web_app.url}/console/calls?phone={phone[1:]}&date_from={day}&date_to={day}")
    assert page.eval_on_selector_all("tr[data-call-sid]", "rows => rows.map(r => r.dataset.callSid)") == [old]
    page.goto(f"{web_app.url}/console/calls?phone={phone[1:]}&review=flagged")
    assert "没有符合条件的通话" in page.content()
    answer = page.goto(f"{web_app.url}/console/calls?date_from=2026-13-45")
    assert answer.status == 422 and "开始日期格式不对" in page.inner_text("[role=alert]")


def test_flag_needs_a_reason_then_flag_and_review_are_audited_once(web_app, page):
    state = web_app.state
    _, phone, _ = console_a.new_person(state, console_a.HUNAN, name="审核老人")
    sid = console_a.make_call(state, phone, turns=CALL_TURNS[:3])
    console = console_a.http_console(web_app.url, "hunan_road")
    refused = console.post(f"/console/calls/{sid}/review", {"decision": "flagged", "note": "   "})
    assert refused.status_code == 422 and "请写明原因" in refused.text
    assert console_a.call_row(state, sid).review_status == "unreviewed"
    assert console_a.audit_for(state, f"call:{sid}") == []

    console_a.login(page, web_app.url, "hunan_road")
    page.goto(f"{web_app.url}/console/calls/{sid}")
    page.fill("#flag-note", "识别错了时间，老人说的是十点")
    page.click("form.review-flag button")
    page.wait_for_url(re.compile(r"done=flagged"))
    assert page.inner_text("#review-status") == "有问题"
    assert "识别错了时间" in page.inner_text("#review-note")
    shot(page, "console-call-flagged")
    call = console_a.call_row(state, sid)
    hunan_op = console_a.operator_id(state, "hunan_road")
    assert (call.review_status, call.reviewed_by, call.review_note) == ("flagged", hunan_op, "识别错了时间，老人说的是十点")
    [entry] = console_a.audit_for(state, f"call:{sid}")
    assert (entry.actor, entry.action, entry.station_id, entry.reason) == (
        f"operator:{hunan_op}", "call.flag", call.station_id, "识别错了时间，老人说的是十点")
    assert json.loads(entry.detail_json) == {"from": "unreviewed", "to": "flagged"}

    again = console.post(f"/console/calls/{sid}/review", {"decision": "flagged", "note": "识别错了时间，老人说的是十点"})
    assert again.status_code == 303 and "done=unchanged" in again.headers["location"]
    assert len(console_a.audit_for(state, f"call:{sid}")) == 1  # the form sent twice acts once

    page.click("form.review-ok button")
    page.wait_for_url(re.compile(r"done=reviewed"))
    assert page.inner_text("#review-status") == "已审核"
    entries = console_a.audit_for(state, f"call:{sid}")
    assert [e.action for e in entries] == ["call.flag", "call.review"]
    with unit_of_work(state.sessions) as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.target == f"call:{sid}", AuditEntry.reason.is_(None))) == 1

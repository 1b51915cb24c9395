"""Scope security in the console: a street operator (湖南路街道) cannot open, hear, review or decide
anything of another street (玄武门街道) by guessing URLs; a call from a number nobody could place is
for the city level only; the city admin reaches all of it. Checked in the browser and over HTTP."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.core.db import unit_of_work
from backend.models import FamilyLink, Person, Registration
from tests.web import console_a
from tests.web.conftest import shot

TURNS = [{"seq": 1, "speaker": "caller", "source": "speech", "text": "我要查一下时间币余额", "confidence": 0.88,
          "audio_start_s": 0.5, "audio_end_s": 2.0}]


@pytest.fixture(scope="module")
def two_streets(web_app):
    """One call per street (both recorded), a call nobody could place, and for the other street a
    person, a pending registration and a pending family link."""
    state = web_app.state
    hunan_elder, hunan_phone, _ = console_a.new_person(state, console_a.HUNAN, name="本街道老人")
    xuanwu_elder, xuanwu_phone, _ = console_a.new_person(state, console_a.XUANWU, name="外街道老人")
    xuanwu_son, _, _ = console_a.new_person(state, console_a.XUANWU, name="外街道家属", roles=("family",), age=48)
    calls = {"hunan": console_a.make_call(state, hunan_phone, turns=TURNS),
             "xuanwu": console_a.make_call(state, xuanwu_phone, turns=TURNS),
             "placeless": console_a.make_call(state, "+8613800000000", turns=TURNS, placeless=True)}
    recordings = [console_a.write_recording(sid, 3.0) for sid in calls.values()]
    with unit_of_work(state.sessions) as session:
        registration = Registration(name="外街道登记", phone=console_a.unique_phone(), roles="elder", channel="phone",
                                    station_id=console_a.station_id(state, console_a.XUANWU), status="pending")
        link = FamilyLink(elder_id=xuanwu_elder, member_id=xuanwu_son, relation="child", consent="pending")
        session.add_all([registration, link])
        session.flush()
        ids = {"registration": registration.id, "link": link.id}
    yield {"calls": calls, "phones": {"hunan": hunan_phone, "xuanwu": xuanwu_phone}, "hunan_elder": hunan_elder,
           "xuanwu_elder": xuanwu_elder, **ids}
    for path in recordings:
        path.unlink(missing_ok=True)


def test_street_operator_cannot_open_another_streets_call_in_the_browser(web_app, page, two_streets):
    console_a.login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + "/console/calls")
    listed = page.eval_on_selector_all("tr[data-call-sid]", "rows => rows.map(r => r.dataset.callSid)")
    assert two_streets["calls"]["hunan"] in listed
    assert two_streets["calls"]["xuanwu"] not in listed and two_streets["calls"]["placeless"] not in listed
    answer = page.goto(f"{web_app.url}/console/calls/{two_streets['calls']['xuanwu']}")
    assert answer.status == 404
    assert "没有找到这个通话，或者它不在您的管辖范围内" in page.inner_text("[role=alert]")
    content = page.content()
    assert two_streets["phones"]["xuanwu"] not in content and "我要查一下时间币余额" not in content
    assert "外街道老人" not in content
    shot(page, "console-call-out-of-scope")
    assert page.goto(f"{web_app.url}/console/calls/{two_streets['calls']['placeless']}").status == 404
    assert page.goto(f"{web_app.url}/console/calls/{two_streets['calls']['hunan']}").status == 200


def test_street_operator_cannot_hear_or_review_another_streets_call(web_app, two_streets):
    console = console_a.http_console(web_app.url, "hunan_road")
    xuanwu = two_streets["calls"]["xuanwu"]
    for sid in (xuanwu, two_streets["calls"]["placeless"]):
        audio = console.get(f"/console/calls/{sid}/turns/1/audio")
        assert audio.status_code == 404 and audio.headers["content-type"].startswith("text/html")
        assert "管辖范围" in audio.text
    assert console.get(f"/console/calls/{two_streets['calls']['hunan']}/turns/1/audio").status_code == 200
    review = console.post(f"/console/calls/{xuanwu}/review", {"decision": "flagged", "note": "越权试试"})
    assert review.status_code == 404
    assert console_a.call_row(web_app.state, xuanwu).review_status == "unreviewed"
    assert console_a.audit_for(web_app.state, f"call:{xuanwu}") == []


def test_audio_needs_a_console_login(web_app, two_streets):
    import httpx
    answer = httpx.get(f"{web_app.url}/console/calls/{two_streets['calls']['hunan']}/turns/1/audio")
    assert answer.status_code == 401 and answer.headers["content-type"] == "application/json"


def test_street_operator_cannot_open_or_freeze_another_streets_person(web_app, two_streets):
    console = console_a.http_console(web_app.url, "hunan_road")
    other = two_streets["xuanwu_elder"]
    page = console.get(f"/console/people/{other}")
    assert page.status_code == 404 and "外街道老人" not in page.text and "不在您的管辖范围内" in page.text
    assert console.get("/console/people/999999").status_code == 404
    assert console.post(f"/console/people/{other}/freeze", {"frozen": "1", "reason": "越权"}).status_code == 404
    assert console.post(f"/console/people/{other}/qualifications",
                        {"kind": "nurse", "reason": "越权"}).status_code == 404
    with unit_of_work(web_app.state.sessions) as session:
        assert session.get(Person, other).status == "verified"
    assert console_a.audit_for(web_app.state, f"person:{other}") == []
    listed = console.get("/console/people", params={"q": "外街道"}).text
    assert "外街道老人" not in listed and "外街道家属" not in listed


def test_street_operator_cannot_see_or_decide_another_streets_registration_or_link(web_app, two_streets):
    console = console_a.http_console(web_app.url, "hunan_road")
    assert "外街道登记" not in console.get("/console/people/registrations", params={"status": "all"}).text
    assert "外街道家属" not in console.get("/console/people/family-links").text
    hunan = console_a.station_id(web_app.state, console_a.HUNAN)
    verify = console.post(f"/console/people/registrations/{two_streets['registration']}/verify",
                          {"station_id": hunan, "birth_date": "1940-01-01", "reason": "越权"})
    reject = console.post(f"/console/people/registrations/{two_streets['registration']}/reject", {"reason": "越权"})
    decide = console.post(f"/console/people/family-links/{two_streets['link']}", {"consent": "consented",
                                                                                 "reason": "越权"})
    assert verify.status_code == reject.status_code == decide.status_code == 404
    with unit_of_work(web_app.state.sessions) as session:
        assert session.get(Registration, two_streets["registration"]).status == "pending"
        assert session.get(FamilyLink, two_streets["link"]).consent == "pending"
        assert session.scalar(select(Person.id).where(Person.name == "外街道登记")) is None


def test_city_admin_reaches_every_street_and_the_placeless_call(web_app, page, two_streets):
    console = console_a.http_console(web_app.url, "city_admin")
    for sid in two_streets["calls"].values():
        assert console.get(f"/console/calls/{sid}").status_code == 200
        assert console.get(f"/console/calls/{sid}/turns/1/audio").status_code == 200
    assert console.get(f"/console/people/{two_streets['xuanwu_elder']}").status_code == 200
    assert "外街道登记" in console.get("/console/people/registrations").text
    assert "外街道家属" in console.get("/console/people/family-links").text
    console_a.login(page, web_app.url, "city_admin")
    page.goto(web_app.url + "/console/calls")
    listed = page.eval_on_selector_all("tr[data-call-sid]", "rows => rows.map(r => r.dataset.callSid)")
    assert set(two_streets["calls"].values()) <= set(listed)
    shot(page, "console-calls-list-city")

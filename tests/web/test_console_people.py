"""Console people pages in a real browser against the real app: search in scope, the person page,
freeze/unfreeze with a reason (frozen coins cannot move; family web sessions end), qualifications,
pending registrations (人工辅助审核) and family links to verify; every action audited once."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import httpx
import pytest
from sqlalchemy import func, select

from backend.core.db import unit_of_work
from backend.core.errors import AccountFrozen
from backend.ledger.accounts import person_account
from backend.ledger.operations import Actor, donate, grant
from backend.models import FamilyLink, Person, Qualification, Registration, WebSession
from tests.web import console_a
from tests.web.conftest import shot
from web.auth import sessions


def service_api(web_app) -> httpx.Client:
    return httpx.Client(base_url=web_app.url, headers={"Authorization": f"Bearer {web_app.service_token}"}, timeout=30)


def test_people_search_lists_only_the_operators_streets_people_with_masked_ids(web_app, page):
    state = web_app.state
    mine, phone, id_number = console_a.new_person(state, console_a.HUNAN, name="搜索测试老人", id_serial=401)
    console_a.new_person(state, console_a.XUANWU, name="搜索测试外街老人")
    console_a.login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + "/console/people")
    shot(page, "console-people-list")
    listed = page.inner_text("table.people")
    assert "王秀英" in listed and "李淑珍" not in listed  # 李淑珍 lives on Xuanwumen street
    page.fill("#q", "搜索测试")
    page.click("form.filters button[type=submit]")
    assert page.eval_on_selector_all("tr[data-person-id]", "rows => rows.map(r => +r.dataset.personId)") == [mine]
    assert id_number not in page.content() and id_number[:4] in page.inner_text("table.people")
    page.fill("#q", phone[-8:])
    page.click("form.filters button[type=submit]")
    assert page.eval_on_selector_all("tr[data-person-id]", "rows => rows.map(r => +r.dataset.personId)") == [mine]
    page.goto(web_app.url + "/console/people?role=volunteer")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "console-people-list-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone
    assert "陈志强" in page.inner_text("table.people") and "王秀英" not in page.inner_text("table.people")


def test_person_page_shows_roles_balance_stars_orders_links_and_qualifications(web_app, page):
    console_a.login(page, web_app.url, "hunan_road")
    with unit_of_work(web_app.state.sessions) as session:
        liu = session.scalar(select(Person).where(Person.name == "刘桂兰"))
        # Other tests in the session may credit her service, so the expectation is read from the ledger.
        served = person_account(session, liu.id).service_minutes
    level = web_app.state.policy.star_level(served)
    page.goto(f"{web_app.url}/console/people/{liu.id}")
    facts = page.inner_text("section.card")
    assert "老人、志愿者" in facts and "湖南路社区" in facts and "个时间币" in facts
    assert served >= 150 * 60  # the demo data gives her 150 h
    assert page.inner_text("#stars").startswith(f"{level} 星") and f"累计服务 {served // 60} 小时" in page.inner_text("#stars")
    assert "张德明" in page.inner_text("ul.links") and "配偶" in page.inner_text("ul.links")
    assert liu.id_masked in facts
    shot(page, "console-person-page")


def test_freeze_needs_a_reason_then_stops_coins_and_family_sessions_and_is_audited(web_app, page):
    state = web_app.state
    person_id, _, _ = console_a.new_person(state, console_a.HUNAN, name="冻结测试家属", roles=("family", "volunteer"),
                                           age=45)
    now = datetime.now(timezone.utc)
    with unit_of_work(state.sessions) as session:
        grant(session, to_id=person_id, minutes=120, actor=Actor("operator:test", "operator"), memo="测试补贴")
        _token, web_row = sessions.start(session, "family", person_id, now)
        web_row_id = web_row.id
    console = console_a.http_console(web_app.url, "hunan_road")
    refused = console.post(f"/console/people/{person_id}/freeze", {"frozen": "1", "reason": "  "})
    assert refused.status_code == 422 and "请写明原因" in refused.text
    with unit_of_work(state.sessions) as session:
        assert not person_account(session, person_id).frozen and session.get(Person, person_id).status == "verified"
    assert console_a.audit_for(state, f"person:{person_id}") == []

    console_a.login(page, web_app.url, "hunan_road")
    page.goto(f"{web_app.url}/console/people/{person_id}")
    page.fill("#freeze-reason", "家属反映手机丢失，先冻结")
    page.click("#freeze-form button")
    page.wait_for_url(re.compile(r"done=frozen"))
    assert page.inner_text("#person-status") == "已冻结"
    assert "家属反映手机丢失" in page.inner_text("table.audit")
    shot(page, "console-person-frozen")
    with unit_of_work(state.sessions) as session:
        assert person_account(session, person_id).frozen
        assert session.get(WebSession, web_row_id).revoked_at is not None
    with pytest.raises(AccountFrozen), unit_of_work(state.sessions) as session:
        donate(session, from_id=person_id, minutes=60, policy=state.policy, actor=Actor(f"person:{person_id}", "chat"))
    with unit_of_work(state.sessions) as session:
        assert person_account(session, person_id).balance == 120
    [entry] = console_a.audit_for(state, f"person:{person_id}")
    assert (entry.actor, entry.action, entry.reason, entry.station_id) == (
        f"operator:{console_a.operator_id(state, 'hunan_road')}", "person.freeze", "家属反映手机丢失，先冻结",
        console_a.station_id(state, console_a.HUNAN))
    assert json.loads(entry.detail_json) == {"family_sessions_ended": 1}
    again = console.post(f"/console/people/{person_id}/freeze", {"frozen": "1", "reason": "家属反映手机丢失，先冻结"})
    assert again.status_code == 303 and len(console_a.audit_for(state, f"person:{person_id}")) == 1

    page.fill("#freeze-reason", "家属已找回手机")
    page.click("#freeze-form button")
    page.wait_for_url(re.compile(r"done=unfrozen"))
    assert page.inner_text("#person-status") == "已核实"
    with unit_of_work(state.sessions) as session:
        donate(session, from_id=person_id, minutes=60, policy=state.policy, actor=Actor(f"person:{person_id}", "chat"))
        assert person_account(session, person_id).balance == 60
    assert [e.action for e in console_a.audit_for(state, f"person:{person_id}")] == ["person.freeze", "person.unfreeze"]


def test_qualification_is_added_once_with_its_reason(web_app, page):
    state = web_app.state
    person_id, _, _ = console_a.new_person(state, console_a.HUNAN, name="资质测试志愿者", roles=("volunteer",), age=40)
    console_a.login(page, web_app.url, "hunan_road")
    page.goto(f"{web_app.url}/console/people/{person_id}")
    page.select_option("#kind", "nurse")
    page.fill("#expires_on", "2030-06-30")
    page.fill("#qualification-reason", "查验护士执业证书 No.123")
    page.click("#qualification-form button")
    page.wait_for_url(re.compile(r"done=qualified"))
    assert "护士，有效期至 2030-06-30" in page.inner_text("#qualifications")
    console = console_a.http_console(web_app.url, "hunan_road")
    again = console.post(f"/console/people/{person_id}/qualifications",
                         {"kind": "nurse", "expires_on": "2030-06-30", "reason": "查验护士执业证书 No.123"})
    assert again.status_code == 303
    bad = console.post(f"/console/people/{person_id}/qualifications",
                       {"kind": "nurse", "expires_on": "2030-02-30", "reason": "查验"})
    assert bad.status_code == 422 and "有效期格式不对" in bad.text
    with unit_of_work(state.sessions) as session:
        assert session.scalar(select(func.count()).select_from(Qualification)
                              .where(Qualification.person_id == person_id)) == 1
    [entry] = console_a.audit_for(state, f"person:{person_id}")
    assert (entry.action, entry.reason) == ("person.add_qualification", "查验护士执业证书 No.123")
    assert json.loads(entry.detail_json)["kind"] == "nurse"


def test_registration_verified_once_creates_a_person_and_reject_needs_a_reason(web_app, page):
    state = web_app.state
    hunan = console_a.station_id(state, console_a.HUNAN)
    phone, other_phone = console_a.unique_phone(), console_a.unique_phone()
    with service_api(web_app) as api:
        made = api.post("/api/v1/registrations", json={"name": "登记测试老人", "phone": phone, "roles": ["elder"],
                                                       "channel": "phone", "station_id": hunan,
                                                       "note": "电话里说住湖南路"})
        other = api.post("/api/v1/registrations", json={"name": "登记驳回测试", "phone": other_phone,
                                                        "roles": ["elder"], "channel": "chat", "station_id": hunan})
    assert made.status_code == other.status_code == 201
    registration_id, other_id = made.json()["id"], other.json()["id"]
    console_a.login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + "/console/people/registrations")
    card = page.locator(f"#registration-{registration_id}")
    assert "电话里说住湖南路" in card.inner_text() and "未说" in card.inner_text()
    shot(page, "console-registrations")
    card.locator("input[name=birth_date]").fill("1944-02-02")
    card.locator("input[name=reason]").fill("回拨核对了户口本")
    card.locator(".verify-form button").click()
    page.wait_for_url(re.compile(r"done=verified"))
    assert page.locator(f"#registration-{registration_id}").count() == 0
    with unit_of_work(state.sessions) as session:
        person = session.scalar(select(Person).where(Person.phone == phone))
        assert (person.name, person.status, person.station_id, str(person.birth_date)) == (
            "登记测试老人", "verified", hunan, "1944-02-02")
        assert session.get(Registration, registration_id).status == "verified"
    [entry] = console_a.audit_for(state, f"person:{person.id}")
    assert (entry.action, entry.reason, json.loads(entry.detail_json)["registration_id"]) == (
        "registration.verify", "回拨核对了户口本", registration_id)

    console = console_a.http_console(web_app.url, "hunan_road")
    replay = console.post(f"/console/people/registrations/{registration_id}/verify",
                          {"station_id": hunan, "birth_date": "1944-02-02", "reason": "回拨核对了户口本"})
    assert replay.status_code == 409 and "已经处理过了" in replay.text
    with unit_of_work(state.sessions) as session:
        assert session.scalar(select(func.count()).select_from(Person).where(Person.phone == phone)) == 1

    empty = console.post(f"/console/people/registrations/{other_id}/reject", {"reason": ""})
    assert empty.status_code == 422 and "请写明原因" in empty.text
    page.goto(web_app.url + "/console/people/registrations")
    page.locator(f"#registration-{other_id} textarea[name=reason]").fill("号码是空号，联系不上本人")
    page.locator(f"#registration-{other_id} .reject-form button").click()
    page.wait_for_url(re.compile(r"done=rejected"))
    with unit_of_work(state.sessions) as session:
        assert session.get(Registration, other_id).status == "rejected"
        assert session.scalar(select(Person.id).where(Person.phone == other_phone)) is None
    [entry] = console_a.audit_for(state, f"registration:{other_id}")
    assert (entry.action, entry.reason, entry.station_id) == ("registration.reject", "号码是空号，联系不上本人", hunan)


def test_family_links_verified_or_rejected_with_a_reason(web_app, page):
    state = web_app.state
    elder, _, _ = console_a.new_person(state, console_a.HUNAN, name="绑定测试老人")
    son, _, _ = console_a.new_person(state, console_a.HUNAN, name="绑定测试儿子", roles=("family",), age=50)
    niece, _, _ = console_a.new_person(state, console_a.HUNAN, name="绑定测试外甥女", roles=("family",), age=30)
    with service_api(web_app) as api:
        links = [api.post("/api/v1/family-links", json={"elder_id": elder, "member_id": member, "relation": relation})
                 for member, relation in ((son, "child"), (niece, "other"))]
    assert [r.json()["consent"] for r in links] == ["pending", "pending"]
    son_link, niece_link = (r.json()["id"] for r in links)
    console_a.login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + "/console/people/family-links")
    assert "绑定测试儿子 申请作为" in page.inner_text(f"#link-{son_link}")
    shot(page, "console-family-links")
    page.fill(f"#reason-{son_link}", "老人来站里当面确认")
    page.locator(f"#link-{son_link} button[value=consented]").click()
    page.wait_for_url(re.compile(r"done=consented"))
    page.fill(f"#reason-{niece_link}", "老人说不认识这个人")
    page.locator(f"#link-{niece_link} button[value=revoked]").click()
    page.wait_for_url(re.compile(r"done=revoked"))
    assert page.locator(f"#link-{son_link}").count() == 0 and page.locator(f"#link-{niece_link}").count() == 0
    with unit_of_work(state.sessions) as session:
        assert session.get(FamilyLink, son_link).consent == "consented"
        assert session.get(FamilyLink, niece_link).consent == "revoked"
    [verified] = console_a.audit_for(state, f"family_link:{son_link}")
    [rejected] = console_a.audit_for(state, f"family_link:{niece_link}")
    assert (verified.action, verified.reason) == ("family_link.verify", "老人来站里当面确认")
    assert (rejected.action, rejected.reason) == ("family_link.reject", "老人说不认识这个人")
    console = console_a.http_console(web_app.url, "hunan_road")
    replay = console.post(f"/console/people/family-links/{niece_link}", {"consent": "consented", "reason": "再试"})
    assert replay.status_code == 409 and "已经处理过了" in replay.text
    with unit_of_work(state.sessions) as session:
        assert session.get(FamilyLink, niece_link).consent == "revoked"
    assert len(console_a.audit_for(state, f"family_link:{niece_link}")) == 1

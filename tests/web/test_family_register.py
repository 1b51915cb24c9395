"""A new family member registers, asks to be linked to an elder, sees nothing of the elder while
the link is pending, and sees the elder's balance, stars and orders once the elder consented."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from backend.core.db import unit_of_work
from backend.core.security import verify_password
from backend.ledger.coin_words import coins_text
from backend.ledger.queries import balance_minutes
from backend.models import AuditEntry, Person
from tests.web.conftest import shot
from tests.web.family_helpers import forget_failed_logins, web_assets  # noqa: F401 (fixtures)
from tests.web.family_helpers import consent_via_api, fresh_phone, links_of, person_by_phone, register

ELDER_PHONE = "13912340002"  # 张德明: 10 coins gifted by his wife, no family member on the web yet

pytestmark = pytest.mark.usefixtures("web_assets", "forget_failed_logins")


def test_register_then_pending_link_shows_nothing_of_the_elder_until_consent(web_app, page):
    phone = fresh_phone()
    register(page, web_app.url, name="张小明", phone=phone, password="zhang-family-9")
    page.wait_for_url(re.compile(r"/family/link$"))
    member = person_by_phone(web_app, "+86" + phone)
    assert member.is_family and member.status == "pending" and verify_password(member.password_hash, "zhang-family-9")

    page.fill("#elder_phone", ELDER_PHONE)
    page.select_option("#relation", "child")
    page.click("form[action='/family/link'] button[type=submit]")
    page.wait_for_url(re.compile(r"/family/\?link=sent$"))
    [link] = links_of(web_app, member.id)
    assert link.consent == "pending" and link.relation == "child"
    side = page.inner_text("#fam-elders")
    assert "尾号 0002" in side and "等待老人同意" in side
    assert "老人拨打热线说" in page.inner_text(".fam-flash")
    assert "张德明" not in page.content() and "时间币余额" not in side and "个时间币" not in side
    shot(page, "family-register-pending")
    token = page.get_attribute("meta[name=csrf-token]", "content")
    refused = page.request.post(f"{web_app.url}/family/elders/{link.elder_id}/certificate", form={"csrf_token": token})
    assert refused.status == 404 and "张德明" not in refused.text()  # no certificate while pending

    consent_via_api(web_app, link.id)  # the elder said 同意 on the phone
    page.reload()
    elder_card = page.locator(".fam-elder")
    assert "张德明" in elder_card.inner_text()
    with unit_of_work(web_app.state.sessions) as session:  # other tests in the session may spend his coins
        balance = balance_minutes(session, link.elder_id)
    assert elder_card.locator(".fam-balance").inner_text() == coins_text(balance)
    assert "暂未达到星级" in elder_card.locator(".fam-stars").inner_text()
    assert "等待老人同意" not in page.inner_text("#fam-elders")
    shot(page, "family-after-consent")
    with unit_of_work(web_app.state.sessions) as session:
        actions = set(session.scalars(select(AuditEntry.action).where(AuditEntry.actor == f"person:{member.id}")))
    assert {"family.register", "family.link_request"} <= actions


def test_register_with_mismatched_passwords_stores_nothing(web_app, page):
    phone = fresh_phone()
    register(page, web_app.url, name="李四", phone=phone, password="first-pass-1", again="other-pass-1")
    assert "两次输入的密码不一样" in page.inner_text(".fam-flash.error")
    assert page.input_value("#name") == "李四" and page.input_value("#password") == ""
    register(page, web_app.url, name="李四", phone=phone, password="short", novalidate=True)
    assert "密码至少要8位" in page.inner_text(".fam-flash.error")
    assert person_by_phone(web_app, "+86" + phone) is None


def test_register_with_a_taken_phone_number_is_refused(web_app, page):
    register(page, web_app.url, name="冒名", phone="13912340007", password="some-password-1")
    assert "已经登记过了" in page.inner_text(".fam-flash.error")
    with unit_of_work(web_app.state.sessions) as session:
        assert session.scalar(select(func.count()).select_from(Person).where(Person.name == "冒名")) == 0


def test_link_to_a_number_that_is_no_registered_elder_is_refused_without_details(web_app, page):
    phone = fresh_phone()
    register(page, web_app.url, name="王五", phone=phone, password="wangwu-pass-1")
    page.wait_for_url(re.compile(r"/family/link$"))
    for number in ("13912340004", fresh_phone()):  # a volunteer's number, then nobody's
        page.fill("#elder_phone", number)
        page.select_option("#relation", "child")
        page.click("form[action='/family/link'] button[type=submit]")
        error = page.inner_text(".fam-flash.error")
        assert "还没有登记为服务对象" in error and "陈志强" not in page.content()
    member = person_by_phone(web_app, "+86" + phone)
    assert links_of(web_app, member.id) == []


def test_link_requests_are_rate_limited_so_numbers_cannot_be_swept(web_app, page):
    phone = fresh_phone()
    register(page, web_app.url, name="试号码", phone=phone, password="sweeper-pass-1")
    page.wait_for_url(re.compile(r"/family/link$"))
    for _ in range(6):
        page.fill("#elder_phone", fresh_phone())
        page.select_option("#relation", "other")
        page.click("form[action='/family/link'] button[type=submit]")
    assert "尝试次数太多" in page.inner_text(".fam-flash.error")
    page.fill("#elder_phone", ELDER_PHONE)  # even a real elder's number waits out the window
    page.select_option("#relation", "other")
    page.click("form[action='/family/link'] button[type=submit]")
    assert "尝试次数太多" in page.inner_text(".fam-flash.error")
    assert links_of(web_app, person_by_phone(web_app, "+86" + phone).id) == []

"""Family login in a real browser: wrong and right password, rate limit, frozen accounts, logout,
and the chat endpoint refusing requests without a session or without the CSRF token."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from backend.core.db import unit_of_work
from backend.models import AuditEntry, LoginAttempt
from backend.people import registry
from tests.web.conftest import shot
from tests.web.family_helpers import forget_failed_logins  # noqa: F401 (fixture)
from tests.web.family_helpers import (DEMO_FAMILY_PASSWORD, DEMO_FAMILY_PHONE, fresh_phone, login, login_ok,
                                      person_by_phone, register)

pytestmark = pytest.mark.usefixtures("forget_failed_logins")


def test_family_page_without_session_redirects_to_login_then_back_after_right_password(web_app, page):
    page.goto(web_app.url + "/family/")
    assert "/family/login" in page.url
    login(page, web_app.url, DEMO_FAMILY_PHONE, "not-the-password")
    assert "手机号或密码不对" in page.inner_text(".fam-flash.error")
    shot(page, "family-login-wrong-password")
    page.fill("#phone", "13912340007")  # without +86, as people type it
    page.fill("#password", DEMO_FAMILY_PASSWORD)
    page.click("form[action='/family/login'] button[type=submit]")
    page.wait_for_url(re.compile(r"/family/$"))
    assert "王军" in page.inner_text("header")
    cookie = next(c for c in page.context.cookies() if c["name"] == "yl_family")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    with unit_of_work(web_app.state.sessions) as session:
        person = registry.find_by_phone(session, DEMO_FAMILY_PHONE)
        actions = list(session.scalars(select(AuditEntry.action).where(AuditEntry.actor == f"person:{person.id}")))
    assert "family.login" in actions


def test_family_login_is_rate_limited_per_phone_number(web_app, page):
    phone = fresh_phone()
    register(page, web_app.url, name="限流测试", phone=phone, password="right-password-1")
    page.wait_for_url(re.compile(r"/family/link"))
    page.context.clear_cookies()
    for attempt in range(6):
        login(page, web_app.url, phone, f"wrong-password-{attempt}")
    assert "尝试次数太多" in page.inner_text(".fam-flash.error")
    login(page, web_app.url, phone, "right-password-1")  # even the right password waits out the window
    assert "尝试次数太多" in page.content() and "/family/login" in page.url
    with unit_of_work(web_app.state.sessions) as session:
        failures = session.scalar(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.realm == "family", LoginAttempt.login == "+86" + phone, LoginAttempt.success.is_(False)))
    assert failures == 5  # refused tries are not even checked against the password
    shot(page, "family-login-rate-limited")


def test_frozen_family_member_cannot_log_in_and_loses_open_sessions(web_app, page, browser):
    phone = fresh_phone()
    register(page, web_app.url, name="冻结测试", phone=phone, password="right-password-2")
    page.wait_for_url(re.compile(r"/family/link"))
    person = person_by_phone(web_app, "+86" + phone)
    with unit_of_work(web_app.state.sessions) as session:
        registry.set_frozen(session, person.id, True)
    page.goto(web_app.url + "/family/")
    assert "/family/login" in page.url  # the open session ended with the freeze
    login(page, web_app.url, phone, "right-password-2")
    assert "已冻结" in page.inner_text(".fam-flash.error")
    assert "/family/login" in page.url


def test_person_without_a_web_password_cannot_log_in(web_app, page):
    login(page, web_app.url, "+8613912340001", "")  # the demo elder has no password
    assert "/family/login" in page.url


def test_family_logout_ends_the_session_for_good(web_app, page):
    login_ok(page, web_app.url)
    cookie = next(c for c in page.context.cookies() if c["name"] == "yl_family")
    page.click("text=退出")
    page.wait_for_url(re.compile(r"/family/login"))
    page.context.add_cookies([cookie])
    page.goto(web_app.url + "/family/")
    assert "/family/login" in page.url


def test_chat_without_csrf_token_is_refused_and_without_session_is_unauthorised(web_app, page):
    anonymous = page.request.post(web_app.url + "/family/api/chat", data={"text": "我还有多少时间币"})
    assert anonymous.status == 401 and anonymous.json()["message"] == "请先登录。"
    login_ok(page, web_app.url)
    forged = page.request.post(web_app.url + "/family/api/chat", data={"text": "我还有多少时间币"},
                               headers={"X-CSRF-Token": "forged"})
    assert forged.status == 403 and "刷新" in forged.json()["message"]
    missing = page.request.post(web_app.url + "/family/api/chat", data={"text": "我还有多少时间币"})
    assert missing.status == 403


def test_login_form_without_its_csrf_cookie_is_refused(web_app, page):
    response = page.request.post(web_app.url + "/family/login", form={
        "phone": DEMO_FAMILY_PHONE, "password": DEMO_FAMILY_PASSWORD, "csrf_token": "guessed"})
    assert response.status == 403
    assert not any(c["name"] == "yl_family" for c in page.context.cookies())

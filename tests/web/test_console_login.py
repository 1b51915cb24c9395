"""Console login in a real browser: redirect to login, wrong password, success, rate limit, logout."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from backend.core.db import unit_of_work
from backend.models import AuditEntry, LoginAttempt
from tests.web.conftest import shot
from tests.web.family_helpers import forget_failed_logins  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("forget_failed_logins")


def login(page, url: str, username: str, password: str) -> None:
    page.goto(url + "/console/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")


def test_console_page_without_session_redirects_to_login_then_back(web_app, page):
    page.goto(web_app.url + "/console/")
    assert "/console/login" in page.url
    page.fill("#username", "hunan_road")
    page.fill("#password", "wrong")
    page.click("button[type=submit]")
    assert "用户名或密码不对" in page.content()
    page.fill("#password", "yinling-demo-2")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/console/$"))
    assert "湖南路街道" in page.inner_text("header")
    shot(page, "console-dashboard-after-login")


def test_console_login_is_rate_limited_per_account(web_app, page):
    for attempt in range(6):
        login(page, web_app.url, "xuanwu_street", f"not-the-password-{attempt}")
    assert "尝试次数太多" in page.content()
    login(page, web_app.url, "xuanwu_street", "yinling-demo-3")  # even the right password waits out the window
    assert "尝试次数太多" in page.content()
    with unit_of_work(web_app.state.sessions) as session:
        failures = session.scalar(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.login == "xuanwu_street", LoginAttempt.success.is_(False)))
    assert failures == 5  # the refused tries are not even checked against the password


def test_console_logout_ends_the_session_and_is_audited(web_app, page):
    login(page, web_app.url, "city_admin", "yinling-demo-1")
    page.wait_for_url(re.compile(r"/console/$"))
    cookie = next(c for c in page.context.cookies() if c["name"] == "yl_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.click("text=退出")
    page.wait_for_url(re.compile(r"/console/login"))
    page.context.add_cookies([cookie])  # replaying the old cookie does not bring the session back
    page.goto(web_app.url + "/console/")
    assert "/console/login" in page.url
    with unit_of_work(web_app.state.sessions) as session:
        actions = list(session.scalars(select(AuditEntry.action).where(AuditEntry.actor.like("operator:%"))))
    assert "console.login" in actions and "console.logout" in actions


def test_console_post_without_csrf_token_is_refused(web_app, page):
    login(page, web_app.url, "city_admin", "yinling-demo-1")
    page.wait_for_url(re.compile(r"/console/$"))
    response = page.request.post(web_app.url + "/console/logout", form={"csrf_token": "forged"})
    assert response.status == 403
    page.goto(web_app.url + "/console/")
    assert "/console/login" not in page.url  # the forged logout did nothing


def test_console_form_with_a_stale_csrf_token_gets_a_chinese_page_and_changes_nothing(web_app, page):
    login(page, web_app.url, "city_admin", "yinling-demo-1")
    page.wait_for_url(re.compile(r"/console/$"))
    page.eval_on_selector("form[action='/console/logout'] input[name=csrf_token]", "el => el.value = 'stale'")
    with page.expect_navigation() as navigation:
        page.click("text=退出")
    assert navigation.value.status == 403
    assert "页面已过期" in page.inner_text("main")
    page.goto(web_app.url + "/console/")
    assert "/console/login" not in page.url


def test_console_form_post_after_the_session_ended_goes_to_the_login_page(web_app, page):
    login(page, web_app.url, "city_admin", "yinling-demo-1")
    page.wait_for_url(re.compile(r"/console/$"))
    page.context.clear_cookies()
    page.click("text=退出")
    page.wait_for_url(re.compile(r"/console/login"))
    assert page.is_visible("#username")

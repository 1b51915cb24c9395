"""Becoming a volunteer on the web: a pending registration an operator verifies in the console (the same
queue as the hotline's registrations); only then can that phone number and password log in."""
from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from backend.access import Principal
from backend.access import people as people_actions
from backend.models import Operator, Person, Registration, Station
from tests.web import volunteer_world as vw
from tests.web.family_helpers import forget_failed_logins, fresh_phone  # noqa: F401 (fixture)


def _register(page, url, *, name, phone, password="volunteer-pass-9", again=None, birth_date="1962-04-01"):
    page.goto(url + "/volunteer/register")
    page.fill("#name", name)
    page.fill("#phone", phone)
    page.fill("#birth_date", birth_date)
    page.fill("#password", password)
    page.fill("#password_again", password if again is None else again)
    page.click("form[action='/volunteer/register'] button[type=submit]")


def _login(page, url, phone, password):
    page.goto(url + "/volunteer/login")
    page.fill("#phone", phone)
    page.fill("#password", password)
    page.click("form[action='/volunteer/login'] button[type=submit]")


def _verify(web_app, phone: str) -> int:
    """A city-level reviewer verifies the registration, as the console's registrations page does."""
    with vw.db(web_app) as s:
        row = s.scalar(select(Registration).where(Registration.phone == phone))
        admin = s.scalar(select(Operator).where(Operator.username == "city_admin"))
        who = Principal(kind="operator", name=f"operator:{admin.id}", operator_id=admin.id, role=admin.role,
                        scope_path="/", city_level=True)
        station = s.scalar(select(Station.id).where(Station.name == "湖南路社区"))
        today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
        return people_actions.verify_registration(
            s, who, row.id, station_id=station, birth_date=None, address=None, reason="电话核实了身份",
            policy=web_app.state.policy, secret_key=web_app.state.settings.secret_key, today=today).value.id


def test_a_web_registration_waits_for_an_operator_then_logs_in(web_app, browser, forget_failed_logins):
    phone = "+86" + fresh_phone()
    context = vw.phone_context(browser)
    page = context.new_page()
    try:
        _register(page, web_app.url, name="赵志愿", phone=phone)
        assert "您的登记已提交" in page.text_content("[role=status]")
        with vw.db(web_app) as s:
            row = s.scalar(select(Registration).where(Registration.phone == phone))
            assert (row.status, row.roles, row.channel, row.station_id) == ("pending", "volunteer", "web", None)
            assert row.password_hash and "volunteer-pass-9" not in row.password_hash
            assert s.scalar(select(Person.id).where(Person.phone == phone)) is None

        _login(page, web_app.url, phone, "volunteer-pass-9")
        assert "等待社区站点核实" in page.text_content("[role=alert]")
        _login(page, web_app.url, phone, "wrong-password-1")
        assert "手机号或密码不对" in page.text_content("[role=alert]")

        person_id = _verify(web_app, phone)
        _login(page, web_app.url, phone, "volunteer-pass-9")
        page.wait_for_url(re.compile(r"/volunteer/$"))
        assert page.text_content(".fam-who") == "赵志愿"
        with vw.db(web_app) as s:
            person = s.get(Person, person_id)
            assert person.is_volunteer and person.status == "verified" and person.birth_date == date(1962, 4, 1)
    finally:
        context.close()


def test_a_refused_registration_stores_nothing(web_app, browser, forget_failed_logins):
    context = vw.phone_context(browser)
    page = context.new_page()
    try:
        for phone, kwargs, message in (
                ("+86" + fresh_phone(), {"again": "something-else-1"}, "两次输入的密码不一样"),
                ("+86" + fresh_phone(), {"birth_date": "2015-01-01"}, "未满18周岁"),
                ("+8613912340004", {}, "这个电话号码已经登记过了")):
            page.goto(web_app.url + "/volunteer/register")
            _register(page, web_app.url, name="测试", phone=phone, **kwargs)
            assert message in page.text_content("[role=alert]")
            with vw.db(web_app) as s:
                assert s.scalar(select(Registration.id).where(Registration.phone == phone)) is None
    finally:
        context.close()


def test_a_family_member_or_an_elder_cannot_log_in_as_a_volunteer(web_app, browser, forget_failed_logins):
    context = vw.phone_context(browser)
    page = context.new_page()
    try:
        _login(page, web_app.url, "+8613912340007", "yinling-family-1")  # the demo family member
        assert "还不是志愿者" in page.text_content("[role=alert]")
        page.goto(web_app.url + "/volunteer/")
        assert page.url.startswith(web_app.url + "/volunteer/login")
    finally:
        context.close()


def test_a_volunteer_chooses_calls_for_offers_and_a_forged_choice_stores_nothing(web_app, browser):
    from backend.models import VolunteerProfile
    volunteer_id, phone = vw.volunteer(web_app, vw.place())
    context = vw.phone_context(browser)
    page = context.new_page()
    try:
        vw.login(page, web_app.url, phone)
        page.goto(web_app.url + "/volunteer/me")
        assert page.is_checked("input[name=offer_by][value=sms]")
        page.check("input[name=offer_by][value=call]")
        page.click("form[action='/volunteer/me/offer-by'] button")
        assert "已保存" in page.text_content("[role=status]")
        assert page.is_checked("input[name=offer_by][value=call]")
        page.eval_on_selector("input[name=offer_by][value=sms]", "el => { el.value = 'fax'; el.checked = true; }")
        page.click("form[action='/volunteer/me/offer-by'] button")
        assert "请选择短信或电话" in page.text_content("[role=alert]")
        with vw.db(web_app) as s:
            assert s.get(VolunteerProfile, volunteer_id).offer_by == "call"
    finally:
        context.close()

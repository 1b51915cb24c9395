"""A check-in refused for distance, confirmed by the station in the console, in Debian's Chromium: the
volunteer's page refuses (nothing stored) and says to call the station; the street's operator confirms on
the order page with a reason (audited, no position); the volunteer can then check out, and the service
waits for a reviewer."""
from __future__ import annotations

import re

from sqlalchemy import select

from backend.models import AuditEntry, ServiceVisit
from tests.web import volunteer_world as vw
from tests.web.conftest import shot
from tests.web.console_world import login as console_login


def test_a_refused_check_in_is_confirmed_in_the_console_and_the_service_is_held_for_review(web_app, browser):
    home = vw.place()
    elder_id = vw.elder(web_app, home)
    _volunteer_id, phone = vw.volunteer(web_app, vw.north_of(home, 500))
    order_id = vw.open_order(web_app, elder_id, offer=True)
    field = vw.phone_context(browser, vw.east_of(home, 1500))  # a bad fix: 1.5 km off
    office = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    try:
        page = field.new_page()
        vw.login(page, web_app.url, phone)
        page.locator(f"[data-offer='{order_id}'] button", has_text="接单").click()
        page.wait_for_url(re.compile(r"/volunteer/\?done=\d+$"))
        with page.expect_navigation():
            page.locator(f"[data-service='{order_id}'] button", has_text="签到").click()
        assert "联系社区站点" in page.text_content("[role=alert]:not([hidden])")
        assert vw.order_row(web_app, order_id)["state"] == "accepted"

        console = office.new_page()
        console_login(console, web_app.url, "hunan_road")
        console.goto(f"{web_app.url}/console/orders/{order_id}")
        console.click("#confirm-visit summary")
        console.fill("#confirm-reason", "电话联系了老人，志愿者确实在门口")
        with console.expect_navigation():
            console.click("#confirm-visit button[type=submit]")
        assert "已代为确认签到" in console.text_content(".flash")
        shot(console, "console-confirm-visit")
        row = vw.order_row(web_app, order_id)
        assert row["state"] == "checked_in" and row["visit"]["in_m"] is None
        with vw.db(web_app) as s:
            assert s.get(ServiceVisit, order_id).confirmed_by.startswith("operator:")
            entry = s.scalar(select(AuditEntry).where(AuditEntry.target == f"order:{order_id}",
                                                      AuditEntry.action == "order.confirm_visit"))
            assert entry.reason == "电话联系了老人，志愿者确实在门口"

        vw.time_passes(web_app, order_id, 60)
        field.set_geolocation({"latitude": home[0], "longitude": home[1], "accuracy": 10})
        page.goto(web_app.url + "/volunteer/")
        with page.expect_navigation():
            page.locator(f"[data-service='{order_id}'] button", has_text="签退").click()
        assert "需要站点工作人员核查" in page.text_content("[role=status]")
        assert vw.order_row(web_app, order_id)["state"] == "held"
        console.goto(f"{web_app.url}/console/orders/{order_id}")
        assert "工作人员代为确认到场，没有定位" in console.text_content("main")
    finally:
        field.close()
        office.close()

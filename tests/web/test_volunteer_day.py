"""A volunteer's day in Debian's Chromium on a phone-sized screen: an offer (what, when, how far, no
address), accepting it, the address and call button, check-in at the door with the position the browser
reports, check-out, the credit, and the hours and stars that change. Refusals: checking in far from the
address, and accepting an order someone else took first: a Chinese message and nothing stored."""
from __future__ import annotations

import re

from tests.web import volunteer_world as vw
from tests.web.conftest import shot

# 99.5 hours served before: one more hour reaches the first star (100 hours in the default policy).
BEFORE = 99 * 60 + 30


def test_a_volunteers_day_from_offer_to_credit_and_a_new_star(web_app, browser):
    home = vw.place()
    elder_id = vw.elder(web_app, home, name="王秀兰", address="鼓楼区测试路8号2栋301")
    volunteer_id, phone = vw.volunteer(web_app, vw.north_of(home, 600), name="陈晓东", served_minutes=BEFORE)
    order_id = vw.open_order(web_app, elder_id, offer=True)
    assert vw.order_row(web_app, order_id)["volunteer_id"] == volunteer_id  # dispatch offered it to them

    context = vw.phone_context(browser, vw.north_of(home, 40))  # at the door: 40 m from the address
    page = context.new_page()
    try:
        vw.login(page, web_app.url, phone)
        page.click("a[href='/volunteer/me']")
        assert page.text_content("[data-hours]") == "99小时30分钟"
        assert page.text_content("[data-stars]") == "暂未达到星级"
        assert "再服务30分钟升到1星级" in page.text_content("main")

        page.click("a[href='/volunteer/']")
        offer = page.locator(f"[data-offer='{order_id}']")
        assert "陪伴聊天" in offer.text_content() or "聊天" in offer.text_content()
        assert "派给您的" in offer.text_content()
        assert "约600米" in offer.text_content()
        assert "测试路" not in page.text_content("body"), "the address shows before the offer is accepted"
        shot(page, "volunteer-offer")

        offer.locator("button", has_text="接单").click()
        page.wait_for_url(re.compile(r"/volunteer/\?done=\d+$"))
        assert "接单成功" in page.text_content("[role=status]")
        service = page.locator(f"[data-service='{order_id}']")
        assert service.locator("[data-address]").text_content() == "鼓楼区测试路8号2栋301"
        assert service.locator("a.vol-call").get_attribute("href").startswith("tel:+86")
        assert vw.order_row(web_app, order_id)["state"] == "accepted"
        shot(page, "volunteer-accepted")

        with page.expect_navigation():  # after the browser reports its position
            service.locator("button", has_text="签到").click()
        assert "已签到" in page.text_content("[role=status]")
        row = vw.order_row(web_app, order_id)
        assert row["state"] == "checked_in" and 20 < row["visit"]["in_m"] < 60

        vw.time_passes(web_app, order_id, 60)
        with page.expect_navigation():
            page.locator(f"[data-service='{order_id}'] button", has_text="签退").click()
        assert "本次服务已记入：1个时间币" in page.text_content("[role=status]")
        row = vw.order_row(web_app, order_id)
        assert row["state"] == "completed" and row["served_minutes"] == 60

        finished = page.locator(f"[data-finished='{order_id}']")
        finished.locator("input[name=stars][value='5']").check()
        finished.locator("input[name=comment]").fill("老人很热情")
        with page.expect_navigation():
            finished.locator("button", has_text="提交评价").click()
        assert "谢谢您的评价" in page.text_content("[role=status]")
        assert "您已评价" in page.locator(f"[data-finished='{order_id}']").text_content()

        page.click("a[href='/volunteer/me']")
        assert page.text_content("[data-hours]") == "100小时30分钟"
        assert page.text_content("[data-stars]") == "★☆☆☆☆ 一星级"
        assert "收入1个时间币" in page.text_content(".vol-ledger")
        shot(page, "volunteer-hours")
        with page.expect_download() as download:
            page.click("button:has-text('下载服务证明')")
        assert download.value.suggested_filename.startswith("certificate-")
        with open(download.value.path(), "rb") as pdf:
            assert pdf.read(5) == b"%PDF-"
    finally:
        context.close()


def test_check_in_far_from_the_address_is_refused_and_nothing_is_stored(web_app, browser):
    home = vw.place()
    elder_id = vw.elder(web_app, home)
    volunteer_id, phone = vw.volunteer(web_app, vw.north_of(home, 500))
    order_id = vw.open_order(web_app, elder_id, offer=True)
    context = vw.phone_context(browser, vw.east_of(home, 2300))  # still at home, 2.3 km away
    page = context.new_page()
    try:
        vw.login(page, web_app.url, phone)
        page.locator(f"[data-offer='{order_id}'] button", has_text="接单").click()
        page.wait_for_url(re.compile(r"/volunteer/\?done=\d+$"))
        before = vw.order_row(web_app, order_id)
        with page.expect_navigation():
            page.locator(f"[data-service='{order_id}'] button", has_text="签到").click()
        alert = page.text_content("[role=alert]:not([hidden])")
        assert "您现在离服务地址约2.3公里，要在500米以内才能签到" in alert
        assert "联系社区站点" in alert
        assert vw.order_row(web_app, order_id) == before  # no visit, no transition, no audit entry
        assert before["visit"] is None and before["state"] == "accepted"
        shot(page, "volunteer-far-check-in")
    finally:
        context.close()


def test_an_order_already_taken_is_refused_to_the_second_volunteer(web_app, browser):
    home = vw.place()
    elder_id = vw.elder(web_app, home)
    first_id, first_phone = vw.volunteer(web_app, vw.north_of(home, 300), name="先到")
    second_id, second_phone = vw.volunteer(web_app, vw.east_of(home, 300), name="后到")
    order_id = vw.open_order(web_app, elder_id)  # open on both boards
    contexts = [vw.phone_context(browser), vw.phone_context(browser)]
    first, second = (c.new_page() for c in contexts)
    try:
        vw.login(first, web_app.url, first_phone)
        vw.login(second, web_app.url, second_phone)
        assert second.locator(f"[data-offer='{order_id}']").count() == 1
        first.locator(f"[data-offer='{order_id}'] button", has_text="接单").click()
        first.wait_for_url(re.compile(r"/volunteer/\?done=\d+$"))
        before = vw.order_row(web_app, order_id)
        with second.expect_navigation():
            second.locator(f"[data-offer='{order_id}'] button", has_text="接单").click()
        assert "这个订单已经被别人接了" in second.text_content("[role=alert]:not([hidden])")
        assert second.locator(f"[data-offer='{order_id}']").count() == 0
        after = vw.order_row(web_app, order_id)
        assert after == before and after["volunteer_id"] == first_id
    finally:
        for c in contexts:
            c.close()

"""The header's search box in a real browser: an operator types an elder's phone number on any console
page, sees the results grouped, and reaches the elder's page; another street's operator finds nothing."""
from __future__ import annotations

from tests.web import console_world
from tests.web.console_world import PHONES, open_order
from tests.web.conftest import shot


def test_header_search_by_phone_tail_reaches_the_elders_page(web_app, page, browser):
    order_id = open_order(web_app, "wu")
    console_world.login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + "/console/orders")
    page.fill("#find-q", PHONES["wu"][-4:])
    page.click("form.find-box button")
    page.wait_for_url("**/console/find?q=*")
    assert page.locator("#find-people h2").inner_text().startswith("人员")
    assert order_id in [int(i) for i in page.eval_on_selector_all("#find-orders tr[data-order-id]",
                                                                  "rows => rows.map(r => r.dataset.orderId)")]
    assert page.input_value("#find-q") == PHONES["wu"][-4:]
    shot(page, "console-find")
    page.click("#find-people a:text('吴国华')")
    page.wait_for_url("**/console/people/*")
    assert "吴国华" in page.locator("main h1").inner_text()

    other = browser.new_context(locale="zh-CN")
    try:
        xuanwu = other.new_page()
        console_world.login(xuanwu, web_app.url, console_world.OTHER_STREET, web_app)
        xuanwu.fill("#find-q", PHONES["wu"])
        xuanwu.click("form.find-box button")
        xuanwu.wait_for_url("**/console/find?q=*")
        assert "没有找到" in xuanwu.inner_text("#find-count") and "吴国华" not in xuanwu.content()
    finally:
        other.close()

"""Order search in a real browser: an order is found by the elder's phone number (any part), its number
and its date; columns sort; the list downloads as CSV; another street's operator finds nothing."""
from __future__ import annotations

import csv
import io

from tests.web import console_world
from tests.web.console_world import PHONES, TZ, db, next_start, open_order
from tests.web.conftest import shot
from backend.models import Order


def test_search_finds_an_order_by_phone_number_and_sorts_and_exports(web_app, page, browser):
    start = next_start()
    first = open_order(web_app, "wu", start=start)
    second = open_order(web_app, "wu", start=start.replace(hour=15))
    console_world.login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + "/console/orders")
    page.fill("#order-q", PHONES["wu"][-8:])
    page.click("form.inline-search button")
    page.wait_for_url("**/console/orders/search?q=*")
    ids = [int(i) for i in page.eval_on_selector_all("tr[data-order-id]", "rows => rows.map(r => r.dataset.orderId)")]
    assert first in ids and second in ids
    assert all("吴国华" in t for t in page.locator("tr[data-order-id] td[data-label=老人]").all_inner_texts())
    day = start.astimezone(TZ).date().isoformat()
    page.goto(f"{web_app.url}/console/orders/search?q={PHONES['wu'][-8:]}&date_from={day}&date_to={day}")
    ids = [int(i) for i in page.eval_on_selector_all("tr[data-order-id]", "rows => rows.map(r => r.dataset.orderId)")]
    assert ids == [second, first]  # the service time, latest first
    page.click("a[data-sort=id]")
    page.click("a[data-sort=id]")  # 订单号 ascending
    ids = [int(i) for i in page.eval_on_selector_all("tr[data-order-id]", "rows => rows.map(r => r.dataset.orderId)")]
    assert ids == [first, second] and page.get_attribute("th[aria-sort=ascending] a", "data-sort") == "id"
    shot(page, "console-order-search")
    with page.expect_download() as download:
        page.click("#orders-csv")
    table = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
    assert table[0][:3] == ["订单号", "服务", "服务时间"] and [int(r[0]) for r in table[1:]] == [first, second]
    assert table[1][4] == "吴国华" and table[1][5] == PHONES["wu"]
    page.goto(f"{web_app.url}/console/orders/search?q={first}")
    assert first in [int(i) for i in page.eval_on_selector_all("tr[data-order-id]", "rows => rows.map(r => r.dataset.orderId)")]

    other = browser.new_context(locale="zh-CN")
    try:
        xuanwu = other.new_page()
        console_world.login(xuanwu, web_app.url, console_world.OTHER_STREET, web_app)
        xuanwu.goto(f"{web_app.url}/console/orders/search?q={PHONES['wu'][-8:]}")
        assert xuanwu.locator("tr[data-order-id]").count() == 0 and "吴国华" not in xuanwu.content()
    finally:
        other.close()
    with db(web_app) as s:
        assert s.get(Order, first).state == "open"

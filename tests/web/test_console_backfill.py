"""Paper back-fill (补登) in a real browser: one record through the form (marked 补登 on the board and
the order page, credited once however often it is sent), and a CSV sheet that is imported whole or
not at all, naming its bad rows."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import func, select

from backend.models import Account, LedgerEntry, Order, OrderTransition, Posting
from tests.web.conftest import shot
from tests.web.console_world import (OTHER_STREET, PHONES, TZ, audit_entries, count, db, ensure_people, login,
                                     person_id)

HEADER = "volunteer_phone,recipient_phone,service,date,start,end,reason\n"


def days_ago(n: int) -> str:
    return (datetime.now(TZ) - timedelta(days=n)).date().isoformat()


def balance(web_app, key: str) -> int:
    with db(web_app) as s:
        return s.scalar(select(Account.balance).where(Account.person_id == person_id(web_app, key))) or 0


def stored(web_app) -> dict[str, int]:
    """Rows a back-fill writes."""
    with db(web_app) as s:
        return {m.__tablename__: s.scalar(select(func.count()).select_from(m))
                for m in (Order, OrderTransition, LedgerEntry, Posting)}


def fill_form(page, *, elder: str, volunteer: str, day: str, clock: str, minutes: int, reason: str) -> None:
    page.fill("#b-elder", elder)
    page.fill("#b-volunteer", volunteer)
    page.select_option("#b-service", "chat_companion")
    page.fill("#b-day", day)
    page.fill("#b-clock", clock)
    page.fill("#b-duration", str(minutes))
    page.fill("#b-reason", reason)


def test_backfill_form__order_marked_as_backfilled_everywhere_and_credited_once(web_app, page):
    volunteer_before = balance(web_app, "he")
    login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + "/console/backfill")
    fill_form(page, elder="13755500002", volunteer=PHONES["he"], day=days_ago(4), clock="09:00", minutes=90,
              reason="11月停电三天，纸质登记")
    token = page.get_attribute("meta[name=csrf-token]", "content")
    page.click("#one button[type=submit]")
    page.wait_for_url("**/console/backfill?done=*")
    assert "已补登订单" in page.inner_text(".flash")
    with db(web_app) as s:
        order = s.scalar(select(Order).where(Order.paper_backfill, Order.recipient_id == person_id(web_app, "wu"))
                         .order_by(Order.id.desc()).limit(1))
        order_id = order.id
        assert (order.state, order.served_minutes, order.channel) == ("completed", 90, "paper")
    assert balance(web_app, "he") == volunteer_before + 90
    assert "补登" in page.inner_text(f"#recent tr[data-order-id='{order_id}']")
    shot(page, "console-backfill")
    [entry] = audit_entries(web_app, "order.backfill", f"order:{order_id}")
    assert entry.reason == "11月停电三天，纸质登记"

    again = page.request.post(web_app.url + "/console/backfill", form={
        "csrf_token": token, "elder_phone": "13755500002", "volunteer_phone": PHONES["he"],
        "service": "chat_companion", "day": days_ago(4), "clock": "09:00", "duration": "90",
        "reason": "11月停电三天，纸质登记"})
    assert again.status == 200 and "已经补登过" in again.text()
    assert balance(web_app, "he") == volunteer_before + 90
    assert count(web_app, LedgerEntry, LedgerEntry.order_id == order_id) == 1

    page.goto(web_app.url + "/console/orders?state=completed")
    assert "补登" in page.inner_text(f"tr[data-order-id='{order_id}']")
    page.goto(web_app.url + f"/console/orders/{order_id}")
    assert "补登" in page.inner_text("h1") and "纸质记录" in page.content()
    assert "补登：11月停电三天，纸质登记" in page.inner_text("table.history")
    shot(page, "console-order-backfilled")


def test_backfill_form__without_a_reason_nothing_is_stored(web_app, page):
    login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + "/console/backfill")
    fill_form(page, elder=PHONES["zhou"], volunteer=PHONES["lin"], day=days_ago(5), clock="14:00", minutes=60,
              reason="")
    page.eval_on_selector("#b-reason", "el => el.removeAttribute('required')")
    before = stored(web_app)
    page.click("#one button[type=submit]")
    assert "补登要写明原因" in page.inner_text(".flash.error")
    assert page.input_value("#b-elder") == PHONES["zhou"]
    assert stored(web_app) == before


def test_backfill_csv__one_bad_row_stores_nothing_and_is_named(web_app, page):
    he, lin, zhou, wu = (PHONES[k] for k in ("he", "lin", "zhou", "wu"))
    good = (f"{he},{zhou},chat_companion,{days_ago(6)},09:00,10:00,系统升级停机\n"
            f"{lin},{wu},cleaning,{days_ago(6)},15:00,16:30,系统升级停机\n")
    bad = f"{he},+8613900009999,errand,{days_ago(7)},09:00,10:00,系统升级停机\n"
    ensure_people(web_app)
    login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + "/console/backfill")
    before = stored(web_app)
    page.set_input_files("#b-sheet", files=[{"name": "paper.csv", "mimeType": "text/csv",
                                             "buffer": (HEADER + good + bad).encode()}])
    page.click("#sheet button[type=submit]")
    assert "补登表格有错误，没有导入" in page.inner_text(".flash.error")
    assert "第 4 行：这个号码还没有登记" in page.inner_text(".bad-rows")
    assert stored(web_app) == before
    shot(page, "console-backfill-csv-refused")

    page.set_input_files("#b-sheet", files=[{"name": "paper.csv", "mimeType": "text/csv",
                                             "buffer": (HEADER + good).encode()}])
    page.click("#sheet button[type=submit]")
    page.wait_for_url("**/console/backfill?done=*")
    assert "已导入2条补登记录" in page.inner_text(".flash")
    assert stored(web_app)["orders"] == before["orders"] + 2
    [entry] = audit_entries(web_app, "backfill.import", "sheet:paper.csv")
    with db(web_app) as s:
        order_ids = json.loads(entry.detail_json)["order_ids"]
        assert len(order_ids) == 2 and all(s.get(Order, i).paper_backfill for i in order_ids)


def test_backfill_csv__elder_of_another_street_fails_the_whole_sheet(web_app, page):
    sheet = HEADER + (f"{PHONES['ma']},{PHONES['zheng']},chat_companion,{days_ago(8)},09:00,10:00,停电\n"
                      f"{PHONES['ma']},{PHONES['zhou']},chat_companion,{days_ago(8)},11:00,12:00,停电\n")
    ensure_people(web_app)
    login(page, web_app.url, OTHER_STREET, web_app)
    page.goto(web_app.url + "/console/backfill")
    before = stored(web_app)
    page.set_input_files("#b-sheet", files=[{"name": "xuanwu.csv", "mimeType": "text/csv", "buffer": sheet.encode()}])
    page.click("#sheet button[type=submit]")
    assert "第 3 行：这个号码还没有登记" in page.inner_text(".bad-rows")  # as an unregistered number
    assert "管辖" not in page.inner_text(".bad-rows")
    assert stored(web_app) == before

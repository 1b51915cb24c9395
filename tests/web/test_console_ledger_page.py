"""A person's ledger page: each entry in plain words with the order it came from and the running
balance (which ends at the account's balance), the same lines as a CSV download; another street's
operator gets 404."""
from __future__ import annotations

import csv
import io

from backend.core.db import unit_of_work
from backend.ledger.operations import Actor, credit_service, donate
from tests.web import console_a, console_world
from tests.web.conftest import shot


def test_ledger_page_explains_each_entry_with_a_running_balance_and_exports_csv(web_app, page):
    state = web_app.state
    person_id, _, _ = console_a.new_person(state, console_a.HUNAN, name="账目志愿者", roles=("volunteer",), age=45)
    hunan = console_a.station_id(state, console_a.HUNAN)
    with unit_of_work(state.sessions) as session:
        for minutes in (90, 120):
            credit_service(session, volunteer_id=person_id, station_id=hunan, served_minutes=minutes, tier="ordinary",
                           policy=state.policy, actor=Actor("system:test", "system"))
        donate(session, from_id=person_id, minutes=30, policy=state.policy, actor=Actor(f"person:{person_id}", "chat"))
    console_a.login(page, web_app.url, "hunan_road")
    page.goto(f"{web_app.url}/console/people/{person_id}")
    page.click("#ledger-link")
    rows = [r.split("\t") for r in page.locator("table.ledger tbody tr").all_inner_texts()]
    assert [r[1] for r in rows] == ["提供服务，记入时间币", "提供服务，记入时间币", "捐给公益基金"]
    assert [r[3] for r in rows] == ["+1个半时间币", "+2个时间币", "负半个时间币"]
    assert [r[4] for r in rows] == ["1个半时间币", "3个半时间币", "3个时间币"]
    shot(page, "console-person-ledger")
    console = console_a.http_console(web_app.url, "hunan_road")
    answer = console.get(f"/console/people/{person_id}/ledger?format=csv")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert table[0][2] == "说明" and [row[7] for row in table[1:]] == ["90", "210", "180"]
    page.context.clear_cookies()
    console_world.login(page, web_app.url, console_world.OTHER_STREET, web_app)
    answer = page.goto(f"{web_app.url}/console/people/{person_id}/ledger")
    assert answer.status == 404 and "账目志愿者" not in page.content()
    assert page.request.get(f"{web_app.url}/console/people/{person_id}/ledger?format=csv",
                            headers={"accept": "text/html"}).status == 404

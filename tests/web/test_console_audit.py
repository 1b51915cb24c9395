"""The console's audit trail page: entries of the operator's subtree and their own, newest first,
each with when, who, what, target and why; filters by action, actor and target; another street's
entries stay invisible to a street operator and visible to the city admin."""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta, timezone

from backend.core.db import unit_of_work
from tests.web import console_a
from tests.web.conftest import shot
from web.auth import audit


def rows(page) -> list[tuple[str, str]]:
    found = page.eval_on_selector_all("tr[data-action]", "rows => rows.map(r => [r.dataset.action, r.dataset.target])")
    return [tuple(row) for row in found]


def test_audit_trail_shows_scope_entries_newest_first_and_filters(web_app, page):
    state = web_app.state
    hunan, xuanwu = console_a.station_id(state, console_a.HUNAN), console_a.station_id(state, console_a.XUANWU)
    hunan_op, xuanwu_op = console_a.operator_id(state, "hunan_road"), console_a.operator_id(state, "xuanwu_street")
    token = secrets.token_hex(4)
    older, newer, elsewhere = (f"call:CAaudit{token}{n}" for n in ("a", "b", "x"))
    now = datetime.now(timezone.utc)
    with unit_of_work(state.sessions) as session:
        audit.record(session, actor=f"operator:{hunan_op}", action="call.review", target=older, station_id=hunan,
                     reason="审计测试：较早的审核", at=now - timedelta(minutes=3))
        audit.record(session, actor=f"operator:{hunan_op}", action="call.flag", target=newer, station_id=hunan,
                     reason="审计测试：识别有误", at=now - timedelta(minutes=1))
        audit.record(session, actor=f"operator:{xuanwu_op}", action="call.flag", target=elsewhere, station_id=xuanwu,
                     reason="审计测试：外街道", at=now - timedelta(minutes=2))

    console_a.login(page, web_app.url, "hunan_road")
    page.goto(f"{web_app.url}/console/audit?target={token}")
    assert rows(page) == [("call.flag", newer), ("call.review", older)]  # newest first, no other street
    cells = page.locator(f"tr[data-target='{newer}'] td").all_inner_texts()
    assert cells[1:] == ["湖南路街道操作员", "通话标记有问题", f"通话 CAaudit{token}b", "审计测试：识别有误"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", cells[0])
    assert page.get_attribute(f"tr[data-target='{newer}'] a", "href") == f"/console/calls/CAaudit{token}b"
    shot(page, "console-audit-filtered")

    page.goto(web_app.url + "/console/audit")
    page.select_option("#action", "console.login")
    page.select_option("#actor", f"operator:{hunan_op}")
    page.click("form.filters button[type=submit]")
    assert rows(page) and set(rows(page)) == {("console.login", f"operator:{hunan_op}")}  # the operator's own logins
    assert page.locator("td[data-label=对象]").first.inner_text() == "操作员 湖南路街道操作员"
    page.goto(web_app.url + "/console/audit")
    shot(page, "console-audit")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "console-audit-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{web_app.url}/console/audit?target={token}&actor=operator:{xuanwu_op}")  # outside scope: ignored
    assert rows(page) == [("call.flag", newer), ("call.review", older)]

    console_a.login(page, web_app.url, "city_admin")
    page.goto(f"{web_app.url}/console/audit?target={token}&action=call.flag")
    assert rows(page) == [("call.flag", newer), ("call.flag", elsewhere)]
    page.goto(f"{web_app.url}/console/audit?target={token}&actor=operator:{xuanwu_op}")
    assert rows(page) == [("call.flag", elsewhere)] and "审计测试：外街道" in page.inner_text("table.audit")

"""Live supervision in a real browser: a service past its start without a check-in is on top; when the
volunteer checks in late, the open page shows it within a few seconds (no reload); a check-in far from
the address is flagged; an operator releases a volunteer who did not come and is taken to reassign;
another street's operator sees none of it and cannot release it."""
from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from backend.fulfilment.visits import check_in, check_out
from backend.models import Order, ServiceVisit
from tests.web.conftest import shot
from tests.web.console_world import (FAR, OTHER_STREET, accepted_order, audit_entries, db, login, person_id)

POLL_SECONDS = 5


def started_ago(web_app, minutes: int, elder: str, volunteer: str) -> int:
    """An accepted service moved to have started ``minutes`` ago (today's board shows it)."""
    order_id = accepted_order(web_app, elder, volunteer)
    with db(web_app) as s:
        order = s.get(Order, order_id)
        order.start_at = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=minutes)
        order.end_at = order.start_at + timedelta(minutes=order.duration_minutes)
    return order_id


@pytest.fixture(autouse=True)
def services_end(web_app):
    """The services these tests start are checked out afterwards: a visit left open would overlap every
    later service of the same volunteer (held as 'overlap') in the tests that share this world."""
    yield
    with db(web_app) as s:
        visits = list(s.scalars(select(ServiceVisit).join(Order, Order.id == ServiceVisit.order_id).where(
            ServiceVisit.check_out_at.is_(None), Order.state == "checked_in")))
        for visit in visits:
            checked_in = visit.check_in_at.replace(tzinfo=visit.check_in_at.tzinfo or timezone.utc)
            check_out(s, visit.order_id, visit.volunteer_id, lat=visit.check_in_lat, lon=visit.check_in_lon,
                      at=max(datetime.now(timezone.utc), checked_in + timedelta(minutes=1)),
                      policy=web_app.state.policy, tz=web_app.state.settings.timezone)


def row(page, order_id: int):
    return page.locator(f"#supervision-rows tr[data-order-id='{order_id}']")


def test_supervision__late_check_in_shows_on_the_open_page_within_seconds(web_app, page):
    order_id = started_ago(web_app, 30, "zhou", "huang")
    login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + "/console/supervision")
    assert row(page, order_id).get_attribute("data-status") == "no_check_in"
    overdue = re.search(r"过了开始时间(\d+)分钟还没签到", row(page, order_id).inner_text())
    assert overdue and int(overdue.group(1)) >= 30  # 31 when the page came a minute later
    statuses = [r.get_attribute("data-status") for r in page.locator("#supervision-rows tbody tr").all()]
    assert statuses.index("no_check_in") == 0  # the worst on top
    assert "打给志愿者" in row(page, order_id).inner_text() and "改派" in row(page, order_id).inner_text()
    shot(page, "console-supervision")

    volunteer = person_id(web_app, "huang")
    with db(web_app) as s:
        order = s.get(Order, order_id)
        check_in(s, order_id, volunteer, lat=order.lat, lon=order.lon, at=order.start_at + timedelta(minutes=30))
    checked_in = time.monotonic()
    page.wait_for_selector(f"#supervision-rows tr[data-order-id='{order_id}'][data-status='late']",
                           timeout=(POLL_SECONDS + 5) * 1000)
    assert time.monotonic() - checked_in < POLL_SECONDS + 3
    assert "迟到30分钟签到" in row(page, order_id).inner_text()
    shot(page, "console-supervision-late")


def test_supervision__check_in_far_from_the_address_is_flagged(web_app, page):
    order_id = started_ago(web_app, 5, "wu", "lin")
    volunteer = person_id(web_app, "lin")
    with db(web_app) as s:
        check_in(s, order_id, volunteer, lat=FAR[0], lon=FAR[1], at=datetime.now(timezone.utc))
    login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + "/console/supervision")
    assert row(page, order_id).get_attribute("data-status") == "location"
    assert "签到位置离地址" in row(page, order_id).inner_text()


def test_supervision__release_a_volunteer_who_did_not_come_and_reassign(web_app, page):
    order_id = started_ago(web_app, 40, "wu", "he")
    login(page, web_app.url, "hunan_road")
    page.goto(web_app.url + "/console/supervision")
    row(page, order_id).locator("form.release button").click()
    page.wait_for_url(f"**/console/orders/{order_id}?done=*")
    assert "何明已退出这个订单" in page.inner_text(".flash")
    assert page.locator("#assign").count() == 1
    with db(web_app) as s:
        order = s.get(Order, order_id)
        assert order.state == "open" and order.volunteer_id is None
    [entry] = audit_entries(web_app, "order.release", f"order:{order_id}")
    assert entry.reason == "过了开始时间没有签到，改派"


def test_supervision__another_streets_operator_neither_sees_nor_releases(web_app, page):
    order_id = started_ago(web_app, 25, "zhou", "lin")
    login(page, web_app.url, OTHER_STREET, web_app)
    page.goto(web_app.url + "/console/supervision")
    assert page.locator(f"tr[data-order-id='{order_id}']").count() == 0
    live = page.request.get(web_app.url + "/console/supervision/live")
    assert live.status == 200 and f"data-order-id=\"{order_id}\"" not in live.text()
    token = page.get_attribute("meta[name=csrf-token]", "content")
    response = page.request.post(web_app.url + f"/console/supervision/orders/{order_id}/release",
                                 form={"csrf_token": token})
    assert response.status == 404
    with db(web_app) as s:
        assert s.get(Order, order_id).state == "accepted"
    assert audit_entries(web_app, "order.release", f"order:{order_id}") == []

"""A family member books a service for their mother through the widget, with the real assistant
(trained Rasa model, action server) and the real backend: the read-back appears, 对 confirms, and the
order exists for the elder, on the chat channel, requested by the family member."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.web.conftest import shot
from tests.web.family_helpers import web_assets  # noqa: F401 (fixture)
from tests.web.family_helpers import DEMO_ELDER_PHONE, DEMO_FAMILY_PHONE, login_ok, person_by_phone
from tests.web.widget import ask_until_read_back, click_reply, orders_for, restart

pytestmark = pytest.mark.usefixtures("web_assets", "family_rasa")
SHANGHAI = ZoneInfo("Asia/Shanghai")
REQUEST = "帮我妈妈约明天上午的助餐服务"


def test_family_member_books_meal_service_for_mother_through_the_widget(web_app, page):
    elder = person_by_phone(web_app, DEMO_ELDER_PHONE)
    member = person_by_phone(web_app, DEMO_FAMILY_PHONE)
    before = {o.id for o in orders_for(web_app, elder.id)}
    login_ok(page, web_app.url)
    page.wait_for_selector(".yl-chat .QuickReply")
    restart(page)  # the assistant is shared by the session's family-chat tests

    heard = ask_until_read_back(page, REQUEST)
    assert "对吗" in heard and "送餐" in heard and "明天" in heard, heard
    assert {o.id for o in orders_for(web_app, elder.id)} == before  # read back, not booked yet
    assert page.locator(".yl-chat .QuickReply").first.inner_text() == "对"
    shot(page, "family-chat-read-back")

    done = click_reply(page, "对")
    assert "约好了" in done, done
    [order] = [o for o in orders_for(web_app, elder.id) if o.id not in before]
    start = order.start_at.astimezone(SHANGHAI)
    assert order.service_slug == "meal_delivery" and order.channel == "chat"
    assert order.requested_by_id == member.id and order.recipient_id == elder.id
    assert start.date() == dt.datetime.now(SHANGHAI).date() + dt.timedelta(days=1) and start.hour < 12
    # the page's elder panel refreshes itself from the widget's order_created event
    page.wait_for_selector(f".fam-elder [data-order-id='{order.id}']", timeout=10_000)
    assert "送餐" in page.inner_text(f".fam-elder [data-order-id='{order.id}']")
    shot(page, "family-chat-after-booking")

    again = click_reply(page, "我的订单")  # the assistant reads the new order back too
    assert "送餐" in again, again

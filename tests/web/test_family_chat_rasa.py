"""A family member books a service for their mother through the widget, with the real assistant
(trained Rasa model, action server) and the real backend: the read-back appears, 对 confirms, and the
order exists for the elder, on the chat channel, requested by the family member."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from backend.core.db import unit_of_work
from backend.models import Order
from tests.web.conftest import shot
from tests.web.family_helpers import web_assets  # noqa: F401 (fixture)
from tests.web.family_helpers import DEMO_ELDER_PHONE, DEMO_FAMILY_PHONE, login_ok, person_by_phone
from tests.web.family_rasa import family_rasa  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("web_assets", "family_rasa")
SHANGHAI = ZoneInfo("Asia/Shanghai")
REQUEST = "帮我妈妈约明天上午的助餐服务"
# What to answer when the assistant asks for something the request did not say.
ANSWERS = {"交代": "没有", "几点": "上午十点", "地址": "到她家里", "哪里": "到她家里"}
BOT_TURN_TIMEOUT_MS = 90_000  # actions call the backend; the machine is shared


BOT_MESSAGES = ".yl-chat .Message.left:not([data-type=typing])"


def say(page, text: str) -> str:
    """Types ``text`` into the widget, waits for the assistant's whole answer, returns its text."""
    before = page.locator(BOT_MESSAGES).count()
    page.fill(".yl-chat .Composer-input", text)
    page.keyboard.press("Enter")
    return _answer(page, before)


def click_reply(page, name: str) -> str:
    before = page.locator(BOT_MESSAGES).count()
    page.locator(".yl-chat .QuickReply").filter(has_text=re.compile(f"^{re.escape(name)}$")).first.click()
    return _answer(page, before)


def _answer(page, before: int) -> str:
    page.wait_for_function(
        "([selector, n]) => document.querySelectorAll(selector).length > n"
        " && !document.querySelector('.yl-chat [data-type=typing]')", arg=[BOT_MESSAGES, before],
        timeout=BOT_TURN_TIMEOUT_MS)
    texts = page.locator(BOT_MESSAGES + " .Bubble").all_inner_texts()
    return " ".join(texts[before:])


def orders_for(web_app, elder_id: int) -> list[Order]:
    with unit_of_work(web_app.state.sessions) as session:
        return list(session.scalars(select(Order).where(Order.recipient_id == elder_id).order_by(Order.id)))


def test_family_member_books_meal_service_for_mother_through_the_widget(web_app, page):
    elder = person_by_phone(web_app, DEMO_ELDER_PHONE)
    member = person_by_phone(web_app, DEMO_FAMILY_PHONE)
    before = {o.id for o in orders_for(web_app, elder.id)}
    login_ok(page, web_app.url)
    page.wait_for_selector(".yl-chat .QuickReply")

    heard = say(page, REQUEST)
    for _ in range(4):
        if "对吗" in heard:
            break
        question = next((key for key in ANSWERS if key in heard), None)
        assert question, f"unexpected answer to the booking request: {heard}"
        answer = ANSWERS.pop(question)
        suggested = '说“没有”' in heard and answer == "没有"  # the widget offers the suggested answer as a button
        heard = click_reply(page, answer) if suggested else say(page, answer)
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

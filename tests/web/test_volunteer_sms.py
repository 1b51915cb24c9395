"""An offer that reaches a volunteer who is not looking at a page: the simulated Twilio delivers the SMS,
its short link opens the volunteer pages (after their own login), they accept, and the elder gets a text
with the volunteer's name and the time. Both messages stay on the order."""
from __future__ import annotations

import re

from backend.messaging import outbox
from backend.models.base import utcnow
from tests.twilio_sms import TwilioSmsSimulator
from tests.web import volunteer_world as vw


def _messages_out(web_app, twilio: TwilioSmsSimulator) -> None:
    """One pass of the outbox, as the app's background loop makes it."""
    with vw.db(web_app) as s:
        outbox.collect(s, base_url=web_app.url, tz="Asia/Shanghai", now=utcnow(), reminder_hours=1)
    outbox.deliver(web_app.state.sessions, twilio.sender(), now=utcnow())


def test_an_offer_by_sms_accepted_through_its_link_confirms_to_the_elder(web_app, browser):
    twilio = TwilioSmsSimulator()
    home = vw.place()
    elder_id = vw.elder(web_app, home, name="钱桂芳")
    volunteer_id, phone = vw.volunteer(web_app, vw.north_of(home, 800), name="孙建国")
    order_id = vw.open_order(web_app, elder_id, offer=True)
    _messages_out(web_app, twilio)
    [offer] = twilio.to(phone)
    assert "陪伴聊天" in offer.body and "离您约800米" in offer.body and "钱桂芳" not in offer.body
    link = re.search(r"(http://\S+/v/[a-z0-9]+)", offer.body).group(1)

    context = vw.phone_context(browser)
    page = context.new_page()
    try:
        page.goto(link)  # not logged in: the link alone opens nothing
        assert "/volunteer/login" in page.url
        page.fill("#phone", phone)
        page.fill("#password", vw.PASSWORD)
        page.click("form[action='/volunteer/login'] button[type=submit]")
        page.goto(link)
        assert page.url.endswith(f"/volunteer/#offer-{order_id}")
        with page.expect_navigation():
            page.locator(f"#offer-{order_id} button", has_text="接单").click()
        assert "接单成功" in page.text_content("[role=status]")
    finally:
        context.close()

    _messages_out(web_app, twilio)
    with vw.db(web_app) as s:
        elder_phone = s.get(vw.Person, elder_id).phone
        kinds = [(m.kind, m.status) for m in outbox.for_order(s, order_id)]
    [confirmation] = twilio.to(elder_phone)
    assert "志愿者孙建国接单" in confirmation.body and "10:00" in confirmation.body
    assert kinds == [("offer", "sent"), ("confirmation", "sent")]


def test_an_unknown_short_link_says_so_in_chinese(web_app, page):
    page.goto(web_app.url + "/v/zzzzzzzz")
    assert "这个链接打不开" in page.text_content("h1")


def test_the_console_order_page_lists_the_orders_messages(web_app, page):
    twilio = TwilioSmsSimulator()
    home = vw.place()
    elder_id = vw.elder(web_app, home, name="周秀珍")
    _volunteer_id, phone = vw.volunteer(web_app, vw.north_of(home, 300), name="吴志明")
    order_id = vw.open_order(web_app, elder_id, offer=True)
    twilio.outage(1)
    _messages_out(web_app, twilio)  # Twilio is down: the offer waits in the outbox
    page.goto(web_app.url + "/console/login")
    page.fill("#username", "city_admin")
    page.fill("#password", "yinling-demo-1")
    page.click("button[type=submit]")
    page.goto(f"{web_app.url}/console/orders/{order_id}")
    line = page.locator("ul.messages li").first.text_content()
    assert "派单通知（短信）给 吴志明" in line and "等待发送" in line and "试了" not in line
    assert "愿意去请点" in line and "陪伴聊天" in line

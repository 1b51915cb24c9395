"""The newest message stays in view on a phone: switching elder mode on in the middle of a conversation
(every bubble grows) and the next answers land on screen, not behind a "新消息" pill."""
from __future__ import annotations

import pytest

from tests.ivr.servers import free_port
from tests.web.conftest import shot
from tests.web.family_helpers import web_assets  # noqa: F401 (fixture)
from tests.web.family_helpers import PHONE, login_ok
from tests.web.test_family_chat_proxy import assistant_at, recording_assistant  # noqa: F401 (fixture)
from tests.web.widget import say

pytestmark = pytest.mark.usefixtures("web_assets")
LAST_IN_VIEW = """() => {
    const scroller = document.querySelector('.yl-chat .PullToRefresh');
    const bubbles = document.querySelectorAll('.yl-chat .Message.left .Bubble');
    const last = bubbles[bubbles.length - 1].getBoundingClientRect(), box = scroller.getBoundingClientRect();
    return last.bottom <= box.bottom + 1 && last.top >= box.top - 1; }"""


def test_elder_mode_mid_conversation_keeps_the_newest_answer_on_screen(web_app, browser, recording_assistant):
    context = browser.new_context(viewport={"width": PHONE[0], "height": PHONE[1]}, locale="zh-CN", is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    try:
        login_ok(page, web_app.url)
        page.wait_for_selector(".yl-chat .QuickReply")
        with assistant_at(web_app, f"http://127.0.0.1:{free_port()}"):
            page.click(".yl-restart")
            page.wait_for_function("() => !document.querySelector('.yl-chat .Message.right')")
        with assistant_at(web_app, recording_assistant.url):
            for n in range(3):
                say(page, f"第{n + 1}个问题")
            page.click(".yl-elder-toggle")
            page.wait_for_function("() => document.documentElement.classList.contains('yl-elder')")
            page.wait_for_function(LAST_IN_VIEW)
            say(page, "再问一个")
            page.wait_for_function(LAST_IN_VIEW)
            assert page.locator(".yl-chat .BackBottom").count() == 0 or not page.locator(".yl-chat .BackBottom").is_visible()
            shot(page, "family-chat-elder-mode-newest-in-view")
            page.click(".yl-elder-toggle")  # leave the default for the session's other tests
    finally:
        context.close()

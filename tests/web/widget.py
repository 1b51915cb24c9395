"""Driving the family chat widget (ChatUI) in a real browser: type, click quick replies, wait for the
assistant's whole answer, and book a service the way a family member would."""
from __future__ import annotations

import re

from sqlalchemy import select

from backend.core.db import unit_of_work
from backend.models import Order

BOT_MESSAGES = ".yl-chat .Message.left:not([data-type=typing])"
BOT_TURN_TIMEOUT_MS = 90_000  # actions call the backend; the machine is shared
# What to answer when the assistant asks for something the request did not say.
ANSWERS = {"交代": "没有", "几点": "上午十点", "地址": "到她家里", "哪里": "到她家里"}


def history_shown(page) -> None:
    """Waits until the widget has put back the conversation so far (or found none): counting bubbles
    before that would take the restored ones for the assistant's answer."""
    page.wait_for_selector(".yl-chat [data-history=shown]", timeout=BOT_TURN_TIMEOUT_MS)


def restart(page) -> None:
    """重新开始: ends whatever an earlier test left open in this member's conversation."""
    history_shown(page)
    page.click(".yl-restart")
    page.wait_for_function("() => document.querySelectorAll('.yl-chat .Message.right').length === 0"
                           " && !document.querySelector('.yl-restart[disabled]')")


def say(page, text: str) -> str:
    """Types ``text`` into the widget, waits for the assistant's whole answer, returns its text."""
    history_shown(page)
    before = page.locator(BOT_MESSAGES).count()
    page.fill(".yl-chat .Composer-input", text)
    page.keyboard.press("Enter")
    return _answer(page, before)


def click_reply(page, name: str) -> str:
    history_shown(page)
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


def ask_until_read_back(page, request: str) -> str:
    """Sends the request and answers the assistant's questions until it reads the order back."""
    answers = dict(ANSWERS)
    heard = say(page, request)
    for _ in range(4):
        if "对吗" in heard:
            return heard
        question = next((key for key in answers if key in heard), None)
        assert question, f"unexpected answer to the booking request: {heard}"
        answer = answers.pop(question)
        suggested = '说“没有”' in heard and answer == "没有"  # the widget offers the suggested answer as a button
        heard = click_reply(page, answer) if suggested else say(page, answer)
    return heard


def orders_for(web_app, elder_id: int) -> list[Order]:
    with unit_of_work(web_app.state.sessions) as session:
        return list(session.scalars(select(Order).where(Order.recipient_id == elder_id).order_by(Order.id)))

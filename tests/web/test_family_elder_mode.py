"""Elder mode on a phone screen (390×844): large text, contrast ≥ 4.5:1 for body text and buttons
(measured in the browser from computed styles), big touch targets, remembered across pages."""
from __future__ import annotations

import pytest

from tests.web.conftest import shot
from tests.web.family_helpers import web_assets  # noqa: F401 (fixture)
from tests.web.family_helpers import PHONE, login_ok, visual

MIN_FONT_PX, MIN_CONTRAST, MIN_TARGET_PX = 18, 4.5, 44

pytestmark = pytest.mark.usefixtures("web_assets")


def _phone_page(browser):
    context = browser.new_context(viewport={"width": PHONE[0], "height": PHONE[1]}, locale="zh-CN",
                                  device_scale_factor=1, is_mobile=True, has_touch=True)
    return context, context.new_page()


def _check_readable(locator, what: str) -> None:
    count = locator.count()
    assert count, f"no {what} on the page"
    for index in range(count):
        element = locator.nth(index)
        if not element.is_visible():
            continue
        seen = visual(element)
        assert seen["fontSize"] >= MIN_FONT_PX, (what, seen)
        assert seen["contrast"] >= MIN_CONTRAST, (what, seen)


def test_elder_mode_on_a_phone_has_large_high_contrast_text_and_big_buttons(web_app, browser):
    context, page = _phone_page(browser)
    try:
        login_ok(page, web_app.url)
        page.wait_for_selector(".yl-chat .QuickReply")
        normal = visual(page.locator(".yl-chat .Bubble p").first)
        assert normal["fontSize"] < MIN_FONT_PX  # the default is smaller, so the switch is what is measured

        page.click(".yl-chat .yl-elder-toggle")
        assert page.evaluate("document.documentElement.classList.contains('yl-elder')")
        assert page.get_attribute("header [data-elder-toggle]", "aria-pressed") == "true"  # page follows widget
        _check_readable(page.locator(".yl-chat .Bubble p"), "chat text")
        _check_readable(page.locator(".yl-chat .Message-author, .yl-chat .Time"), "who spoke and when")
        _check_readable(page.locator(".yl-chat .QuickReply"), "quick reply buttons")
        _check_readable(page.locator(".yl-chat .yl-elder-toggle"), "the widget's elder switch")
        _check_readable(page.locator(".yl-chat .Composer-input"), "the input box")
        _check_readable(page.locator(".fam-elder dd, .fam-elder dt, .fam-elder h2"), "the elder's facts")
        _check_readable(page.locator(".fam-elder button"), "the certificate button")
        _check_readable(page.locator("header [data-elder-toggle], header .fam-link"), "header buttons")
        for index in range(page.locator(".yl-chat .QuickReply").count()):
            box = visual(page.locator(".yl-chat .QuickReply").nth(index))
            assert box["height"] >= MIN_TARGET_PX, box
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE[0], f"page is {width}px wide on a {PHONE[0]}px phone"
        shot(page, "family-elder-mode-phone")

        page.goto(web_app.url + "/family/link")  # remembered on the next page, before any click
        assert page.evaluate("document.documentElement.classList.contains('yl-elder')")
        _check_readable(page.locator("label, .fam-primary, p"), "the link form")
        page.click("header [data-elder-toggle]")
        page.reload()
        assert not page.evaluate("document.documentElement.classList.contains('yl-elder')")
    finally:
        context.close()


def test_normal_mode_on_a_phone_fits_the_screen_and_keeps_contrast(web_app, browser):
    context, page = _phone_page(browser)
    try:
        login_ok(page, web_app.url)
        page.wait_for_selector(".yl-chat .QuickReply")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
        for selector in (".yl-chat .Bubble p", ".yl-chat .QuickReply", ".fam-elder dd", ".fam-elder button"):
            seen = visual(page.locator(selector).first)
            assert seen["contrast"] >= MIN_CONTRAST, (selector, seen)
        shot(page, "family-home-phone")
    finally:
        context.close()

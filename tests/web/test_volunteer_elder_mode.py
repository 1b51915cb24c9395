"""Many volunteers are 60-79 themselves: the volunteer pages have the family site's elder mode on a phone
(text ≥ 18 px, contrast ≥ 4.5:1 measured in the browser, touch targets ≥ 44 px, no sideways scrolling),
remembered from one page to the next."""
from __future__ import annotations

from tests.web import volunteer_world as vw
from tests.web.conftest import shot
from tests.web.family_helpers import PHONE, visual

MIN_FONT_PX, MIN_CONTRAST, MIN_TARGET_PX = 18, 4.5, 44


def _readable(locator, what: str) -> None:
    assert locator.count(), f"no {what} on the page"
    for index in range(locator.count()):
        element = locator.nth(index)
        if element.is_visible():
            seen = visual(element)
            assert seen["fontSize"] >= MIN_FONT_PX and seen["contrast"] >= MIN_CONTRAST, (what, seen)


def test_elder_mode_on_the_volunteer_pages(web_app, browser):
    home = vw.place()
    elder_id = vw.elder(web_app, home)
    _volunteer_id, phone = vw.volunteer(web_app, vw.north_of(home, 700))
    order_id = vw.open_order(web_app, elder_id, offer=True)
    context = vw.phone_context(browser)
    page = context.new_page()
    try:
        vw.login(page, web_app.url, phone)
        normal = visual(page.locator(f"[data-offer='{order_id}'] dd").first)
        assert normal["fontSize"] < MIN_FONT_PX  # the switch is what is measured
        page.click("header [data-elder-toggle]")
        assert page.get_attribute("header [data-elder-toggle]", "aria-pressed") == "true"
        _readable(page.locator(f"[data-offer='{order_id}'] dd, [data-offer='{order_id}'] dt"), "offer facts")
        _readable(page.locator(f"[data-offer='{order_id}'] button"), "accept and decline buttons")
        _readable(page.locator(".vol-nav a"), "the tab bar")
        for index in range(page.locator("main button").count()):
            assert visual(page.locator("main button").nth(index))["height"] >= MIN_TARGET_PX
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
        shot(page, "volunteer-elder-mode")

        page.click("a[href='/volunteer/me']")  # remembered on the next page
        assert page.evaluate("document.documentElement.classList.contains('yl-elder')")
        _readable(page.locator("[data-hours], [data-stars], [data-balance], .vol-ledger li"), "hours and ledger")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
    finally:
        context.close()

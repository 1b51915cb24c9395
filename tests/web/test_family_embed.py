"""The widget embedded in a plain host page with one script tag and one mount call: it mounts,
shows the common tasks, and leaves the host page scrollable (ChatUI's page-wide rules are dropped)."""
from __future__ import annotations

import pytest

from tests.web.conftest import shot
from tests.web.family_helpers import web_assets  # noqa: F401 (fixture)
from tests.web.family_helpers import login_ok

pytestmark = pytest.mark.usefixtures("web_assets")


def test_embed_demo_mounts_the_widget_in_a_plain_page_that_still_scrolls(web_app, page):
    login_ok(page, web_app.url)
    page.set_viewport_size({"width": 1280, "height": 500})
    page.goto(web_app.url + "/family/embed-demo")
    page.wait_for_selector("#chat.yl-chat .QuickReply")
    assert page.locator("#chat .QuickReply").all_inner_texts()[:3] == ["约服务", "查余额", "查星级"]
    assert page.evaluate("getComputedStyle(document.body).overflowY") != "hidden"
    page.mouse.wheel(0, 2000)
    page.wait_for_function("() => window.scrollY > 0")  # a function: an expression string is eval()ed in the page, which the CSP forbids
    assert "返回家属首页" in page.inner_text("body")
    shot(page, "family-embed-demo")


def test_embed_demo_needs_a_family_login(web_app, page):
    page.goto(web_app.url + "/family/embed-demo")
    assert "/family/login" in page.url


def test_built_bundles_export_the_mount_call_and_chart_js(web_app, page, web_assets):  # noqa: F811
    assert "YinlingChat" in (web_assets / "family-chat.js").read_text()
    page.goto(web_app.url + "/family/login")
    page.add_script_tag(url="/web/static/dist/console-charts.js")
    assert page.evaluate("typeof window.Chart === 'function' && !!window.Chart.registry.controllers.get('bar')")

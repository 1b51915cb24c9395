"""The security headers in a real browser: every page the two sites show (with the chat widget and
the dashboard's charts working) carries the strict Content-Security-Policy, and Chromium reports no
violation of it; no page may be framed."""
from __future__ import annotations

import pytest

from backend.api.middleware import STRICT_CSP
from tests.web.console_a import login as console_login
from tests.web.family_helpers import web_assets  # noqa: F401 (fixture)
from tests.web.family_helpers import login_ok

pytestmark = pytest.mark.usefixtures("web_assets")

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI));
"""


@pytest.fixture
def watched(page):
    """The page, recording CSP violations (DOM events and Chromium's console reports)."""
    console = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on("console", lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.console_csp = console
    return page


def visit(page, url: str):
    response = page.goto(url)
    headers = response.headers
    assert headers["content-security-policy"] == STRICT_CSP, url
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    return response


def assert_no_violations(page):
    assert page.evaluate("window.__cspViolations") == []
    assert page.console_csp == []


def test_family_pages_work_under_the_strict_policy(web_app, watched):
    visit(watched, web_app.url + "/family/login")
    assert_no_violations(watched)
    login_ok(watched, web_app.url)
    visit(watched, web_app.url + "/family/")
    watched.wait_for_selector("#yinling-chat.yl-chat .QuickReply")  # the widget mounted from our own files
    assert_no_violations(watched)
    watched.click("[data-elder-toggle]")
    visit(watched, web_app.url + "/family/")
    watched.wait_for_selector("#yinling-chat.yl-chat .QuickReply")
    assert watched.evaluate("document.documentElement.classList.contains('yl-elder')"), "early elder-mode script ran"
    visit(watched, web_app.url + "/family/embed-demo")
    watched.wait_for_selector("#chat.yl-chat .QuickReply")
    assert watched.evaluate("getComputedStyle(document.getElementById('chat')).height") == "560px"
    assert_no_violations(watched)


def test_console_pages_and_error_page_work_under_the_strict_policy(web_app, watched):
    visit(watched, web_app.url + "/console/login")
    console_login(watched, web_app.url, "city_admin")
    visit(watched, web_app.url + "/console/?days=30")
    watched.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-served'))")
    assert_no_violations(watched)
    missing = visit(watched, web_app.url + "/console/orders/99999999999")  # beyond any database id: a 404 page
    assert missing.status == 404
    assert watched.evaluate("getComputedStyle(document.querySelector('main')).maxWidth") == "520px"
    assert_no_violations(watched)


def test_pages_refuse_to_be_framed(web_app, page):
    with page.expect_console_message(lambda msg: "frame-ancestors" in msg.text) as refused:
        page.set_content(f'<iframe src="{web_app.url}/family/login"></iframe>')
    assert "'none'" in refused.value.text

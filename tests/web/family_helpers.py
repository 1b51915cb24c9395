"""Helpers for the family page tests: logging in and registering through the real pages, reading
the database, and measuring what a person sees (computed font size and contrast in the browser)."""
from __future__ import annotations

import itertools
import random
import re
import subprocess
from pathlib import Path

import httpx
import pytest
from sqlalchemy import delete, func, select

from backend.core.db import unit_of_work
from backend.models import FamilyLink, LoginAttempt, Person

DEMO_FAMILY_PHONE = "+8613912340007"
DEMO_FAMILY_PASSWORD = "yinling-family-1"
DEMO_ELDER_PHONE = "+8613912340001"  # 王秀英, consented link to the demo family member 王军
OTHER_ELDER_PHONE = "+8613912340008"  # 李淑珍 (玄武门), linked to nobody
PHONE = (390, 844)
REPO = Path(__file__).resolve().parents[2]
_serial = itertools.count(random.randint(0, 5000) * 10)


@pytest.fixture(scope="session")
def web_assets() -> Path:
    """The widget bundles built from the current sources (a no-op when web/static/dist is up to date),
    so a test never drives a stale widget. Tests that load the widget use this fixture."""
    subprocess.run([str(REPO / "tools" / "build_web.sh")], check=True)
    return REPO / "web" / "static" / "dist"


@pytest.fixture
def forget_failed_logins(web_app):
    """Deletes the failed tries a test made on purpose, afterwards. Every test browser comes from
    127.0.0.1 and the rate limit also counts failures per address, so without this the session's
    later logins (console tests too) would be refused once enough deliberate failures add up."""
    with unit_of_work(web_app.state.sessions) as session:
        start = session.scalar(select(func.max(LoginAttempt.id))) or 0
    yield
    with unit_of_work(web_app.state.sessions) as session:
        session.execute(delete(LoginAttempt).where(LoginAttempt.id > start, LoginAttempt.success.is_(False)))


def fresh_phone() -> str:
    """A mobile number no demo person has (the demo uses 13912340001–0008)."""
    return f"1370000{next(_serial) % 10000:04d}"


def login(page, url: str, phone: str = DEMO_FAMILY_PHONE, password: str = DEMO_FAMILY_PASSWORD) -> None:
    page.goto(url + "/family/login")
    page.fill("#phone", phone)
    page.fill("#password", password)
    page.click("form[action='/family/login'] button[type=submit]")


def login_ok(page, url: str, phone: str = DEMO_FAMILY_PHONE, password: str = DEMO_FAMILY_PASSWORD) -> None:
    login(page, url, phone, password)
    page.wait_for_url(re.compile(r"/family/(\?.*)?$"))


def register(page, url: str, *, name: str, phone: str, password: str = "family-pass-1",
             again: str | None = None, birth_date: str = "1975-05-20", novalidate: bool = False) -> None:
    """Fills and sends the registration form; ``novalidate`` skips the browser's own checks so the
    server's are what is tested."""
    page.goto(url + "/family/register")
    if novalidate:
        page.eval_on_selector("form[action='/family/register']", "form => { form.noValidate = true; }")
    page.fill("#name", name)
    page.fill("#phone", phone)
    page.fill("#birth_date", birth_date)
    page.fill("#password", password)
    page.fill("#password_again", password if again is None else again)
    page.click("form[action='/family/register'] button[type=submit]")


def person_by_phone(web_app, phone: str) -> Person | None:
    with unit_of_work(web_app.state.sessions) as session:
        return session.scalar(select(Person).where(Person.phone == phone))


def links_of(web_app, member_id: int) -> list[FamilyLink]:
    with unit_of_work(web_app.state.sessions) as session:
        return list(session.scalars(select(FamilyLink).where(FamilyLink.member_id == member_id)))


def consent_via_api(web_app, link_id: int) -> None:
    """What the assistant does when the elder says 同意 on the phone: the service-token API call."""
    response = httpx.post(f"{web_app.url}/api/v1/family-links/{link_id}/consent", json={"consent": "consented"},
                          headers={"Authorization": f"Bearer {web_app.service_token}"})
    assert response.status_code == 200, response.text


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


# Computes, in the page, the font size and the WCAG contrast ratio of an element's text against the
# first opaque background behind it (walking up the ancestors; semi-transparent layers are blended).
VISUAL_JS = """
(el) => {
  if (!el.isConnected) return null;  // re-rendered between finding and measuring: measure again
  const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const blend = (top, under) => [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3])).concat([1]);
  const layers = [];
  for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
    const bg = parse(getComputedStyle(node).backgroundColor);
    if (bg[3] > 0) { layers.push(bg); if (bg[3] >= 1) break; }
  }
  let background = [255, 255, 255, 1];
  for (const layer of layers.reverse()) background = blend(layer, background);
  const style = getComputedStyle(el);
  const color = blend(parse(style.color), background);
  const lum = (c) => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const [hi, lo] = [lum(color), lum(background)].sort((a, b) => b - a);
  const box = el.getBoundingClientRect();
  return { fontSize: parseFloat(style.fontSize), contrast: (hi + 0.05) / (lo + 0.05), height: box.height,
           width: box.width, text: (el.innerText || el.value || "").trim().slice(0, 40) };
}
"""


def visual(locator, attempts: int = 20) -> dict:
    """Computed size, contrast and box of one element. The chat re-renders its list when the history
    arrives, so an element found a moment ago may be detached by the time it is measured (its computed
    font size is then empty, read as NaN): the locator is resolved again until a connected element is measured."""
    for _ in range(attempts):
        seen = locator.evaluate(VISUAL_JS)
        if seen is not None and seen["fontSize"] == seen["fontSize"]:  # NaN != NaN
            return seen
        locator.page.wait_for_timeout(100)
    raise AssertionError(f"no connected element to measure after {attempts} tries: {locator}")

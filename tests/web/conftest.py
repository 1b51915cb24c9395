"""Web test fixtures: the real app (backend + web pages) served by uvicorn on a temporary SQLite
database seeded with the demo data, and Debian's Chromium driven by Playwright (never a browser
Playwright downloads itself). Screenshots land in test-artifacts/web/ for people to look at."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from backend.api.app import create_app
from backend.api.state import AppState
from backend.core.bootstrap import seed_demo
from tests.backend.conftest import SERVICE_TOKEN, make_state
from tests.ivr.servers import ServerThread
# Defined once here, not imported into each module: a fixture imported into a module is that module's own,
# so every family-chat module started (and kept) a Rasa server of its own.
from tests.web.family_rasa import family_rasa  # noqa: F401 (fixture)
from web.app import attach_web

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "web"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


@dataclass
class WebApp:
    url: str
    state: AppState
    service_token: str = SERVICE_TOKEN


@pytest.fixture(scope="session")
def web_app(tmp_path_factory: pytest.TempPathFactory):
    """The whole app with the demo data (operators, family member, elders, volunteers)."""
    state = make_state(f"sqlite:///{tmp_path_factory.mktemp('web') / 'yinling.db'}")
    seed_demo(state)
    app = attach_web(create_app(state=state))
    with ServerThread(app, "web") as server:
        yield WebApp(server.url, state)
    state.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make sysdeps` installs Debian's chromium")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (own cookies) with a phone-sized or desktop viewport as the test asks."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def shot(page, name: str) -> Path:
    """Saves a full-page screenshot as a test artefact and returns its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path

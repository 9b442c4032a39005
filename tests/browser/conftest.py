"""Browser tests: Playwright driving Debian's Chromium against a live test server.

Skipped, with the reason in the summary, where Chromium is not installed
(`apt-get install chromium`; CI installs it).
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Playwright's sync API runs an event loop in the test's thread; the ORM calls of
# the tests themselves stay synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    if CHROMIUM:
        return
    skip = pytest.mark.skip(reason="Chromium not installed (apt-get install chromium): browser tests skipped")
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone_page(browser, live_server, settings):
    """A page 360 pixels wide, like a small phone, on the live server."""
    settings.SITE_URL = live_server.url
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", base_url=live_server.url)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def new_page(browser, live_server, settings):
    """Opens pages sized as the issue's testers used them: `new_page("phone")` is 390x844
    (volunteers, residents, team leaders), `new_page("desk")` 1366x900 (managers, admins).
    Each call is a separate browser context, so two people can be logged in at once."""
    settings.SITE_URL = live_server.url
    sizes = {"phone": {"width": 390, "height": 844}, "desk": {"width": 1366, "height": 900}}
    contexts = []

    def open_page(size: str = "phone"):
        context = browser.new_context(viewport=sizes[size], locale="zh-CN", base_url=live_server.url)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def screenshot(page, name: str) -> None:
    """Saves the page's viewport as docs/screenshots/<name> for the README, only when SCREENSHOTS=1
    (`SCREENSHOTS=1 .venv/bin/pytest tests/browser`), so ordinary runs leave the files alone."""
    if os.environ.get("SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / (name if name.endswith(".png") else f"{name}.png")))


def log_in(page, phone: str, password: str) -> None:
    page.fill("#id_username", phone)
    page.fill("#id_password", password)
    page.click("button[type=submit]")


def has_no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

"""Browser tests: Playwright driving Debian's Chromium against a live server.

Never download a browser: the system Chromium is launched with the flags this
machine needs. When it is missing the tests skip, unless ATHENA_REQUIRE_BROWSER
is set (CI), where they fail instead."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page

# Playwright runs an event loop in the test thread; the ORM calls tests make to
# set up data are still synchronous and safe here (tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
HERE = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    browser_items = [item for item in items if HERE in Path(item.fspath).parents]
    for item in browser_items:
        item.add_marker(pytest.mark.browser)
    if CHROMIUM.exists() or not browser_items:
        return
    if os.environ.get("ATHENA_REQUIRE_BROWSER"):
        raise pytest.UsageError(f"{CHROMIUM} is missing and ATHENA_REQUIRE_BROWSER is set")
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed (apt-get install chromium)")
    for item in browser_items:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_FLAGS,
    }


@pytest.fixture
def page(page):
    page.set_default_timeout(10_000)
    return page


@pytest.fixture
def open_page(browser, live_server):
    """Open a page in a fresh browser context (own storage, viewport, colour
    scheme); every context is closed after the test."""
    contexts = []

    def opener(viewport, **context_options) -> Page:
        context = browser.new_context(
            viewport=viewport, base_url=live_server.url, **context_options
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield opener
    for context in contexts:
        context.close()

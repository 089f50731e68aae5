"""Browser tests: the suite's app served on a real port, driven by Debian's Chromium through Playwright.

Fixtures here have their own names (`live_server`, `live_url`, `chromium_browser`, `browser_page`) so they
never mix with the pytest-playwright plugin's `browser`/`page`/`base_url`.
"""
import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).parent / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
# Playwright waits this long (ms) for an element or a navigation before failing the test.
TIMEOUT_MS = 10_000

_REPORTS = pytest.StashKey[dict]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell whether the test failed."""
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


def screenshot_path(name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"


@pytest.fixture(scope="session")
def live_server(base_app):
    """The suite's app on 127.0.0.1 and a free port, in a background thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, base_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def live_url(app, live_server):
    """The live server's base URL for one test; through `app` the database is emptied after the test."""
    return live_server


@pytest.fixture(scope="session")
def chromium_browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(request, chromium_browser, live_url):
    """A page in a fresh browser context (no cookies), English, desktop-sized.

    If the test fails, a screenshot is saved to tests/browser/screenshots/<test name>.png.
    """
    context = chromium_browser.new_context(viewport=DESKTOP, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        reports = request.node.stash.get(_REPORTS, {})
        if any(r.failed for r in reports.values()):
            try:
                page.screenshot(path=screenshot_path(request.node.name), full_page=True)
            except Exception as exc:  # a dead page must not hide the test's own failure
                print(f"could not save a screenshot: {exc}")
        context.close()

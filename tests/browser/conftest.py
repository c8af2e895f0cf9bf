"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Playwright never downloads a browser here: it launches /usr/bin/chromium. Without it the
tests are skipped, unless AGORA_REQUIRE_BROWSER=1 (CI), where a missing browser fails the run.
Each test collects the browser console and page errors and fails on any Content Security
Policy violation. Screenshots of key pages go to artifacts/screenshots/ (a CI artefact).
"""

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 375, "height": 740}

_CSP_VIOLATION = re.compile(r"Content Security Policy|Refused to (apply|execute|load)", re.I)


def _browser_required() -> bool:
    return os.environ.get("AGORA_REQUIRE_BROWSER") == "1"


@pytest.fixture(scope="package", autouse=True)
def _django_beside_playwright() -> Iterator[None]:
    """Playwright's sync API runs an event loop in the test thread, and Django refuses
    database work in a thread with a running loop unless told it is safe. Only for these
    tests: the variable must not leak into other tests or the processes they start (it
    fails `check --deploy`)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="package")
def browser(_django_beside_playwright: None) -> Iterator[Any]:
    """One Chromium for the browser tests, stopped when they end so that its event loop
    does not outlive them."""
    if not os.access(CHROMIUM, os.X_OK):
        if _browser_required():
            pytest.fail(
                f"AGORA_REQUIRE_BROWSER=1 but {CHROMIUM} is missing: install Debian's "
                "chromium package (apt-get install chromium).",
                pytrace=False,
            )
        pytest.skip(f"{CHROMIUM} is not installed (set AGORA_REQUIRE_BROWSER=1 to fail instead)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class BrowserLog:
    """What the page said on its console and which errors it threw."""

    console: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        return [line for line in self.console + self.page_errors if _CSP_VIOLATION.search(line)]


@pytest.fixture
def browser_log() -> BrowserLog:
    return BrowserLog()


def _watch(page: Any, log: BrowserLog) -> None:
    page.on("console", lambda message: log.console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: log.page_errors.append(str(error)))


def _open_page(browser: Any, live_server: Any, log: BrowserLog, **context: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) based at the live server, watched for CSP
    violations and script errors, which fail the test when it ends."""
    browser_context = browser.new_context(base_url=live_server.url, **context)
    browser_context.set_default_timeout(10_000)
    page = browser_context.new_page()
    _watch(page, log)
    yield page
    browser_context.close()
    assert log.csp_violations() == [], "the pages broke the content security policy"
    assert log.page_errors == [], "the pages threw JavaScript errors"


@contextmanager
def browsing(browser: Any, server: Any, **context: Any) -> Iterator[Any]:
    """A page for one more person in the same test (a second browser context), closed and
    checked like the `page` fixture's when the block ends."""
    pages = _open_page(browser, server, BrowserLog(), **context)
    page = next(pages)
    try:
        yield page
    finally:
        pages.close()


@pytest.fixture
def page(browser: Any, live_server: Any, browser_log: BrowserLog) -> Iterator[Any]:
    yield from _open_page(browser, live_server, browser_log, viewport=DESKTOP)


@pytest.fixture
def mobile_page(browser: Any, live_server: Any, browser_log: BrowserLog) -> Iterator[Any]:
    yield from _open_page(
        browser, live_server, browser_log, viewport=MOBILE, is_mobile=True, has_touch=True
    )


@pytest.fixture
def screenshot() -> Any:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> Path:
        path = SCREENSHOT_DIR / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def overflow(page: Any) -> int:
    """How far the page is wider than the window it was given. Measured against the viewport
    we asked for: on a phone (`is_mobile`) Chromium widens the layout viewport to fit a page
    that is too wide, so `innerWidth` grows with the page and hides the overflow."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    return int(width) - int(page.viewport_size["width"])

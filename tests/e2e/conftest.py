"""Real-browser harness: Playwright (Python) driving Debian's chromium against pytest-django's live_server.

- Every test under tests/e2e is marked ``e2e`` (``make e2e`` / ``pytest -m e2e``) and runs with
  ``transaction=True`` (the live server thread must see the test's committed rows).
- One chromium per session, launched from ``/usr/bin/chromium``; Playwright starts it with a fresh,
  temporary ``--user-data-dir`` (deleted on close), and every test gets new, isolated contexts.
- ``shot(page, "step")`` saves a full-page screenshot to ``test-artifacts/<test>/NN-step.png``;
  on failure every open page is captured as ``failure-<n>.png``.
- The test is skipped (with the reason) only when chromium is not installed.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from pathlib import Path

import pytest

# The sync Playwright API runs an event loop in this thread; Django's ORM must still be allowed here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
E2E_DIR = Path(__file__).resolve().parent
DEFAULT_TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(config, items):
    for item in items:
        if E2E_DIR in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.django_db(transaction=True))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"chromium not found at {CHROMIUM}: run `make install-test-system` "
                    "(apt-get install chromium fonts-wqy-microhei)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        # No userDataDir given: Playwright creates a fresh temporary profile and removes it on close.
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)[:120]


@pytest.fixture
def artifacts_dir(request) -> Path:
    path = ARTIFACTS / _slug(request.node.name)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def new_page(browser, live_server, request, artifacts_dir):
    """Factory: ``new_page()`` opens a page in a new isolated context (own cookies) on the live server."""
    contexts = []
    pages = []

    def make():
        context = browser.new_context(base_url=live_server.url, locale="zh-CN", accept_downloads=True,
                                      viewport={"width": 1280, "height": 900})
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        pages.append(page)
        return page

    yield make
    failed = any(getattr(request.node, f"rep_{when}", None) is not None
                 and getattr(request.node, f"rep_{when}").failed for when in ("setup", "call"))
    if failed:
        for n, page in enumerate(pages, start=1):
            # A closed page cannot be captured; the failure itself is reported anyway.
            with contextlib.suppress(Exception):
                page.screenshot(path=str(artifacts_dir / f"failure-{n}.png"), full_page=True)
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def shot(artifacts_dir):
    """``shot(page, "name")``: numbered full-page screenshot of one journey step."""
    counter = {"n": 0}

    def take(page, name: str) -> Path:
        counter["n"] += 1
        path = artifacts_dir / f"{counter['n']:02d}-{_slug(name)}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def browser_login():
    """Log in through the real login page and wait for the home page."""

    def do(page, username: str, password: str):
        page.goto("/accounts/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(re.compile(r".*/$"))
        return page

    return do

"""Real-browser tests: a real Pitbox server process and Debian's headless Chromium.

Some bugs only show on a real server (database context in page handlers, startup order), so
the key flows run here at phone size. Screenshots go to ``screenshots/`` (git-ignored).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import unavailable
from tests.servers import PitboxServer

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def chromium_path() -> str:
    path = os.environ.get("PITBOX_CHROMIUM") or shutil.which("chromium")
    if not path:
        unavailable("Chromium", "install Debian's chromium package (./test.sh does as root)")
    return path


@pytest.fixture
def server(tmp_path) -> Iterator[PitboxServer]:
    server = PitboxServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser():
    # Module scope: sync Playwright keeps an event loop running in this thread until it stops,
    # and the async tests that follow need the thread without one.
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)  # fmt: skip
    page = context.new_page()
    yield page
    context.close()


def shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.wait_for_timeout(500)  # let dialogs finish zooming in
    page.screenshot(path=str(path))
    return path

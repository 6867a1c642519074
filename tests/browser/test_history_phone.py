"""History, compare and the racer's file at phone size, on a real server with a seeded notebook."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, ROOT, shot
from tests.browser.test_phone_flows import (
    assert_fits_phone,
    assert_tap_targets,
    manage_racers,
    open_app,
)
from tests.servers import PitboxServer, child_env

SEED = """
import asyncio, sys
from services import database
from tests.notebook import seed_racer

async def main(url):
    await database.apply_migrations(url)
    await database.connect(url)
    await seed_racer("Lena", sessions=6)
    await database.disconnect()

asyncio.run(main(sys.argv[1]))
"""


@pytest.fixture
def seeded_server(tmp_path) -> Iterator[PitboxServer]:
    """A server whose embedded database already holds Lena's notebook (six sessions)."""
    url = f"sqlite://{tmp_path / 'pitbox.sqlite3'}"
    subprocess.run([sys.executable, "-c", SEED, url], cwd=ROOT, env=child_env(), check=True,
                   timeout=120)  # fmt: skip
    server = PitboxServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def open_history(page: Page, url: str) -> None:
    open_app(page, url)
    page.get_by_role("tab", name="History").click()
    expect(page.get_by_text("Lena's history")).to_be_visible()


def test_history_and_compare_on_a_phone(seeded_server, phone):
    open_history(phone, seeded_server.url)
    expect(phone.get_by_text("Round 6")).to_be_visible()
    assert_fits_phone(phone)
    assert_tap_targets(phone)
    shot(phone, "phone-history")

    phone.get_by_text("Round 1", exact=True).click()
    expect(phone.get_by_text("Loose at the end")).to_be_visible()
    phone.get_by_text("Changes (3)").click()
    expect(phone.get_by_text("Rear toe: 2.5 ° → 3 °")).to_be_visible()
    assert_fits_phone(phone)
    shot(phone, "phone-history-session")

    phone.get_by_role("button", name="Compare with another session").click()
    expect(phone.get_by_text("Tap a session to compare with Round 1")).to_be_visible()
    phone.get_by_text("Round 2", exact=True).click()
    expect(phone.get_by_text("1 difference")).to_be_visible()
    assert_fits_phone(phone)
    assert_tap_targets(phone)
    shot(phone, "phone-compare")
    phone.get_by_text("Same in both (23)").click()
    shot(phone, "phone-compare-unfolded")
    phone.get_by_role("button", name="Close").click()

    phone.get_by_text("Round 1", exact=True).click()  # the other car: a stiffer front
    phone.get_by_role("button", name="Copy into Round 6").click()
    expect(phone.get_by_text("Front (1 difference)")).to_be_visible()
    assert_tap_targets(phone)
    shot(phone, "phone-copy-into-twin")
    phone.get_by_role("button", name="Copy", exact=True).click()
    expect(phone.get_by_text("Copied 1 change into Round 6")).to_be_visible()


def test_export_and_import_in_the_selector_on_a_phone(seeded_server, phone, tmp_path):
    open_app(phone, seeded_server.url)
    phone.locator(".q-header button").first.click()
    expect(phone.get_by_text("Import a racer")).to_be_visible()
    assert_fits_phone(phone)
    assert_tap_targets(phone)
    manage_racers(phone)
    assert_fits_phone(phone)
    assert_tap_targets(phone)
    shot(phone, "phone-selector-transfer")
    with phone.expect_download() as download:
        phone.get_by_role("button", name="Export Lena").click()
    exported = download.value
    assert exported.suggested_filename.startswith("pitbox-lena-")
    path = tmp_path / exported.suggested_filename
    exported.save_as(path)

    phone.get_by_text("Import a racer").click()
    phone.locator("input[type=file]").set_input_files(str(path))
    expect(phone.get_by_text("There is already a racer called Lena.")).to_be_visible()
    assert_fits_phone(phone)
    shot(phone, "phone-import-name-taken")
    phone.get_by_label("Import as").fill("Lena (old laptop)")
    phone.get_by_role("button", name="Import", exact=True).click()
    expect(phone.get_by_text("Imported Lena (old laptop): 2 cars, 6 sessions")).to_be_visible()


def test_history_and_compare_on_a_desktop(seeded_server, browser):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    try:
        open_history(page, seeded_server.url)
        expect(page.get_by_text("Round 6")).to_be_visible()
        shot(page, "desktop-history")
        page.get_by_text("Round 3", exact=True).click()
        page.get_by_role("button", name="Compare with the car's reference").click()
        expect(page.get_by_text("2 differences")).to_be_visible()
        shot(page, "desktop-compare")
    finally:
        context.close()

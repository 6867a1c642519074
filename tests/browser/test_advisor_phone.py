"""The advisor on a phone, in headless Chromium on a real server: debrief, answer, screenshots."""

import subprocess
import sys
import textwrap

from playwright.sync_api import Page, expect

from settings import SQLITE_FILE_NAME
from tests.browser.conftest import DESKTOP, ROOT, shot
from tests.browser.test_phone_flows import assert_fits_phone, assert_tap_targets, open_app
from tests.servers import child_env

# A racer in the middle of a practice day, with the example setup on the car.
SEED = textwrap.dedent("""
    import asyncio, os
    from models.setup_sheet import EXAMPLE_SETUP
    from services import database, garage, profile_service, sessions

    async def main():
        await database.connect(os.environ["DATABASE_URL"])
        racer = await profile_service.get_or_create_default_profile()
        car = await garage.add_vehicle(racer.id, "Tekno", "NB48 2.2",
                                       reference_setup=EXAMPLE_SETUP)
        await sessions.start_session(
            racer.id, car.id, "Hilltop practice", "Practice", "2026-05-17",
            {"traction": "High", "surface": "Clay", "condition": "Bumpy", "size": "Large"},
            practice_rounds=6)
        await database.disconnect()

    asyncio.run(main())
""")


def seed_session(data_dir) -> None:
    database_url = f"sqlite://{data_dir / SQLITE_FILE_NAME}"
    subprocess.run([sys.executable, "-c", SEED], cwd=ROOT, check=True, timeout=60,
                   env=child_env(DATABASE_URL=database_url))  # fmt: skip


def open_advisor(page: Page, url: str) -> None:
    open_app(page, url)
    page.get_by_role("tab", name="Advisor").click()
    expect(page.get_by_text("What is the car doing?")).to_be_visible()


def test_debrief_and_answer_on_a_phone(server, phone, browser, tmp_path):
    seed_session(tmp_path)  # the server's data folder
    open_advisor(phone, server.url)
    expect(phone.get_by_text("6 practice rounds left")).to_be_visible()
    phone.get_by_role("button", name="Chatters over bumps").click()
    phone.get_by_role("button", name="Bottoms on landings").click()
    phone.get_by_role("button", name="Feel 2 of 5: Poor").click()
    phone.get_by_label("Note (optional)").fill("<b>Big</b> triple after the tower")
    assert_fits_phone(phone)
    assert_tap_targets(phone)
    shot(phone, "phone-advisor-debrief")

    phone.get_by_role("button", name="Ask the advisor").click()
    expect(phone.get_by_text("changes waiting for you in the Setup tab")).to_be_visible()
    thread = phone.locator(".q-message")
    expect(thread).to_have_count(2)
    expect(thread.first).to_contain_text("<b>Big</b> triple after the tower")  # as typed
    expect(thread.last).to_contain_text("Source: ")
    phone.wait_for_timeout(800)  # the answer scrolls into view
    top = phone.evaluate("document.querySelectorAll('.q-message')[1].getBoundingClientRect().top")
    assert 0 <= top < 300, f"the answer is not brought into view (top at {top}px)"
    assert_fits_phone(phone)
    assert_tap_targets(phone)
    shot(phone, "phone-advisor-thread")

    # The answer's first proposal links to the Setup tab, where it waits for a decision.
    phone.get_by_role("button", name="Waiting for you in Setup").first.click()
    expect(phone.get_by_text("Waiting for you (")).to_be_visible()
    shot(phone, "phone-advisor-pending-in-setup")

    desktop = browser.new_page(viewport=DESKTOP)
    try:
        open_advisor(desktop, server.url)
        expect(desktop.locator(".q-message")).to_have_count(2)
        shot(desktop, "desktop-advisor")
    finally:
        desktop.close()

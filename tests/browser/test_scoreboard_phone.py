"""The Scoreboard on a phone (390 x 844) in Chromium, on a real server: paste a heat, fix it,
see the numbers, the chart and the verdict of a setup change."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

from playwright.sync_api import Page, expect

from services import database, garage, profile_service, results, sessions, setups
from tests.browser.conftest import DESKTOP, shot
from tests.browser.test_phone_flows import assert_fits_phone, assert_tap_targets, open_app

HEAT_1 = "1 24.012\n2 24.410\n3 24.231\n4 24.622\n5 24.305\n6 24.118\n7 24.390"
# As copied from a timing system's lap list: lap number, position, lap time; lap 0 is the start.
HEAT_2 = "0 3\n1 2 0:23.912\n2 2 0:23.644\n3 1 23.851\n4 1 23.702\n5 1 23.6\n6 1 23.955\n7 1 23.71"


def seed(data_dir: Path) -> None:
    """Lena in a session with one heat recorded and a setup change made after it, written into
    the server's database as the app would (in a thread: Playwright runs a loop here)."""

    async def write() -> None:
        await database.connect(f"sqlite://{data_dir / 'pitbox.sqlite3'}")
        try:
            lena = await profile_service.create_profile("Lena")
            await profile_service.set_default_profile(lena.id)
            car = await garage.add_vehicle(lena.id, "Xray", "XB8")
            session = await sessions.start_session(
                lena.id, car.id, "Hilltop club day", "Practice", date(2026, 5, 17),
                racing_classes=["1/8 Nitro Buggy"],
            )  # fmt: skip
            await results.add_run(lena.id, session.id, "Practice 1", "1/8 Nitro Buggy",
                                  laps_text=HEAT_1)  # fmt: skip
            twin = await setups.get_twin(lena.id, session.id)
            await setups.edit_twin(
                lena.id, session.id, {"diff_front": 5000}, expected_version=twin.version
            )
            await results.refresh_outcomes(lena.id, session.id)
        finally:
            await database.disconnect()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, write()).result(timeout=60)


def open_scoreboard(page: Page, url: str) -> None:
    open_app(page, url)
    page.get_by_role("tab", name="Scoreboard").click()
    expect(page.get_by_text("Record a heat")).to_be_visible()


def test_paste_a_heat_and_see_whether_the_change_worked(server, phone, tmp_path):
    seed(tmp_path)
    open_scoreboard(phone, server.url)
    box = phone.get_by_label("Lap times")
    expect(phone.get_by_text("Did it work? Run a heat and record its laps to see.")).to_be_visible()

    box.fill(HEAT_2.replace("0:23.644", "0:23,644").replace("23.702", "2.3702"))
    phone.get_by_role("button", name="Save heat").click()
    expect(
        phone.get_by_text("Line 3, item 3: “0:23,644”: write decimals with a point")
    ).to_be_visible()
    expect(phone.get_by_text("Line 5, item 3: Lap “2.3702” must be between 5")).to_be_visible()
    assert_fits_phone(phone)
    shot(phone, "phone-scoreboard-entry-error")

    box.fill(HEAT_2)
    expect(phone.get_by_text("7 laps read")).to_be_visible()
    shot(phone, "phone-scoreboard-entry")
    phone.get_by_role("button", name="Save heat").click()
    expect(phone.get_by_text("Saved Heat 2")).to_be_visible()
    card = phone.locator(".q-card").filter(has_text="Heat 2").filter(has_text="Consistency")
    expect(card).to_contain_text("23.600")  # best
    expect(card).to_contain_text("23.768")  # average: 166.374 / 7
    # scrolled to the new card after saving: it starts right below the header
    header = phone.locator(".q-header").bounding_box()
    phone.wait_for_function(
        "([id, header]) => Math.abs(document.getElementById(id).getBoundingClientRect().top"
        " - header) < 40",
        arg=[card.get_attribute("id"), header["height"]],
    )
    assert_fits_phone(phone)
    assert_tap_targets(phone)
    shot(phone, "phone-scoreboard-stats")

    chart = phone.locator(".nicegui-echart")
    expect(chart.locator("canvas")).to_have_count(1)
    verdict = phone.locator(".q-card").filter(has_text="Front diff (Diffs)")
    expect(verdict).to_contain_text("Faster")
    chart.evaluate("e => e.scrollIntoView({block: 'center'})")
    shot(phone, "phone-scoreboard-chart")
    verdict.evaluate("e => e.scrollIntoView({block: 'center'})")
    shot(phone, "phone-scoreboard-verdict")


def test_the_scoreboard_on_a_desktop(server, browser, tmp_path):
    seed(tmp_path)
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        open_scoreboard(page, server.url)
        page.get_by_label("Lap times").fill(HEAT_2)
        page.get_by_role("button", name="Save heat").click()
        expect(page.get_by_text("Saved Heat 2")).to_be_visible()
        expect(page.locator(".nicegui-echart canvas")).to_have_count(1)
        shot(page, "desktop-scoreboard")
    finally:
        context.close()

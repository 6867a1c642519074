"""The racing workspace on a real server in headless Chromium at phone size: a car with its
reference setup, a session with track conditions, tuning the twin, and closing the day."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from playwright.sync_api import Page, expect
from tortoise import Tortoise
from tortoise.context import TortoiseContext

from services import database, profile_service, sessions, setups
from tests.browser.conftest import DESKTOP, shot
from tests.browser.test_phone_flows import assert_fits_phone, assert_tap_targets, open_app


def on_database(server, call: Callable[[], Awaitable[Any]]) -> Any:
    """Run service calls against the server's own database, as another device would."""

    async def run() -> Any:
        with TortoiseContext():
            await Tortoise.init(config=database.tortoise_config(server.database_url))
            try:
                return await call()
            finally:
                await Tortoise.close_connections()

    # A thread of its own: Playwright's sync API keeps an event loop busy in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result(timeout=30)


def number(page: Page, label: str, nth: int = 0):
    return page.get_by_role("spinbutton", name=label).nth(nth)


def test_a_day_at_the_track_on_a_phone(server, phone):
    page = phone
    open_app(page, server.url)

    # A car, then its reference setup with the thumb: steppers and a number keyboard.
    page.get_by_label("Brand").fill("Tekno")
    page.get_by_label("Model", exact=True).fill("NB48 2.2")
    page.get_by_role("button", name="Add car").click()
    expect(page.get_by_text("Added Tekno NB48 2.2")).to_be_visible()
    page.get_by_role("button", name="Reference setup").click()
    expect(page.get_by_text("Reference setup").first).to_be_visible()
    number(page, "Shock oil", 0).fill("450")
    number(page, "Shock oil", 1).fill("400")
    number(page, "Camber", 0).fill("9")
    page.get_by_role("button", name="Save setup").click()
    expect(page.get_by_text("Camber must be between -6 and 2 °")).to_be_visible()
    shot(page, "phone-reference-error")
    number(page, "Camber", 0).fill("-2")
    page.get_by_role("button", name="More toe (Front)").click()  # empty: starts from the example
    page.get_by_role("button", name="Less toe (Front)").click()
    expect(number(page, "Toe", 0)).to_have_value("-1.5")
    assert_tap_targets(page)
    shot(page, "phone-reference-setup")
    page.get_by_role("button", name="Save setup").click()
    expect(page.get_by_text("Reference setup saved")).to_be_visible()

    # A session with its track conditions.
    page.get_by_role("tab", name="Event").click()
    page.get_by_label("Session name").fill("Hilltop practice")
    page.get_by_label("Track", exact=True).fill("Hilltop")
    page.get_by_label("Traction").click()
    page.get_by_role("option", name="High").click()
    page.get_by_label("Surface").click()
    page.get_by_role("option", name="Loam").click()
    assert_fits_phone(page)
    shot(page, "phone-event-start")
    page.get_by_role("button", name="Start session").click()
    expect(page.get_by_text("Session “Hilltop practice” started")).to_be_visible()
    expect(page.get_by_text("Track conditions now")).to_be_visible()

    # The twin: edit it, see the drift.
    page.get_by_role("tab", name="Setup").click()
    expect(page.get_by_text("Same as the car's reference setup")).to_be_visible()
    page.get_by_text("Edit the setup").click()
    number(page, "Shock oil", 0).fill("500")
    page.get_by_label("Why (optional)").fill("Bumpy after the rain")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Saved 1 change")).to_be_visible()
    expect(page.get_by_text("1 parameter changed from the reference")).to_be_visible()
    expect(page.get_by_text("450 cSt → 500 cSt").first).to_be_visible()

    # Two proposals arrive (the advisor's job): accept one, deny the other.
    async def propose() -> list[int]:
        racer = await profile_service.get_default_profile()
        active = await sessions.active_session(racer.id)
        first = await setups.propose_change(
            racer.id, active.id, "rear_shock_oil", 350, reasoning="Loose on exit: softer rear"
        )
        second = await setups.propose_change(racer.id, active.id, "rear_toe", 3.5)
        return [first.id, second.id]

    on_database(server, propose)
    page.get_by_role("tab", name="Garage").click()
    page.get_by_role("tab", name="Setup").click()
    expect(page.get_by_text("Waiting for you (2)")).to_be_visible()
    assert_fits_phone(page)
    assert_tap_targets(page)
    shot(page, "phone-setup-pending")
    page.locator(".q-card").filter(has_text="Shock oil (Rear)").get_by_role(
        "button", name="Accept"
    ).click()
    expect(page.get_by_text("Accepted: Shock oil (Rear): 400 cSt → 350 cSt")).to_be_visible()
    page.locator(".q-card").filter(has_text="Toe (Rear)").get_by_role("button", name="Deny").click()
    expect(page.get_by_text("Denied: Toe (Rear)")).to_be_visible()
    expect(page.get_by_text("2 parameters changed from the reference")).to_be_visible()
    shot(page, "phone-setup-drift")

    page.get_by_role("button", name="Undo last").click()
    expect(page.get_by_text("Undone: Shock oil (Rear): 350 cSt → 400 cSt")).to_be_visible()
    expect(page.get_by_text("1 parameter changed from the reference")).to_be_visible()

    # Close the day with a few words.
    page.get_by_role("tab", name="Event").click()
    page.get_by_role("button", name="End session").click()
    page.get_by_role("button", name="4", exact=True).click()
    page.get_by_label("Summary (optional)").fill("Better on the bumps")
    page.get_by_role("button", name="End session").last.click()
    expect(page.get_by_text("Session ended and kept in History")).to_be_visible()
    expect(page.get_by_text("Start a session")).to_be_visible()

    async def closed():
        racer = await profile_service.get_default_profile()
        return await sessions.track_names(racer.id)

    (track,) = on_database(server, closed)
    assert (track.name, track.track_context) == ("Hilltop", {"traction": "High", "surface": "Loam"})


def test_typed_twin_edits_survive_closing_the_page_and_a_restart(server, browser, phone):
    page = phone
    open_app(page, server.url)
    page.get_by_label("Brand").fill("Mugen")
    page.get_by_label("Model", exact=True).fill("MBX8R")
    page.get_by_role("button", name="Add car").click()
    page.get_by_role("tab", name="Event").click()
    page.get_by_label("Session name").fill("Club day")
    page.get_by_role("button", name="Start session").click()
    expect(page.get_by_text("Active session")).to_be_visible()
    page.get_by_role("tab", name="Setup").click()
    page.get_by_text("Edit the setup").click()
    number(page, "Venturi").fill("7.2")  # typed, never leaving the field
    page.wait_for_timeout(1800)  # a moment, as a racer does before locking the phone
    page.close()

    server.restart()
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)  # fmt: skip
    try:
        again = context.new_page()
        open_app(again, server.url)
        again.get_by_role("tab", name="Setup").click()
        expect(again.get_by_text("Your unsaved edits are back")).to_be_visible()
        expect(number(again, "Venturi")).to_have_value("7.2")
    finally:
        context.close()


def test_workspace_screens_on_a_desktop(server, browser):
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        open_app(page, server.url)
        page.get_by_label("Brand").fill("Tekno")
        page.get_by_label("Model", exact=True).fill("NB48 2.2")
        page.get_by_role("button", name="Add car").click()
        expect(page.get_by_text("Added Tekno NB48 2.2")).to_be_visible()
        shot(page, "desktop-garage")
        page.get_by_role("button", name="Reference setup").click()
        number(page, "Front diff").fill("7000")
        shot(page, "desktop-reference-setup")
        page.get_by_role("button", name="Save setup").click()
        page.get_by_role("tab", name="Event").click()
        page.get_by_label("Session name").fill("Hilltop practice")
        shot(page, "desktop-event")
        page.get_by_role("button", name="Start session").click()
        expect(page.get_by_text("Active session")).to_be_visible()
        page.get_by_role("tab", name="Setup").click()
        page.get_by_text("Edit the setup").click()
        number(page, "Front diff").fill("8000")
        page.get_by_role("button", name="Save changes").click()
        expect(page.get_by_text("1 parameter changed from the reference")).to_be_visible()
        shot(page, "desktop-setup")
    finally:
        context.close()

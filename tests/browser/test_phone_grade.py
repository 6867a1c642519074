"""What a racer meets on a phone in the first minutes, that only a real browser shows: the Back
button, the keyboard's Go key, a dropped Wi-Fi, a page closed mid-typing, one-thumb reach."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, shot
from tests.browser.test_phone_flows import chip, create_racer, open_app, open_selector
from tests.tcp_proxy import TcpProxy
from ui.components import OPEN_DIALOGS

LOCAL_DRAFTS = "Object.keys(localStorage).filter(k => k.startsWith('pitbox.draft|')).length"


def open_dialogs(page: Page):
    return page.locator(OPEN_DIALOGS)


def test_back_closes_the_open_dialog_instead_of_leaving_the_app(server, phone):
    open_app(phone, server.url)
    open_selector(phone)
    phone.get_by_text("New racer").click()
    expect(phone.get_by_label("Name", exact=True)).to_be_visible()
    expect(open_dialogs(phone)).to_have_count(2)

    phone.go_back()  # the racer form closes, the racer list stays
    expect(open_dialogs(phone)).to_have_count(1)
    expect(phone.get_by_text("New racer")).to_be_visible()
    phone.go_back()  # then the racer list
    expect(open_dialogs(phone)).to_have_count(0)
    assert urlsplit(phone.url).path == "/"
    expect(chip(phone)).to_contain_text("Default Racer")

    # The server heard the dialogs close: the list opens again, with a working form.
    open_selector(phone)
    phone.get_by_text("New racer").click()
    expect(phone.get_by_label("Name", exact=True)).to_be_visible()

    # Dialogs closed by their own buttons: the next Back is not swallowed by a dialog that is
    # gone, it leaves the app in one press, as it does when no dialog was ever opened.
    phone.get_by_role("button", name="Cancel").click()
    expect(open_dialogs(phone)).to_have_count(1)
    phone.keyboard.press("Escape")
    expect(open_dialogs(phone)).to_have_count(0)
    phone.go_back()
    phone.wait_for_url("about:blank")


def test_go_on_the_phone_keyboard_submits_the_form(server, phone):
    open_app(phone, server.url)
    open_selector(phone)
    phone.get_by_text("New racer").click()
    name = phone.get_by_label("Name", exact=True)
    name.fill("Lena")
    assert name.get_attribute("enterkeyhint") == "go"
    name.press("Enter")
    expect(phone.get_by_text("Added Lena")).to_be_visible()
    expect(phone.locator(OPEN_DIALOGS).get_by_text("Lena", exact=True)).to_have_count(1)
    phone.keyboard.press("Escape")
    expect(open_dialogs(phone)).to_have_count(0)

    phone.get_by_label("Brand").fill("Xray")
    phone.get_by_label("Model").fill("XB8")
    assert phone.get_by_label("Model").get_attribute("enterkeyhint") == "go"
    phone.get_by_label("Model").press("Enter")
    expect(phone.get_by_text("Added Xray XB8")).to_be_visible()
    # Once: Enter taps the button, with the button's guard against a second tap.
    expect(phone.get_by_text("Xray XB8", exact=True)).to_have_count(1)


@pytest.fixture
def pit_wifi(server, browser):
    """A phone reaching the server through a link the test can drop, like the pit Wi-Fi:
    the link, the phone's browser and the address it opens."""
    proxy = TcpProxy(("127.0.0.1", server.port))
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        yield proxy, context, f"http://127.0.0.1:{proxy.port}/"
    finally:
        context.close()
        proxy.cut()


def test_typing_during_a_dropped_wifi_survives_closing_the_page(pit_wifi):
    proxied, context, url = pit_wifi
    page = context.new_page()
    open_app(page, url)
    brand = page.get_by_label("Brand")
    brand.fill("Mug")
    page.wait_for_timeout(1800)  # saved by the server: nothing is left to keep locally
    assert page.evaluate(LOCAL_DRAFTS) == 0

    proxied.cut()  # the Wi-Fi drops; the racer keeps typing
    expect(page.locator("#popup")).to_have_attribute("aria-hidden", "false", timeout=10_000)
    expect(page.locator("#popup")).to_contain_text("No connection to Pitbox")
    expect(page.locator("#popup")).to_contain_text("What you type stays on this phone")
    # Shown after two seconds without a connection (a blink of the Wi-Fi says nothing).
    page.wait_for_function("getComputedStyle(document.getElementById('popup')).opacity === '1'")
    shot(page, "phone-connection-lost")
    box = page.locator("#popup").bounding_box()
    assert box is not None and box["y"] < 10, "the connection notice belongs at the top"
    brand.fill("Mugen")
    page.get_by_label("Model").fill("MBX8R")
    assert page.evaluate(LOCAL_DRAFTS) == 2
    page.close()  # the phone closes the page before the Wi-Fi is back

    proxied.restore()
    page = context.new_page()
    open_app(page, url)
    expect(page.get_by_label("Brand")).to_have_value("Mugen")
    expect(page.get_by_label("Model")).to_have_value("MBX8R")
    # The server got it back too, and said so: the phone's copies are let go.
    page.wait_for_function(f"{LOCAL_DRAFTS} === 0", timeout=10_000)

    # Saved for real: the draft is gone everywhere.
    page.get_by_role("button", name="Add car").click()
    expect(page.get_by_text("Added Mugen MBX8R")).to_be_visible()
    page.reload()
    expect(page.locator(".q-header")).to_contain_text("Pitbox")
    page.get_by_text("Add a car").click()
    expect(page.get_by_label("Brand")).to_have_value("")


def test_typing_offline_into_the_folded_add_car_form_unfolds_it_again(pit_wifi):
    """Once the racer has a car, "Add a car" is folded and its fields are built only when it
    is unfolded; what was typed into it offline unfolds it again when the page reopens."""
    proxied, context, url = pit_wifi
    page = context.new_page()
    open_app(page, url)
    page.get_by_label("Brand").fill("Xray")
    page.get_by_label("Model").fill("XB8")
    page.get_by_role("button", name="Add car").click()
    expect(page.get_by_text("Xray XB8", exact=True)).to_be_visible()
    expect(page.get_by_label("Brand")).to_have_count(0)  # folded, and not built

    page.get_by_text("Add a car").click()
    expect(page.get_by_label("Brand")).to_be_visible()  # built by the server, then the cut
    proxied.cut()
    expect(page.locator("#popup")).to_have_attribute("aria-hidden", "false", timeout=10_000)
    page.get_by_label("Brand").fill("Mugen")
    assert page.evaluate(LOCAL_DRAFTS) == 1
    page.close()

    proxied.restore()
    page = context.new_page()
    open_app(page, url)
    expect(page.get_by_label("Brand")).to_have_value("Mugen")
    page.wait_for_function(f"{LOCAL_DRAFTS} === 0", timeout=10_000)  # the server has it too
    page.reload()  # now the server's draft keeps the form unfolded
    expect(page.get_by_label("Brand")).to_have_value("Mugen")


def test_a_page_that_reconnects_keeps_what_was_typed(pit_wifi):
    proxied, context, url = pit_wifi
    page = context.new_page()
    open_app(page, url)
    expect(page.get_by_label("Brand")).to_be_visible()
    proxied.cut()
    expect(page.locator("#popup")).to_have_attribute("aria-hidden", "false", timeout=10_000)
    page.get_by_label("Brand").fill("Tekno")
    proxied.restore()  # the phone wakes up on the Wi-Fi again
    expect(page.locator("#popup")).to_have_attribute("aria-hidden", "true", timeout=20_000)
    expect(page.get_by_label("Brand")).to_have_value("Tekno")
    page.get_by_label("Model").fill("EB48")
    page.get_by_role("button", name="Add car").click()
    expect(page.get_by_text("Added Tekno EB48")).to_be_visible()


def test_local_copies_of_one_racer_never_fill_another_racers_form(server, phone):
    open_app(phone, server.url)
    # A copy the server never confirmed, left by racer 1's form on this phone.
    phone.evaluate(
        "localStorage.setItem('pitbox.draft|999|garage.add_car|brand', "
        "JSON.stringify({value: 'Not mine'}))"
    )
    phone.reload()
    expect(phone.locator(".q-header")).to_contain_text("Pitbox")
    expect(phone.get_by_label("Brand")).to_have_value("")


def _box(page: Page, selector: str) -> dict:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not on screen"
    return box


def test_main_actions_sit_within_the_thumbs_reach(server, phone):
    open_app(phone, server.url)
    expect(phone.locator(".thumb-racer button")).to_be_visible()
    footer_top = _box(phone, ".q-footer")["y"]
    add = _box(phone, "text=Add car >> visible=true")
    assert add["y"] + add["height"] <= footer_top, "Add car hides under the tab bar"

    # The racer is switched from the bottom bar, not only from the top corner.
    racer = _box(phone, ".thumb-racer button")
    assert racer["y"] >= footer_top and racer["height"] >= 48 and racer["width"] >= 48
    phone.locator(".thumb-racer button").click()
    expect(phone.get_by_text("New racer")).to_be_visible()
    phone.go_back()
    expect(open_dialogs(phone)).to_have_count(0)

    phone.get_by_label("Brand").fill("Xray")
    phone.get_by_label("Model").fill("XB8")
    phone.get_by_role("button", name="Add car").click()
    expect(phone.get_by_text("Added Xray XB8")).to_be_visible()
    phone.get_by_role("tab", name="Event").click()
    start = _box(phone, "text=Start session >> visible=true")
    assert start["y"] + start["height"] <= footer_top, "Start session is below the fold"
    shot(phone, "phone-event-reach")


def test_a_phone_on_its_side_leaves_the_screen_to_the_content(server, browser):
    context = browser.new_context(viewport={"width": 844, "height": 390}, is_mobile=True,
                                  has_touch=True)  # fmt: skip
    try:
        page = context.new_page()
        page.goto(server.url)
        expect(page.get_by_text("garage", exact=False).first).to_be_visible()
        expect(page.locator(".q-header")).to_be_hidden()
        footer = _box(page, ".q-footer")
        assert footer["height"] <= 0.15 * 390, f"the tab bar takes {footer['height']} px of 390"
        page.locator(".thumb-racer button").click()
        expect(page.get_by_text("New racer")).to_be_visible()
        shot(page, "phone-landscape-selector")
    finally:
        context.close()


def test_a_desktop_keeps_the_racer_in_the_header_only(server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        open_app(page, server.url)
        expect(page.locator(".thumb-racer button")).to_be_hidden()
        expect(chip(page)).to_be_visible()
    finally:
        context.close()


def test_a_new_tab_on_the_same_phone_opens_on_the_racer_it_used_last(server, browser):
    phone_a = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone_b = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = phone_a.new_page()
        open_app(page, server.url)
        open_selector(page)
        create_racer(page, "Lena")
        page.locator(OPEN_DIALOGS).get_by_text("Lena", exact=True).click()
        expect(chip(page)).to_contain_text("Lena")

        # A new tab on Lena's phone opens on Lena; a phone that never chose, on the default.
        expect(chip(open_page(phone_a, server.url))).to_contain_text("Lena")
        expect(chip(open_page(phone_b, server.url))).to_contain_text("Default Racer")
    finally:
        phone_a.close()
        phone_b.close()


def open_page(context, url: str) -> Page:
    page = context.new_page()
    open_app(page, url)
    return page


def test_one_message_at_a_time_never_over_the_field_in_use(server, phone):
    open_app(phone, server.url)
    for model in ("XB8", "XB4"):
        if model == "XB4":  # the form folds away once the garage has a car
            phone.get_by_text("Add a car").click()
        phone.get_by_label("Brand").fill("Xray")
        phone.get_by_label("Model").fill(model)
        phone.get_by_role("button", name="Add car").click()
        expect(phone.get_by_text(f"Added Xray {model}")).to_be_visible()
        expect(phone.get_by_text(f"Xray {model}", exact=True)).to_be_visible()  # garage redrawn
    expect(phone.locator(".q-notification")).to_have_count(1)
    phone.wait_for_function("document.getAnimations().length === 0")  # slid into place
    message = _box(phone, ".q-notification")
    header = _box(phone, ".q-header")
    assert message["y"] >= header["y"] + header["height"] - 1, "the message covers the header"

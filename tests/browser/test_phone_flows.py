"""The flows that matter most, in headless Chromium at phone size (390 x 844) on a real server."""

from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE, shot
from ui.components import OPEN_DIALOGS


def open_app(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator(".q-header")).to_contain_text("Pitbox")
    expect(page.get_by_text("garage", exact=False).first).to_be_visible()


def chip(page: Page):
    return page.locator(".q-header button").first


def open_selector(page: Page) -> None:
    chip(page).click()
    expect(page.get_by_text("New racer")).to_be_visible()


def assert_fits_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page scrolls sideways: {width}px wide"


def assert_tap_targets(page: Page, selector: str = ".tap") -> None:
    # Layout sizes (offsetWidth/Height), not on-screen boxes: a dialog that is still zooming in
    # would otherwise look tiny.
    small = page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
            .filter(e => e.offsetParent !== null && e.offsetWidth > 0)
            .filter(e => e.offsetWidth < 48 || e.offsetHeight < 48)
            .map(e => `${e.textContent.trim()}: ${e.offsetWidth}x${e.offsetHeight}`)""",
        selector,
    )
    assert small == [], f"tap targets under 48 px: {small}"


def manage_racers(page: Page) -> None:
    """Switch the open selector to manage mode, where the cards show their actions."""
    page.get_by_role("button", name="Manage racers").click()
    expect(page.get_by_role("button", name="Done")).to_be_visible()


def create_racer(page: Page, name: str) -> None:
    page.get_by_text("New racer").click()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text(f"Added {name}")).to_be_visible()


def test_first_run_and_selector_on_a_phone(server, phone):
    open_app(phone, server.url)
    expect(chip(phone)).to_contain_text("Default Racer")
    assert_fits_phone(phone)
    shot(phone, "phone-garage-first-run")

    open_selector(phone)
    phone.get_by_text("New racer").click()
    phone.get_by_role("button", name="Save").click()
    expect(phone.get_by_text("Name is required")).to_be_visible()
    shot(phone, "phone-new-racer-error")
    phone.get_by_label("Name", exact=True).fill("Lena")
    phone.get_by_role("button", name="Save").click()
    expect(phone.get_by_text("Added Lena")).to_be_visible()
    expect(phone.locator(OPEN_DIALOGS).get_by_text("Lena", exact=True)).to_be_visible()
    assert_fits_phone(phone)
    assert_tap_targets(phone)
    shot(phone, "phone-selector")


# Buttons a screen reader could only call "button": no text besides an icon, no aria-label.
UNNAMED_BUTTONS = """(r) => [...document.querySelectorAll(`${r} button, ${r} [role=button]`)]
    .filter(b => b.offsetParent !== null)
    .filter(b => {
        const text = b.cloneNode(true);
        text.querySelectorAll('.q-icon').forEach(i => i.remove());
        return !b.getAttribute('aria-label') && !text.textContent.trim();
    })
    .map(b => b.outerHTML.slice(0, 120))"""


def test_cards_are_for_choosing_and_manage_mode_has_named_actions(server, phone):
    open_app(phone, server.url)
    open_selector(phone)
    create_racer(phone, "Lena")
    create_racer(phone, "<b>Mika</b>")
    dialog = phone.locator(OPEN_DIALOGS)
    expect(dialog.get_by_text("Lena", exact=True)).to_be_visible()
    expect(dialog.get_by_text("<b>Mika</b>", exact=True)).to_be_visible()  # as text
    expect(dialog.get_by_text("This tab", exact=True)).to_be_visible()
    expect(dialog.get_by_text("Default", exact=True)).to_be_visible()
    expect(dialog.get_by_role("button", name="Switch to Lena")).to_be_visible()
    expect(
        dialog.get_by_role("button", name="Switch to Default Racer 0 cars · 0 sessions")
    ).to_be_visible()  # what the card shows, said to a screen reader too
    for name in ("Delete", "Edit", "Export", "Make default"):  # choosing only
        expect(dialog.get_by_role("button", name=name)).to_have_count(0)
    assert phone.evaluate(UNNAMED_BUTTONS, OPEN_DIALOGS) == []
    assert_fits_phone(phone)
    assert_tap_targets(phone)
    shot(phone, "phone-selector-choose")

    manage_racers(phone)
    for name in (
        "Make default: Lena",
        "Edit Lena",
        "Export Lena",
        "Delete Lena",
        "Edit Default Racer",
        "Delete Default Racer",
        "New racer",
        "Import a racer",
    ):
        expect(dialog.get_by_role("button", name=name)).to_be_visible()  # fmt: skip
    expect(dialog.get_by_text("Default", exact=True)).to_have_count(2)  # the tag and the action
    assert phone.evaluate(UNNAMED_BUTTONS, OPEN_DIALOGS) == []
    assert_fits_phone(phone)
    assert_tap_targets(phone)
    expect(phone.locator(".q-notification")).to_have_count(0)  # "Added ..." gone: a clear view
    shot(phone, "phone-selector-manage")

    dialog.get_by_role("button", name="Done").click()
    expect(dialog.get_by_role("button", name="Delete Lena")).to_have_count(0)
    expect(dialog.get_by_role("button", name="Manage racers")).to_be_visible()
    dialog.get_by_role("button", name="Switch to Lena").click()
    expect(phone.get_by_text("Now working as Lena")).to_be_visible()
    expect(dialog).to_have_count(0)  # the selector closed once the switch was drawn


def test_start_session_then_switch_with_warning(server, phone):
    open_app(phone, server.url)
    phone.get_by_label("Brand").fill("Tekno")
    phone.get_by_label("Model", exact=True).fill("NB48 2.2")
    phone.get_by_role("button", name="Add car").click()
    expect(phone.get_by_text("Added Tekno NB48 2.2")).to_be_visible()

    phone.get_by_role("tab", name="Event").click()
    phone.get_by_label("Session name").fill("Hilltop practice")
    phone.get_by_role("button", name="Start session").click()
    expect(phone.get_by_text("Session “Hilltop practice” started")).to_be_visible()
    assert_fits_phone(phone)
    shot(phone, "phone-session-started")

    open_selector(phone)
    create_racer(phone, "Lena")
    expect(phone.get_by_text("In session")).to_be_visible()
    phone.locator(OPEN_DIALOGS).get_by_text("Lena", exact=True).click()
    warning = phone.locator(OPEN_DIALOGS).filter(has_text="Switch to Lena?")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Session “Hilltop practice”")
    expect(warning).not_to_contain_text("pending")  # nothing waiting: nothing to say about it
    assert_tap_targets(phone)
    shot(phone, "phone-switch-warning")
    warning.get_by_role("button", name="Switch to Lena").click()
    expect(phone.get_by_text("Now working as Lena")).to_be_visible()
    expect(chip(phone)).to_contain_text("Lena")
    expect(phone.get_by_text("Hilltop practice")).to_have_count(0)
    shot(phone, "phone-switched")

    # Back to Default Racer: the session is there again, where it was left.
    open_selector(phone)
    phone.locator(OPEN_DIALOGS).get_by_text("Default Racer", exact=True).click()
    expect(phone.get_by_text("Active session")).to_be_visible()
    expect(phone.get_by_text("Hilltop practice")).to_be_visible()
    shot(phone, "phone-session-resumed")


def test_set_default_survives_a_server_restart(server, browser, phone):
    open_app(phone, server.url)
    open_selector(phone)
    create_racer(phone, "Lena")
    manage_racers(phone)
    phone.get_by_role("button", name="Make default: Lena").click()
    expect(phone.get_by_text("Lena is now the default racer")).to_be_visible()
    shot(phone, "phone-default-set")

    server.restart()
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        fresh_tab = context.new_page()
        open_app(fresh_tab, server.url)
        expect(chip(fresh_tab)).to_contain_text("Lena")
    finally:
        context.close()


def test_selector_on_a_desktop(server, browser):
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        open_app(page, server.url)
        open_selector(page)
        for name in ("Lena", "Coach Mike"):
            create_racer(page, name)
        shot(page, "desktop-selector")
        cards = page.locator(OPEN_DIALOGS).locator(".racer-card")
        boxes = [cards.nth(i).bounding_box() for i in range(3)]
        assert len({round(b["y"]) for b in boxes}) == 1, "desktop shows the cards side by side"
        manage_racers(page)
        expect(page.get_by_role("button", name="Delete Coach Mike")).to_be_visible()
        shot(page, "desktop-selector-manage")
    finally:
        context.close()


def test_a_tab_keeps_its_racer_across_a_server_restart(server, browser, phone):
    open_app(phone, server.url)
    open_selector(phone)
    create_racer(phone, "Lena")
    phone.locator(OPEN_DIALOGS).get_by_text("Lena", exact=True).click()
    expect(phone.get_by_text("Now working as Lena")).to_be_visible()
    phone.get_by_label("Brand").fill("Xray")  # typed for Lena, never leaving the field
    phone.wait_for_timeout(1500)

    server.restart()  # the server forgets every tab
    # The page notices the restart and reloads itself; open it again in the same tab either way.
    phone.goto(server.url)
    expect(chip(phone)).to_contain_text("Lena")  # the same tab, still Lena
    expect(phone.get_by_label("Brand")).to_have_value("Xray")
    expect(phone.get_by_text("has been deleted")).to_have_count(0)

    # A new tab on the same phone opens on the racer this phone used last.
    other = phone.context.new_page()
    open_app(other, server.url)
    expect(chip(other)).to_contain_text("Lena")
    other.close()

    # Another phone that never chose opens on the default racer.
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        stranger = context.new_page()
        open_app(stranger, server.url)
        expect(chip(stranger)).to_contain_text("Default Racer")
    finally:
        context.close()


def test_a_tab_whose_racer_was_deleted_during_a_restart_says_so(server, phone):
    open_app(phone, server.url)
    open_selector(phone)
    create_racer(phone, "Lena")
    phone.locator(OPEN_DIALOGS).get_by_text("Lena", exact=True).click()
    expect(phone.get_by_text("Now working as Lena")).to_be_visible()
    server.stop()
    server.start()
    other = phone.context.browser.new_context(viewport=PHONE).new_page()
    open_app(other, server.url)
    open_selector(other)
    manage_racers(other)
    other.get_by_role("button", name="Delete Lena").click()
    other.get_by_role("button", name="Delete", exact=True).click()
    expect(other.get_by_text("Deleted Lena")).to_be_visible()
    other.context.close()

    # The page notices the restart and reloads itself; open it again in the same tab either way.
    phone.goto(server.url)
    expect(chip(phone)).to_contain_text("Default Racer")
    expect(phone.get_by_text("The racer this tab was using has been deleted")).to_be_visible()

"""The Devices page on the laptop: the password, the QR code, choosing a password."""

import json

from nicegui.testing import User

from services import access as access_service
from tests.ui.test_racer_selector import open_app, wait_for
from ui import access


async def test_the_laptop_sees_the_devices_button_and_page(user: User):
    await open_app(user)
    await user.should_see(marker="open-devices")

    await user.open("/devices")

    await user.should_see(marker="join-qr")
    await user.should_see(access.control().shown_password)


async def test_choosing_a_password_keeps_only_its_hash(user: User, tmp_path):
    await user.open("/devices")
    user.find(marker="choose-password").click()
    await user.should_see(marker="new-password")
    user.find(marker="new-password").type("short")
    user.find(marker="save-password").click()
    field = user.find(marker="new-password").elements.pop()
    await wait_for(lambda: field.error == "Use at least 8 characters")

    user.find(marker="new-password").clear().type("hilltop raceway 2026")
    user.find(marker="save-password").click()
    await user.should_see("Password changed", retries=50)

    stored = json.loads((tmp_path / access_service.ACCESS_FILE_NAME).read_text())
    assert "password" not in stored and stored["password_hash"].startswith("$argon2id$")
    await user.should_see("You chose the password, so it is not shown.")
    assert (await access.control().log_in("hilltop raceway 2026", "10.0.0.7")).accepted

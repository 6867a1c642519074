"""A racer's PIN, as racers use it: set it in the racer form; switching to a locked racer,
editing or deleting them asks for it."""

import pytest
from nicegui.testing import User

from models import RacerProfile
from services import access, profile_service
from tests.ui.test_racer_selector import (
    current_racer,
    manage,
    open_app,
    open_selector,
    type_into,
    wait_for,
)


@pytest.fixture(autouse=True)
def _fresh_pin_tries():
    access.PIN_TRIES._keys.clear()


async def locked_racer(name: str = "Lena", pin: str = "4821") -> RacerProfile:
    await profile_service.get_or_create_default_profile()  # the tab opens on the default
    racer = await profile_service.create_profile(name)
    await access.set_pin(racer.id, pin)
    return racer


async def type_pin(user: User, pin: str) -> None:
    await user.should_see(marker="pin-dialog")
    user.find(marker="pin-input").clear().type(pin)
    user.find(marker="unlock").click()


async def test_set_a_pin_in_the_racer_form(user: User):
    racer = await profile_service.create_profile("Lena")
    await open_app(user)
    await manage(user)
    user.find(marker=f"edit-{racer.id}").click()
    await user.should_see(marker="racer-form")

    user.find(marker="racer-pin").type("12a")
    user.find(marker="save-racer").click()
    field = user.find(marker="racer-pin").elements.pop()
    await wait_for(lambda: field.error == "A PIN is 4 to 8 digits")
    assert not await access.is_locked(racer.id)

    user.find(marker="racer-pin").clear().type("4821")
    user.find(marker="save-racer").click()
    await user.should_see("Saved", retries=50)
    assert await access.is_locked(racer.id)
    await user.should_see(marker=f"locked-{racer.id}")


async def test_switching_to_a_locked_racer_asks_for_the_pin(user: User):
    lena = await locked_racer()
    await open_app(user)
    await open_selector(user)
    user.find(marker=f"switch-to-{lena.id}").click()

    await type_pin(user, "0000")
    field = user.find(marker="pin-input").elements.pop()
    await wait_for(lambda: field.error == "Wrong PIN")
    assert await current_racer(user) == "Default Racer"

    await type_pin(user, "4821")
    await user.should_see("Now working as Lena", retries=50)
    assert await current_racer(user) == "Lena"


async def test_cancelling_the_pin_keeps_the_racer(user: User):
    lena = await locked_racer()
    await open_app(user)
    await open_selector(user)
    user.find(marker=f"switch-to-{lena.id}").click()
    await user.should_see(marker="pin-dialog")
    user.find("Cancel").click()
    dialog = user.find(marker="pin-dialog").elements.pop()
    await wait_for(lambda: dialog.is_deleted or not dialog.parent_slot.parent.value)
    assert await current_racer(user) == "Default Racer"


async def test_editing_a_locked_racer_asks_for_the_pin_and_can_remove_it(user: User):
    lena = await locked_racer()
    await open_app(user)
    await manage(user)
    user.find(marker=f"edit-{lena.id}").click()
    await type_pin(user, "4821")
    await user.should_see(marker="racer-form", retries=50)

    user.find(marker="remove-pin").click()
    user.find(marker="save-racer").click()
    await user.should_see("Saved", retries=50)
    assert not await access.is_locked(lena.id)


async def test_deleting_a_locked_racer_asks_for_the_pin(user: User):
    lena = await locked_racer()
    await open_app(user)
    await manage(user)
    user.find(marker=f"delete-{lena.id}").click()
    await type_pin(user, "9999")
    field = user.find(marker="pin-input").elements.pop()
    await wait_for(lambda: field.error == "Wrong PIN")
    assert await RacerProfile.filter(id=lena.id).exists()

    await type_pin(user, "4821")
    await user.should_see(marker="confirm-delete", retries=50)
    user.find(marker="confirm-delete").click()
    await user.should_see("Deleted Lena", retries=50)
    assert not await RacerProfile.filter(id=lena.id).exists()


async def test_a_new_tab_landing_on_a_locked_default_racer_asks_for_the_pin(user: User):
    dad = await profile_service.create_profile("Dad")  # the first racer: the default
    await profile_service.create_profile("Lena")
    await access.set_pin(dad.id, "4821")
    await open_app(user)
    await user.should_see(marker="locked-out")
    await user.should_see("Dad's notebook is locked")
    await user.should_not_see(marker="garage-title")  # nothing of Dad's shows

    user.find(marker="locked-unlock").click()
    await type_pin(user, "4821")
    await user.should_see(marker="garage-title")
    await user.should_not_see(marker="locked-out")


async def test_a_browser_given_the_pin_once_is_not_asked_again(user: User, create_user):
    lena = await locked_racer()
    await open_app(user)
    await open_selector(user)
    user.find(marker=f"switch-to-{lena.id}").click()
    await type_pin(user, "4821")
    await user.should_see("Now working as Lena")

    await open_app(user)  # a new page in the same browser opens on Lena, unlocked
    assert await current_racer(user) == "Lena"
    await user.should_see(marker="garage-title")

    stranger: User = create_user()  # another phone that never chose opens on the default
    await open_app(stranger)
    assert await current_racer(stranger) == "Default Racer"


async def test_a_racer_deleted_elsewhere_does_not_open_a_locked_default(user: User):
    dad = await profile_service.create_profile("Dad")
    lena = await profile_service.create_profile("Lena")
    await access.set_pin(dad.id, "4821")
    await open_app(user)
    await user.should_see(marker="locked-out")
    user.find(marker="locked-choose").click()
    await user.should_see(marker=f"switch-to-{lena.id}")
    user.find(marker=f"switch-to-{lena.id}").click()
    await user.should_see("Now working as Lena")
    await profile_service.delete_profile(lena.id)  # from another tab

    await type_into(user, "garage.add_car.brand", "Tekno")
    await type_into(user, "garage.add_car.model", "NB48")
    user.find(marker="add-car-submit").click()
    await user.should_see("The racer this tab was using has been deleted")
    assert await current_racer(user) == "Dad"
    await user.should_see(marker="locked-out")  # Dad's notebook stays closed without his PIN
    await user.should_not_see(marker="garage-title")

"""Garage, Event and Setup as a racer uses them between heats (NiceGUI's simulated user)."""

from __future__ import annotations

import asyncio
from datetime import date

from nicegui.testing import User

from models import ChangeSource, ChangeStatus, RaceSession, SessionStatus, SetupChange, Vehicle
from models.setup_sheet import EXAMPLE_SETUP
from services import drafts, garage, profile_service, sessions, setups
from tests.ui.test_racer_selector import open_app, type_into, unfold, wait_for


async def field(user: User, marker: str):
    await user.should_see(marker=marker)
    return user.find(marker=marker).elements.pop()


async def set_value(user: User, marker: str, value) -> None:
    (await field(user, marker)).value = value


async def eventually(check, attempts: int = 100) -> None:
    """Wait until an async check holds (the database is written shortly after typing)."""
    for _ in range(attempts):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not written in time")


async def racer_with_car(name: str = "Dad", setup: dict | None = None):
    racer = await profile_service.create_profile(name)
    car = await garage.add_vehicle(racer.id, "Tekno", "NB48 2.2", reference_setup=setup)
    return racer, car


async def racer_in_session(name: str = "Dad"):
    racer, car = await racer_with_car(name, EXAMPLE_SETUP)
    session = await sessions.start_session(
        racer.id, car.id, "Hilltop practice", "Practice", date(2026, 5, 17),
        track_context={"traction": "High"}, track_name="Hilltop",
    )  # fmt: skip
    return racer, car, session


# --- Tabs -----------------------------------------------------------------------------------


async def test_quick_taps_on_the_tabs_leave_each_panel_drawn_once(user: User):
    """A panel is built hidden and swapped in when done; a tap that comes while a build is
    still waiting for the database replaces it instead of adding a second copy."""
    racer, car = await racer_with_car()
    await open_app(user)
    await user.should_see(marker=f"car-{car.id}")
    for _ in range(3):  # no waiting between the taps
        user.find(marker="tab-event").click()
        user.find(marker="tab-garage").click()
    garage_panel = user.find(marker="panel-garage").elements.pop()

    def drawn_once() -> bool:
        shown = [child for child in garage_panel if child.visible]
        cards = [e for e in garage_panel.descendants() if f"car-{car.id}" in e._markers]
        return len(list(garage_panel)) == 1 and len(shown) == 1 and len(cards) == 1

    await wait_for(drawn_once, attempts=200)
    await asyncio.sleep(0.3)  # and it stays so once every build has finished
    assert drawn_once()
    await user.should_see(f"{racer.name}'s garage")


# --- Garage ---------------------------------------------------------------------------------


async def test_add_edit_and_delete_a_car(user: User):
    racer = await profile_service.create_profile("Dad")
    await open_app(user)
    await type_into(user, "garage.add_car.brand", "Mugen")
    await type_into(user, "garage.add_car.model", "MBX8R")
    user.find(marker="add-car-submit").click()
    await user.should_see("Added Mugen MBX8R")
    car = await Vehicle.get(profile_id=racer.id)

    user.find(marker=f"car-menu-{car.id}").click()
    user.find(marker=f"edit-car-{car.id}").click()
    await set_value(user, "garage.edit_car.nickname", "Blue car")
    user.find(marker="save-car").click()
    await user.should_see("Car saved")
    await user.should_see("Blue car")
    assert (await Vehicle.get(id=car.id)).nickname == "Blue car"

    user.find(marker=f"car-menu-{car.id}").click()
    user.find(marker=f"delete-car-{car.id}").click()
    await user.should_see("Delete Blue car?")
    await user.should_see("It has no sessions yet.")
    user.find(marker="delete-car-cancel").click()
    assert await Vehicle.exists(id=car.id)  # asked first: nothing gone
    user.find(marker=f"car-menu-{car.id}").click()
    user.find(marker=f"delete-car-{car.id}").click()
    await user.should_see(marker="delete-car-ok")
    user.find(marker="delete-car-ok").click()
    await user.should_see("Deleted Blue car")
    assert not await Vehicle.exists(id=car.id)
    await user.should_see(marker="garage-empty")


async def test_the_same_car_twice_is_refused_beside_the_model(user: User):
    racer, _ = await racer_with_car()
    await open_app(user)
    await unfold(user, "add-car")
    await type_into(user, "garage.add_car.brand", "tekno")
    await type_into(user, "garage.add_car.model", "nb48 2.2")
    user.find(marker="add-car-submit").click()
    model = await field(user, "garage.add_car.model")
    await wait_for(lambda: model.error == "tekno nb48 2.2 is already in this garage")
    assert await Vehicle.filter(profile_id=racer.id).count() == 1


async def test_reference_setup_refuses_a_wrong_value_then_saves(user: User):
    racer, car = await racer_with_car()
    await open_app(user)
    await user.should_see(marker=f"reference-{car.id}")
    user.find(marker=f"reference-{car.id}").click()
    await set_value(user, "reference.front_camber", 9)
    await set_value(user, "reference.diff_front", 7000)
    user.find(marker="reference-save").click()
    camber = await field(user, "reference.front_camber")
    await wait_for(lambda: camber.error == "Camber must be between -6 and 2 °")
    assert (await Vehicle.get(id=car.id)).reference_setup["diff_front"] is None  # nothing saved

    await set_value(user, "reference.front_camber", -2.5)
    user.find(marker="reference-save").click()
    await user.should_see("Reference setup saved")
    saved = (await Vehicle.get(id=car.id)).reference_setup
    assert (saved["diff_front"], saved["front_camber"]) == (7000, -2.5)
    assert await drafts.load_drafts(racer.id) == {}


async def test_typed_reference_setup_comes_back_after_the_page_closed(user: User, create_user):
    racer, car = await racer_with_car()
    await open_app(user)
    await user.should_see(marker=f"reference-{car.id}")
    user.find(marker=f"reference-{car.id}").click()
    await set_value(user, "reference.rear_shock_oil", 425)

    async def kept() -> bool:
        draft = (await drafts.load_drafts(racer.id)).get(f"garage.reference:{car.id}")
        return bool(draft) and draft["values"]["rear_shock_oil"] == 425

    await eventually(kept)  # saved while typing, without leaving the field

    phone: User = create_user()  # the page closed; another opens it
    await open_app(phone)
    await phone.should_see(marker=f"reference-{car.id}")
    phone.find(marker=f"reference-{car.id}").click()
    await phone.should_see(marker="reference-restored")
    assert (await field(phone, "reference.rear_shock_oil")).value == 425


async def test_copy_one_group_of_a_setup_from_another_car(user: User):
    racer, car = await racer_with_car(setup={"diff_front": 9000, "front_spring": "Blue"})
    other = await garage.add_vehicle(racer.id, "Mugen", "MBX8R", reference_setup=EXAMPLE_SETUP)
    source_before = dict(other.reference_setup)
    await open_app(user)
    await user.should_see(marker=f"car-menu-{car.id}")
    user.find(marker=f"car-menu-{car.id}").click()
    user.find(marker=f"copy-car-{car.id}").click()
    await user.should_see(marker="copy-from")
    for group in ("Front", "Rear", "Tires", "Power"):
        user.find(marker=f"copy-group-{group}").click()  # untick: only the diffs
    user.find(marker="copy-ok").click()
    await user.should_see("Copied Diffs into Tekno NB48 2.2")
    copied = (await Vehicle.get(id=car.id)).reference_setup
    assert copied["diff_front"] == EXAMPLE_SETUP["diff_front"] != 9000
    assert copied["front_spring"] == "Blue"  # the Front group stayed
    assert (await Vehicle.get(id=other.id)).reference_setup == source_before  # copied from


async def test_a_cars_setup_sheet_opens_for_printing(user: User):
    _, car = await racer_with_car(setup=EXAMPLE_SETUP)
    await open_app(user)
    await user.should_see(marker=f"car-menu-{car.id}")
    user.find(marker=f"car-menu-{car.id}").click()
    user.find(marker=f"print-car-{car.id}").click()
    await user.should_see(marker="print-view")
    await user.should_see("REDS 2143")
    await user.should_see("450 cSt")


# --- Event ----------------------------------------------------------------------------------


async def test_the_session_in_preparation_is_kept_as_typed_and_resumed(user: User, create_user):
    racer, car = await racer_with_car()
    await open_app(user)
    user.find(marker="tab-event").click()
    await type_into(user, "event.session.name", "Club race")
    await set_value(user, "event.session.traction", "Low")

    async def drafted() -> bool:
        draft = await sessions.draft_session(racer.id)
        return draft is not None and draft.track_context == {"traction": "Low"}

    await eventually(drafted)

    phone: User = create_user()
    await open_app(phone)
    phone.find(marker="tab-event").click()
    await phone.should_see(marker="draft-session-note")
    assert (await field(phone, "event.session.name")).value == "Club race"
    phone.find(marker="start-session").click()
    await phone.should_see(marker="active-session-name")
    session = await RaceSession.get(profile_id=racer.id)  # the draft itself became active
    assert session.status == SessionStatus.ACTIVE and session.vehicle_id == car.id


async def test_a_known_track_fills_in_its_last_conditions(user: User):
    racer, car = await racer_with_car()
    old = await sessions.start_session(
        racer.id, car.id, "Last month", "Practice", date(2026, 4, 1), track_name="Hilltop",
        track_context={"surface": "Loam", "traction": "High"},
    )  # fmt: skip
    await sessions.close_session(racer.id, old.id)
    await open_app(user)
    user.find(marker="tab-event").click()
    await type_into(user, "event.session.track_name", "hilltop")
    await wait_for(lambda: user.find(marker="event.session.surface").elements.pop().value == "Loam")
    assert (await field(user, "event.session.traction")).value == "High"


async def test_conditions_change_while_the_session_runs(user: User):
    _, _, session = await racer_in_session()
    await open_app(user)
    user.find(marker="tab-event").click()
    await set_value(user, "event.conditions.traction", "Low")
    await set_value(user, "event.conditions.practice_rounds", 1)
    user.find(marker="save-conditions").click()
    await user.should_see("Conditions saved")
    saved = await RaceSession.get(id=session.id)
    assert saved.track_context == {"traction": "Low"} and saved.practice_rounds == 1


async def test_closing_a_session_keeps_a_summary_and_rating(user: User):
    _, _, session = await racer_in_session()
    await open_app(user)
    user.find(marker="tab-event").click()
    await user.should_see(marker="end-session")
    user.find(marker="end-session").click()
    await set_value(user, "event.close.rating", 4)
    await type_into(user, "event.close.summary", "Good on jumps, loose on exit")
    user.find(marker="confirm-end-session").click()
    await user.should_see("Session ended and kept in History")
    closed = await RaceSession.get(id=session.id)
    assert closed.status == SessionStatus.COMPLETED and closed.rating == 4
    assert closed.summary == "Good on jumps, loose on exit" and closed.ended_at is not None


# --- Setup ----------------------------------------------------------------------------------


async def test_editing_the_twin_logs_the_change_and_shows_the_drift(user: User):
    _, _, session = await racer_in_session()
    await open_app(user)
    user.find(marker="tab-setup").click()
    await user.should_see("Same as the car's reference setup")
    await set_value(user, "twin.front_shock_oil", 500)
    await type_into(user, "twin-reason", "Bumpy after the rain")
    user.find(marker="twin-save").click()
    await user.should_see("Saved 1 change")
    await user.should_see("1 parameter changed from the reference")
    await user.should_see("450 cSt → 500 cSt")
    (change,) = await SetupChange.filter(session_id=session.id)
    assert (change.parameter, change.old_value, change.new_value) == ("front_shock_oil", 450, 500)
    assert change.source == ChangeSource.MANUAL and change.status == ChangeStatus.ACCEPTED
    assert change.reasoning == "Bumpy after the rain"
    badge = user.find(marker="badge-setup").elements.pop()
    await wait_for(lambda: badge.text == "1")


async def test_accept_one_pending_change_deny_another_then_undo(user: User):
    racer, _, session = await racer_in_session()
    oil = await setups.propose_change(racer.id, session.id, "rear_shock_oil", 350,
                                      reasoning="Loose on exit: softer rear")  # fmt: skip
    toe = await setups.propose_change(racer.id, session.id, "rear_toe", 3.5)
    await open_app(user)
    user.find(marker="tab-setup").click()
    await user.should_see(marker=f"pending-{oil.id}")
    await user.should_see("Loose on exit: softer rear")
    user.find(marker=f"accept-{oil.id}").click()
    await user.should_see("Accepted: Shock oil (Rear): 400 cSt → 350 cSt")
    await user.should_see(marker=f"deny-{toe.id}")  # the panel rebuilds after the accept
    user.find(marker=f"deny-{toe.id}").click()
    await user.should_see("Denied: Toe (Rear): 3 ° → 3.5 °")
    await user.should_not_see(marker=f"pending-{toe.id}")
    twin = await setups.get_twin(racer.id, session.id)
    assert (twin.actual["rear_shock_oil"], twin.actual["rear_toe"]) == (350, 3.0)

    user.find(marker="undo-last").click()
    await user.should_see("Undone: Shock oil (Rear): 350 cSt → 400 cSt")
    twin = await setups.get_twin(racer.id, session.id)
    assert twin.actual["rear_shock_oil"] == 400 and not twin.drift
    statuses = {c.id: c.status for c in await SetupChange.filter(session_id=session.id)}
    assert statuses[oil.id] == ChangeStatus.ACCEPTED and statuses[toe.id] == ChangeStatus.DENIED


async def test_the_twin_becomes_the_cars_reference_after_a_look_at_the_differences(user: User):
    racer, car, session = await racer_in_session()
    twin = await setups.get_twin(racer.id, session.id)
    await setups.edit_twin(racer.id, session.id, {"venturi": 7.5}, expected_version=twin.version)
    await open_app(user)
    user.find(marker="tab-setup").click()
    await user.should_see(marker="save-as-reference")
    user.find(marker="save-as-reference").click()
    await user.should_see("• Venturi (Power): 7 mm → 7.5 mm")
    user.find(marker="save-reference-ok").click()
    await user.should_see("Tekno NB48 2.2's reference setup saved")
    assert (await Vehicle.get(id=car.id)).reference_setup["venturi"] == 7.5
    await user.should_see("Same as the car's reference setup")


async def test_a_second_tab_saving_the_twin_first_is_shown_and_nothing_is_lost(
    user: User, create_user
):
    racer, _, session = await racer_in_session()
    await open_app(user)
    user.find(marker="tab-setup").click()
    await set_value(user, "twin.front_toe", -1.5)

    # Meanwhile, on another screen, the rear shock oil goes to 425.
    twin = await setups.get_twin(racer.id, session.id)
    await setups.edit_twin(racer.id, session.id, {"rear_shock_oil": 425},
                           expected_version=twin.version)  # fmt: skip

    user.find(marker="twin-save").click()
    await user.should_see("Saved on another screen meanwhile", retries=50)
    await user.should_see("Shock oil (Rear) 400 cSt → 425 cSt")
    assert (await field(user, "twin.rear_shock_oil")).value == 425  # theirs shown
    assert (await field(user, "twin.front_toe")).value == -1.5  # ours kept
    user.find(marker="twin-save").click()
    await user.should_see("Saved 1 change")
    actual = (await setups.get_twin(racer.id, session.id)).actual
    assert (actual["rear_shock_oil"], actual["front_toe"]) == (425, -1.5)


async def test_setup_tab_without_a_session_says_where_to_start(user: User):
    await racer_with_car()
    await open_app(user)
    user.find(marker="tab-setup").click()
    await user.should_see(marker="setup-no-session")
    await user.should_see("Go to Event")

"""The racer selector and switching racers, as a racer uses them (NiceGUI's simulated user)."""

import asyncio
from datetime import date
from html import escape

from nicegui import app
from nicegui.testing import User

from models import ChangeSource, Message, MessageRole, RacerProfile, SetupChange
from services import database, drafts, garage, profile_service, sessions
from ui.selector import RacerCard


async def open_app(user: User) -> None:
    """Open Pitbox in the user's tab and wait for it to be built (that happens once connected)."""
    await user.open("/")
    await user.should_see(marker="racer-chip", retries=100)


async def open_selector(user: User) -> None:
    """Tap the racer chip and wait until the selector is open and its cards show every racer
    in the database (the sheet shows at once with the cards it kept, which are then checked
    against the database)."""
    await user.should_see(marker="racer-chip")
    user.find(marker="racer-chip").click()
    await user.should_see(marker="racer-selector", retries=200)
    sheet = user.find(marker="racer-selector").elements.pop().parent_slot.parent
    racers = {f"racer-card-{i}" for i in await RacerProfile.all().values_list("id", flat=True)}

    def cards() -> set[str]:
        return {m for e in sheet.descendants() for m in e._markers if m.startswith("racer-card-")}

    await wait_for(lambda: sheet.value and cards() == racers, attempts=200)


async def manage(user: User) -> None:
    """Open the selector in manage mode, where the cards show their actions."""
    await open_selector(user)
    user.find(marker="manage-racers").click()
    await user.should_see(marker="manage-hint")


async def switch_racer(user: User, racer, *, confirm: bool = False) -> None:
    """Open the selector, tap the racer's card (confirming the warning) and wait for the switch."""
    await open_selector(user)
    user.find(marker=f"switch-to-{racer.id}").click()
    if confirm:
        await user.should_see(marker="confirm-switch")
        user.find(marker="confirm-switch").click()
    await user.should_see(f"Now working as {racer.name}")


async def type_into(user: User, marker: str, text: str) -> None:
    """Type into a field once it is on the page (panels build after the page connects)."""
    await user.should_see(marker=marker)
    user.find(marker=marker).type(text)


async def unfold(user: User, marker: str) -> None:
    """Unfold a folded section, as a tap on its header does in the browser (Quasar sets its
    value; the simulated user's click does not)."""
    await user.should_see(marker=marker)
    user.find(marker=marker).elements.pop().value = True


async def current_racer(user: User) -> str:
    await user.should_see(marker="current-racer-name")
    return user.find(marker="current-racer-name").elements.pop().text


async def racer_with_session(name: str, session_name: str = "Sunday club race", pending: int = 2):
    racer = await profile_service.create_profile(name)
    car = await garage.add_vehicle(racer.id, "Tekno", "NB48 2.2")
    session = await sessions.start_session(
        racer.id, car.id, session_name, "Club Race", date(2026, 5, 17),
        track_context={"surface": "Loam", "traction": "High"},
    )  # fmt: skip
    for parameter in ("front_shock_oil", "rear_toe")[:pending]:
        await SetupChange.create(
            session=session, parameter=parameter, source=ChangeSource.ADVISOR, new_value=1
        )
    await Message.create(session=session, role=MessageRole.RACER, content="Loose on entry")
    return racer, session


async def pending_ids(session) -> list[int]:
    return (
        await SetupChange.filter(session_id=session.id, status="pending")
        .order_by("id")
        .values_list("id", flat=True)
    )


async def wait_for(condition, attempts: int = 50) -> None:
    for _ in range(attempts):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


def tab_workspace(user: User) -> dict:
    with user:
        return dict(app.storage.tab["workspace"])


async def test_first_run_shows_default_racer(user: User):
    await open_app(user)
    assert await current_racer(user) == "Default Racer"
    await user.should_see(marker="current-racer-star")
    profiles = await RacerProfile.all()
    assert [(p.name, p.is_default) for p in profiles] == [("Default Racer", True)]


async def test_profile_switcher_shows_all_profiles(user: User):
    names = ["Dad", "Lena", "Coach <b>K</b>"]
    created = [await profile_service.create_profile(n) for n in names]
    await open_app(user)
    await open_selector(user)
    for profile in created:
        await user.should_see(marker=f"racer-card-{profile.id}")
        await user.should_see(escape(profile.name))  # HTML in a name is shown as text
    await user.should_not_see("Coach <b>K</b>")
    await user.should_see(marker=f"default-{created[0].id}")  # "Default" as text
    assert await current_racer(user) == "Dad"


async def test_switch_without_anything_to_lose_needs_no_warning(user: User):
    dad = await profile_service.create_profile("Dad")
    lena = await profile_service.create_profile("Lena")
    await open_app(user)
    assert await current_racer(user) == "Dad"
    await switch_racer(user, lena)
    assert await current_racer(user) == "Lena"
    await user.should_not_see(marker="switch-warning")
    assert tab_workspace(user)["racer_id"] == lena.id != dad.id


async def test_switch_clears_session_state(user: User):
    dad, session = await racer_with_session("Dad", pending=2)
    lena = await profile_service.create_profile("Lena")
    await open_app(user)
    user.find(marker="tab-event").click()
    await user.should_see(marker="active-session")
    user.find(marker="tab-setup").click()
    await user.should_see(marker="twin-header")
    await user.should_see(marker="pending-" + str((await pending_ids(session))[0]))
    user.find(marker="tab-garage").click()
    await unfold(user, "add-car")  # Dad has a car: the form starts folded
    await type_into(user, "garage.add_car.brand", "Mugen")
    assert tab_workspace(user)["form_drafts"]["garage.add_car"]["brand"] == "Mugen"

    await open_selector(user)
    user.find(marker=f"switch-to-{lena.id}").click()
    await user.should_see(marker="switch-warning")
    await user.should_see("• Session “Sunday club race” (2 changes waiting for you)")
    await user.should_see("• Unsaved input in “Add a car”")
    user.find(marker="keep-drafts").click()  # untick: drop the typed brand
    user.find(marker="confirm-switch").click()
    await user.should_see("Now working as Lena")

    # The whole workspace is Lena's: Dad's typed input is gone from the tab and his session,
    # twin, pending changes, conditions and messages show nowhere.
    assert tab_workspace(user) == {"racer_id": lena.id, "form_drafts": {}}
    for tab in ("garage", "event", "setup"):
        user.find(marker=f"tab-{tab}").click()
        await user.should_not_see(marker="active-session")
        await user.should_not_see("Sunday club race")
        await user.should_not_see(marker="twin-header")
    await user.should_see(marker="setup-no-session")
    # Nothing was lost: Dad's session is still active in the database.
    assert (await sessions.active_session(dad.id)).id == session.id
    assert len(await pending_ids(session)) == 2


async def test_the_switch_warning_says_only_what_is_at_risk(user: User):
    await racer_with_session("Dad", pending=0)
    lena = await profile_service.create_profile("Lena")
    await open_app(user)
    await open_selector(user)
    user.find(marker=f"switch-to-{lena.id}").click()
    await user.should_see(marker="switch-warning")
    await user.should_see("• Session “Sunday club race”")
    # No pending changes and nothing typed: neither is mentioned, not even as a zero.
    await user.should_not_see("waiting for you")
    await user.should_not_see("0 changes")
    await user.should_not_see("Unsaved input")
    await user.should_not_see(marker="keep-drafts")


async def test_cancelled_switch_keeps_everything(user: User):
    _, session = await racer_with_session("Dad")
    lena = await profile_service.create_profile("Lena")
    await open_app(user)
    await unfold(user, "add-car")  # Dad has a car: the form starts folded
    await type_into(user, "garage.add_car.brand", "Mugen")
    await open_selector(user)
    user.find(marker=f"switch-to-{lena.id}").click()
    await user.should_see(marker="switch-warning")
    user.find(marker="cancel-switch").click()
    await user.should_not_see(marker="switch-warning")
    assert tab_workspace(user)["form_drafts"]["garage.add_car"]["brand"] == "Mugen"
    assert await current_racer(user) == "Dad"
    user.find(marker="tab-event").click()
    await user.should_see(marker="active-session")
    assert (await sessions.active_session(session.profile_id)).id == session.id


async def test_unsaved_input_warns_and_can_be_kept_as_draft(user: User):
    dad = await profile_service.create_profile("Dad")
    lena = await profile_service.create_profile("Lena")
    await open_app(user)
    await type_into(user, "garage.add_car.brand", "Mugen")
    await open_selector(user)
    user.find(marker=f"switch-to-{lena.id}").click()
    await user.should_see("• Unsaved input in “Add a car”")
    user.find(marker="confirm-switch").click()  # "keep as draft" is ticked by default
    await user.should_see("Now working as Lena")
    assert tab_workspace(user)["form_drafts"] == {}

    # Back to Dad: the typed brand is there again.
    await switch_racer(user, dad)
    await user.should_see(marker="garage.add_car.brand")
    field = user.find(marker="garage.add_car.brand").elements.pop()
    assert field.value == "Mugen"


async def test_switching_back_resumes_the_session_where_it_was(user: User):
    dad, session = await racer_with_session("Dad", pending=1)
    lena = await profile_service.create_profile("Lena")
    await open_app(user)
    user.find(marker="tab-event").click()
    await user.should_see(marker="active-session")
    await switch_racer(user, lena, confirm=True)
    await user.should_not_see(marker="active-session")
    await switch_racer(user, dad)
    await user.should_see(marker="active-session-name")
    user.find(marker="tab-setup").click()
    await user.should_see(marker=f"pending-{(await pending_ids(session))[0]}")


async def test_set_default_from_selector(user: User):
    await profile_service.create_profile("Dad")
    lena = await profile_service.create_profile("Lena")
    await open_app(user)
    await manage(user)
    user.find(marker=f"star-{lena.id}").click()
    await user.should_see("Lena is now the default racer: new tabs open on them")
    assert (await profile_service.get_default_profile()).id == lena.id


async def test_set_default_persists_on_restart(user: User, create_user, app_environment):
    await profile_service.create_profile("Dad")
    lena = await profile_service.create_profile("Lena")
    await open_app(user)
    await manage(user)
    user.find(marker=f"star-{lena.id}").click()
    await user.should_see("Lena is now the default racer: new tabs open on them")
    await user.should_not_see(marker="current-racer-star")  # Dad's chip redrawn: all done

    # Restart the database side of the app, then open a brand-new tab.
    await database.disconnect()
    await database.connect(app_environment)
    newcomer: User = create_user()
    await open_app(newcomer)
    assert await current_racer(newcomer) == "Lena"


async def test_two_users_on_different_racers_never_share_state(user: User, create_user):
    dad, dad_session = await racer_with_session("Dad")
    lena = await profile_service.create_profile("Lena")
    await open_app(user)
    user.find(marker="tab-event").click()
    await user.should_see(marker="active-session")

    other: User = create_user()
    await open_app(other)
    await switch_racer(other, lena, confirm=True)  # Dad's session is running: it asks
    await type_into(other, "garage.add_car.brand", "Xray")
    other.find(marker="tab-event").click()
    await other.should_not_see(marker="active-session")

    assert tab_workspace(user) == {"racer_id": dad.id, "form_drafts": {}}
    assert tab_workspace(other)["racer_id"] == lena.id
    assert tab_workspace(other)["form_drafts"]["garage.add_car"]["brand"] == "Xray"
    assert (await sessions.active_session(dad.id)).id == dad_session.id
    assert await current_racer(user) == "Dad"
    assert await current_racer(other) == "Lena"


async def test_racer_deleted_in_another_tab_falls_back_to_default(user: User, create_user):
    await profile_service.create_profile("Dad")
    lena = await profile_service.create_profile("Lena")
    await open_app(user)
    await switch_racer(user, lena)

    other: User = create_user()
    await open_app(other)
    await manage(other)
    other.find(marker=f"delete-{lena.id}").click()
    await other.should_see(marker="delete-dialog")
    await other.should_see("This racer has no cars or sessions yet.")
    other.find(marker="confirm-delete").click()
    await other.should_see("Deleted Lena")

    await open_app(user)  # the first tab reloads
    await user.should_see("The racer this tab was using has been deleted")
    assert await current_racer(user) == "Dad"


async def test_unknown_racer_in_tab_storage_falls_back_to_default(user: User):
    await profile_service.create_profile("Dad")
    await open_app(user)
    with user:
        app.storage.tab["workspace"] = {"racer_id": 999_999, "form_drafts": {"x": 5}}
    await open_app(user)
    assert await current_racer(user) == "Dad"
    await user.should_see("The racer this tab was using has been deleted")
    assert tab_workspace(user)["form_drafts"] == {}


async def test_new_racer_form_shows_errors_beside_fields(user: User):
    await open_app(user)
    await open_selector(user)
    user.find(marker="new-racer").click()
    await user.should_see(marker="racer-form")
    user.find(marker="racer-name").type("Default racer")
    user.find(marker="racer-email").type("not-an-email")
    user.find(marker="save-racer").click()
    name = user.find(marker="racer-name").elements.pop()
    email = user.find(marker="racer-email").elements.pop()
    await wait_for(lambda: email.error == "Enter an email address like name@example.com")
    assert name.error is None  # checked once the fields themselves are valid

    user.find(marker="racer-email").clear().type("lena@example.com")
    user.find(marker="save-racer").click()
    await wait_for(lambda: name.error == "There is already a racer called Default racer")
    assert email.error is None
    assert await RacerProfile.all().count() == 1


async def test_deleting_the_default_needs_a_new_default(user: User):
    dad, _ = await racer_with_session("Dad", pending=1)
    lena = await profile_service.create_profile("Lena")
    await open_app(user)
    await manage(user)
    user.find(marker=f"delete-{dad.id}").click()
    await user.should_see(marker="new-default")
    await user.should_see("This also deletes 1 car, 1 session, 1 setup change, 1 message.")
    await user.should_see("Their session “Sunday club race” is in progress.")
    user.find(marker="confirm-delete").click()
    await user.should_see("Deleted Dad")
    assert (await profile_service.get_default_profile()).id == lena.id
    assert await current_racer(user) == "Lena"


async def test_start_session_from_event_tab(user: User):
    racer = await profile_service.create_profile("Dad")
    await garage.add_vehicle(racer.id, "Tekno", "NB48 2.2")
    await open_app(user)
    user.find(marker="tab-event").click()
    await user.should_see(marker="event.session.name")
    user.find(marker="event.session.name").type("Practice at Hilltop")
    user.find(marker="start-session").click()
    await user.should_see(marker="active-session-name")
    active = await sessions.active_session(racer.id)
    assert active is not None and active.name == "Practice at Hilltop"
    assert "event.session" not in tab_workspace(user)["form_drafts"]


async def test_new_racer_from_the_form_appears_in_the_selector(user: User):
    await open_app(user)
    await open_selector(user)
    user.find(marker="new-racer").click()
    await user.should_see(marker="racer-form")
    user.find(marker="racer-name").type("  Lena  ")
    user.find(marker="racer-sponsors").type("Tekno, JConcepts")
    user.find(marker="save-racer").click()
    await user.should_see("Added Lena")
    lena = await RacerProfile.get(name="Lena")
    assert lena.sponsors == ["Tekno", "JConcepts"] and not lena.is_default
    await user.should_see(marker=f"racer-card-{lena.id}")


async def test_adding_a_car_for_a_racer_deleted_elsewhere_falls_back(user: User):
    await profile_service.create_profile("Dad")
    lena = await profile_service.create_profile("Lena")
    await open_app(user)
    await switch_racer(user, lena)
    await profile_service.delete_profile(lena.id)  # from another tab

    await type_into(user, "garage.add_car.brand", "Tekno")
    await type_into(user, "garage.add_car.model", "NB48")
    user.find(marker="add-car-submit").click()
    await user.should_see("The racer this tab was using has been deleted")
    assert await current_racer(user) == "Dad"
    assert await garage.list_vehicles(lena.id) == []


async def test_ending_a_session_asks_first(user: User):
    racer, _ = await racer_with_session("Dad", pending=0)
    await open_app(user)
    user.find(marker="tab-event").click()
    await user.should_see(marker="end-session")
    user.find(marker="end-session").click()
    await user.should_see(marker="confirm-end-session")
    user.find(marker="confirm-end-session").click()
    await user.should_see("Session ended and kept in History")
    assert await sessions.active_session(racer.id) is None
    await user.should_see(marker="start-session-form")


async def test_ending_a_session_already_ended_in_another_tab_says_so(user: User):
    racer, session = await racer_with_session("Dad", pending=0)
    await open_app(user)
    user.find(marker="tab-event").click()
    await user.should_see(marker="end-session")
    await sessions.close_session(racer.id, session.id)  # from another tab
    user.find(marker="end-session").click()
    await user.should_see(marker="confirm-end-session")
    user.find(marker="confirm-end-session").click()
    await user.should_see("This session is not active")
    await user.should_see(marker="start-session-form")


async def test_typed_input_is_kept_for_the_racer_while_typing(user: User, create_user):
    dad = await profile_service.create_profile("Dad")
    await open_app(user)
    await type_into(user, "garage.add_car.brand", "Mugen")  # never leaving the field
    # Saved within about a second of the last keystroke (ui/forms.py SAVE_DELAY): wait up to 5 s.
    for _ in range(250):
        if await drafts.load_drafts(dad.id):
            break
        await asyncio.sleep(0.02)
    assert (await drafts.load_drafts(dad.id))["garage.add_car"]["brand"] == "Mugen"

    # Another tab (or the same phone after a server restart) finds it in the form.
    other: User = create_user()
    await open_app(other)
    await other.should_see(marker="garage.add_car.brand")
    field = other.find(marker="garage.add_car.brand").elements.pop()
    assert field.value == "Mugen"


async def test_late_input_of_a_form_never_lands_in_the_next_racer(user: User, monkeypatch):
    dad = await profile_service.create_profile("Dad")
    lena = await profile_service.create_profile("Lena")
    await open_app(user)
    await type_into(user, "garage.add_car.brand", "Mugen")
    await user.should_see(marker="garage.add_car.brand")
    dads_field = user.find(marker="garage.add_car.brand").elements.pop()

    # An input event of Dad's form arrives in the middle of the switch (a slow phone, a
    # retry): the tab already works as Lena, Dad's form is still on the page.
    get_profile = profile_service.get_profile

    async def get_profile_during_the_switch(racer_id):
        if racer_id == lena.id and not dads_field.is_deleted:
            dads_field.set_value("Mugen MBX8R")
        return await get_profile(racer_id)

    monkeypatch.setattr(profile_service, "get_profile", get_profile_during_the_switch)
    await switch_racer(user, lena, confirm=True)  # keeps Dad's typed brand as his draft
    await asyncio.sleep(1.5)  # longer than the delay before a draft reaches the database

    assert dads_field.is_deleted and dads_field.value == "Mugen MBX8R"  # the event did arrive
    assert tab_workspace(user) == {"racer_id": lena.id, "form_drafts": {}}
    assert await drafts.load_drafts(lena.id) == {}
    assert user.find(marker="garage.add_car.brand").elements.pop().value == ""
    assert (await drafts.load_drafts(dad.id))["garage.add_car"]["brand"] == "Mugen"


ACTIONS = ("star", "edit", "export", "delete")


async def test_cards_are_for_choosing_and_manage_mode_shows_named_actions(user: User):
    dad = await profile_service.create_profile("Dad")
    lena = await profile_service.create_profile("Lena")
    await open_app(user)
    await open_selector(user)
    await user.should_see(marker=f"racer-card-{lena.id}")
    for racer in (dad, lena):  # choosing only: no action on any card
        for action in ACTIONS:
            await user.should_not_see(marker=f"{action}-{racer.id}")
    await user.should_not_see(marker="manage-hint")
    await user.should_see(marker="new-racer")
    await user.should_see(marker="import-racer")
    cards = {r.id: user.find(marker=f"switch-to-{r.id}").elements.pop() for r in (dad, lena)}
    # Named by what they show, after what they do (a name of their own would hide the rest).
    for racer, tags in ((dad, ["Default", "This tab"]), (lena, [])):
        card = cards[racer.id]
        assert "aria-label" not in card.props
        assert card.content.startswith('<span class="sr-only">Switch to </span>')
        assert f'<span class="rc-name">{racer.name}</span>' in card.content
        assert [t for t in ("Default", "This tab") if f">{t}</span>" in card.content] == tags

    user.find(marker="manage-racers").click()
    await user.should_see(marker="manage-hint")
    await user.should_see(marker=f"delete-{lena.id}")
    names = {action: user.find(marker=f"{action}-{lena.id}").elements.pop() for action in ACTIONS}
    assert {a: b.props.get("aria-label") for a, b in names.items()} == {
        "star": "Make default: Lena",
        "edit": "Edit Lena",
        "export": "Export Lena",
        "delete": "Delete Lena",
    }
    assert {a: b.text for a, b in names.items()} == {
        "star": "Make default",
        "edit": "Edit",
        "export": "Export",
        "delete": "Delete",
    }
    await user.should_not_see(marker=f"star-{dad.id}")  # the default says so instead
    await user.should_see(marker=f"is-default-{dad.id}")
    close = user.find(marker="close-selector").elements.pop()
    assert close.props.get("aria-label") == "Close"
    await user.should_see(marker="new-racer")  # still there while managing
    await user.should_see(marker="import-racer")

    # A tap on a card while managing does not switch.
    user.find(marker=f"switch-to-{lena.id}").click()
    await asyncio.sleep(0.2)
    assert await current_racer(user) == "Dad"

    user.find(marker="manage-racers").click()  # "Done"
    await user.should_not_see(marker="manage-hint")
    for action in ACTIONS:
        await user.should_not_see(marker=f"{action}-{lena.id}")
    await switch_racer(user, lena)  # choosing works again


async def test_the_selector_opens_in_choose_mode(user: User):
    await profile_service.create_profile("Dad")
    lena = await profile_service.create_profile("Lena")
    await open_app(user)
    await manage(user)
    await user.should_see(marker=f"delete-{lena.id}")
    user.find(marker="close-selector").click()
    await open_selector(user)
    await user.should_not_see(marker=f"delete-{lena.id}")
    await user.should_not_see(marker="manage-hint")


async def test_the_only_racer_cannot_be_deleted(user: User):
    dad = await profile_service.create_profile("Dad")
    await open_app(user)
    await manage(user)
    await user.should_see(marker=f"delete-{dad.id}")
    assert not user.find(marker=f"delete-{dad.id}").elements.pop().enabled
    await user.should_see("The only racer cannot be deleted")


async def test_cards_are_kept_between_opens_and_only_changed_ones_redrawn(user: User, monkeypatch):
    dad = await profile_service.create_profile("Dad")
    lena = await profile_service.create_profile("Lena")
    mika = await profile_service.create_profile("Mika")
    drawn: list[int] = []
    draw_body = RacerCard._draw_body

    def recording_draw_body(card, profile, **kwargs):
        drawn.append(profile.id)
        draw_body(card, profile, **kwargs)

    monkeypatch.setattr(RacerCard, "_draw_body", recording_draw_body)
    await open_app(user)
    await open_selector(user)
    assert sorted(drawn) == [dad.id, lena.id, mika.id]
    cards = {r.id: user.find(marker=f"racer-card-{r.id}").elements.pop() for r in (dad, lena, mika)}
    user.find(marker="close-selector").click()
    drawn.clear()
    await open_selector(user)
    assert drawn == []  # nothing changed: nothing drawn

    # A switch changes what Dad's and Lena's cards show ("This tab"), not Mika's.
    user.find(marker=f"switch-to-{lena.id}").click()
    await user.should_see("Now working as Lena")
    await open_selector(user)
    assert sorted(drawn) == [dad.id, lena.id]
    assert all(
        user.find(marker=f"racer-card-{i}").elements.pop() is card for i, card in cards.items()
    )

    # Racers added, renamed and deleted elsewhere show at the next open, in order.
    user.find(marker="close-selector").click()
    drawn.clear()
    anna = await profile_service.create_profile("Anna")
    await profile_service.update_profile(mika.id, name="Ben")
    await profile_service.delete_profile(dad.id, lena.id)
    await open_selector(user)
    assert sorted(drawn) == sorted([lena.id, anna.id, mika.id])  # Lena is the default now
    await user.should_see("Ben")
    await user.should_not_see(marker=f"racer-card-{dad.id}")
    grid = cards[lena.id].parent_slot
    order = [marker for child in grid.children for marker in child._markers]
    # The default first, then by name; "New racer" and import at the end.
    assert order == [
        f"racer-card-{lena.id}", f"racer-card-{anna.id}", f"racer-card-{mika.id}",
        "new-racer", "import-racer",
    ]  # fmt: skip

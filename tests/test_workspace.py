"""The per-tab workspace rules: the allow-list, what a switch would clear, drafts."""

from datetime import date

from services import drafts, garage, profile_service, sessions
from services import workspace as workspaces
from services.workspace import PROFILE_SCOPED_KEYS, Workspace


def test_every_profile_scoped_key_is_in_the_allow_list():
    # The session, twin, pending changes, conditions and messages are read from the database
    # by racer; the tab itself holds only typed input.
    assert set(PROFILE_SCOPED_KEYS) == {"form_drafts"}


def test_malformed_tab_storage_gives_an_empty_workspace():
    assert Workspace.from_storage(None) == Workspace()
    assert Workspace.from_storage("garbage") == Workspace()
    assert Workspace.from_storage({"racer_id": 3, "unknown": 1}) == Workspace(racer_id=3)


async def test_switch_impact_names_the_session_and_unsaved_forms(db):
    racer = await profile_service.create_profile("Dad")
    car = await garage.add_vehicle(racer.id, "Tekno", "NB48")
    assert not (await workspaces.switch_impact(Workspace(racer_id=racer.id))).needs_warning
    session = await sessions.start_session(racer.id, car.id, "Club day", "Practice", date.today())
    quiet = Workspace(racer_id=racer.id)

    impact = await workspaces.switch_impact(quiet)
    assert impact.needs_warning and impact.session.id == session.id  # the racer's session

    typed = {"garage.add_car": {"brand": "Mugen"}, "garage.edit_car:3": {"nickname": ""}}
    busy = Workspace(racer_id=racer.id, form_drafts=typed)
    impact = await workspaces.switch_impact(busy)
    assert impact.session.name == "Club day"
    assert impact.unsaved_forms == ("garage.add_car",)
    assert impact.unsaved_titles == ("Add a car",)


async def test_switch_keeps_or_drops_typed_input_and_never_carries_state(db):
    dad = await profile_service.create_profile("Dad")
    lena = await profile_service.create_profile("Lena")
    typed = {"garage.add_car": {"brand": "Mugen"}}
    old = Workspace(racer_id=dad.id, form_drafts=typed)

    new = await workspaces.switch_to(old, lena.id, keep_drafts=True)
    assert new == Workspace(racer_id=lena.id)
    assert await drafts.load_drafts(dad.id) == typed

    back = await workspaces.switch_to(new, dad.id, keep_drafts=False)
    assert back.form_drafts == typed  # the kept draft comes back with Dad

    await workspaces.switch_to(back, lena.id, keep_drafts=False)
    assert await drafts.load_drafts(dad.id) == {}  # dropped on request


async def test_switching_away_from_a_deleted_racer_keeps_nothing_and_does_not_fail(db):
    dad = await profile_service.create_profile("Dad")
    lena = await profile_service.create_profile("Lena")
    old = Workspace(racer_id=lena.id, form_drafts={"garage.add_car": {"brand": "Xray"}})
    await profile_service.delete_profile(lena.id)  # in another tab
    new = await workspaces.switch_to(old, dad.id, keep_drafts=True)
    assert new.racer_id == dad.id
    assert await drafts.load_drafts(lena.id) == {}

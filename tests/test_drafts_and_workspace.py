"""Drafts: only known forms, of bounded size, per racer; the workspace keeps typed input only for
the racer it works as, and rebuilds from anything tab storage hands back."""

from __future__ import annotations

import asyncio

import pytest

from models import FormDraft
from services import drafts, profile_service
from services import workspace as workspaces
from services.errors import NotFoundError, ValidationError
from services.workspace import Workspace
from tests.concurrency import PoolWatch, assert_ran_concurrently, use_warm_pool
from tests.racers import snapshot_all


@pytest.fixture
async def two_racers(db):
    dad = await profile_service.create_profile("Dad")
    lena = await profile_service.create_profile("Lena")
    return dad, lena


UNKNOWN_FORMS = [
    "garage.wings",
    "bogus",
    "Garage.add_car",
    "garage.add_car\n",
    "garage.add_car:0",
    "garage.add_car:-1",
    "garage.add_car:abc",
    "garage.add_car:12345678901",
    " garage.add_car",
    "garage.add_car\x00",
    "garage.add_car\ud800",
    "",
    None,
    7,
    ["garage.add_car"],
]


# --- drafts -----------------------------------------------------------------------------------


async def test_a_draft_is_kept_per_racer_and_form(two_racers):
    dad, lena = two_racers

    await drafts.save_draft(dad.id, "garage.add_car", {"brand": "Mugen", "model": ""})
    await drafts.save_draft(dad.id, "setup.twin:42", {"venturi": "7,2"})
    await drafts.save_draft(lena.id, "garage.add_car", {"brand": "Xray"})
    await drafts.save_draft(dad.id, "garage.add_car", {"brand": "Mugen", "model": "MBX8R"})

    assert await drafts.load_drafts(dad.id) == {
        "garage.add_car": {"brand": "Mugen", "model": "MBX8R"},
        "setup.twin:42": {"venturi": "7,2"},
    }
    assert await drafts.load_drafts(lena.id) == {"garage.add_car": {"brand": "Xray"}}
    assert drafts.form_title("setup.twin:42") == "Setup"


async def test_phones_of_one_racer_typing_into_the_same_form_at_once_keep_one_draft(
    db, two_racers, pool_watch: PoolWatch
):
    dad, _ = two_racers
    await use_warm_pool(db, pool_watch)

    for round_ in range(5):  # the first write of a form is where two phones can collide
        await drafts.discard_draft(dad.id, "garage.add_car")
        typed = [{"brand": f"Tekno {round_}.{n}"} for n in range(20)]
        # Some phones clear the field meanwhile (a draft with nothing typed is forgotten).
        await asyncio.gather(
            *(drafts.save_draft(dad.id, "garage.add_car", t) for t in typed),
            *(drafts.save_draft(dad.id, "garage.add_car", {"brand": ""}) for _ in range(5)),
        )
        await drafts.save_draft(dad.id, "garage.add_car", typed[0])  # one more, after them all

        kept = await FormDraft.filter(profile_id=dad.id, form="garage.add_car").values_list(
            "data", flat=True
        )
        assert kept == [typed[0]]  # nothing failed, and the last one to arrive won
    assert_ran_concurrently(db, pool_watch, at_least=2)


async def test_a_draft_with_nothing_typed_is_forgotten(two_racers):
    dad, lena = two_racers
    await drafts.save_draft(dad.id, "garage.add_car", {"brand": "Mugen"})
    await drafts.save_draft(lena.id, "garage.add_car", {"brand": "Xray"})

    await drafts.save_draft(dad.id, "garage.add_car", {"brand": "", "model": None, "x": []})

    assert await drafts.load_drafts(dad.id) == {}
    assert await drafts.load_drafts(lena.id) == {"garage.add_car": {"brand": "Xray"}}


async def test_discarding_forgets_one_form_of_one_racer(two_racers):
    dad, lena = two_racers
    for racer in (dad, lena):
        await drafts.save_draft(racer.id, "garage.add_car", {"brand": "Mugen"})
        await drafts.save_draft(racer.id, "event.session", {"name": "Club day"})

    await drafts.discard_draft(dad.id, "garage.add_car")

    assert list(await drafts.load_drafts(dad.id)) == ["event.session"]
    assert len(await drafts.load_drafts(lena.id)) == 2


@pytest.mark.parametrize("form", UNKNOWN_FORMS)
async def test_unknown_form_names_are_refused(two_racers, form):
    dad, _ = two_racers
    await drafts.save_draft(dad.id, "garage.add_car", {"brand": "Mugen"})
    before = await snapshot_all()

    with pytest.raises(ValidationError) as saved:
        await drafts.save_draft(dad.id, form, {"brand": "Mugen"})
    with pytest.raises(ValidationError) as discarded:
        await drafts.discard_draft(dad.id, form)

    assert saved.value.errors == discarded.value.errors == {"form": "Unknown form"}
    assert await snapshot_all() == before


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"notes": "x" * 5_000_000}, id="5-MB"),
        pytest.param({"notes": "é" * 40_000}, id="80-KB-as-UTF-8"),
        pytest.param({f"field {i}": "x" * 100 for i in range(1000)}, id="1000-fields"),
        pytest.param({"notes": float("inf")}, id="inf"),
        pytest.param({"notes": float("nan")}, id="nan"),
        pytest.param({"notes": {1, 2}}, id="a-set"),
        pytest.param({"notes": b"bytes"}, id="bytes"),
        pytest.param({"notes": "lone \ud800 surrogate"}, id="lone-surrogate"),
        pytest.param({"notes": "NUL \x00 inside"}, id="nul"),
        pytest.param({"notes\x00": "NUL in a key"}, id="nul-in-a-key"),
        pytest.param(["not", "a", "mapping"], id="a-list"),
        pytest.param("text", id="text"),
    ],
)
async def test_a_draft_too_large_or_not_plain_data_is_refused(two_racers, data):
    dad, _ = two_racers
    await drafts.save_draft(dad.id, "garage.add_car", {"brand": "Mugen"})
    before = await snapshot_all()

    with pytest.raises(ValidationError) as caught:
        await drafts.save_draft(dad.id, "garage.add_car", data)

    assert set(caught.value.errors) == {"data"}
    assert await snapshot_all() == before


async def test_a_deeply_nested_draft_is_refused(two_racers):
    dad, _ = two_racers
    nested: dict = {}
    inner = nested
    for _ in range(100_000):
        inner["x"] = {}
        inner = inner["x"]

    with pytest.raises(ValidationError):
        await drafts.save_draft(dad.id, "garage.add_car", nested)

    assert await FormDraft.all().count() == 0


async def test_a_draft_just_under_the_limit_is_kept(two_racers):
    dad, _ = two_racers
    data = {"notes": "x" * (drafts.MAX_DRAFT_BYTES - 20)}

    await drafts.save_draft(dad.id, "advisor.debrief", data)

    assert await drafts.load_drafts(dad.id) == {"advisor.debrief": data}


async def test_a_deleted_racer_keeps_no_draft(two_racers):
    _, lena = two_racers
    await profile_service.delete_profile(lena.id)

    await drafts.save_draft(lena.id, "garage.add_car", {"brand": "Xray"})

    assert await FormDraft.all().count() == 0
    assert await drafts.load_drafts(lena.id) == {}


@pytest.mark.parametrize("racer_id", [0, -1, 2**31, 2**63, "1", None, True, 1.0])
async def test_an_impossible_racer_id_is_not_found(two_racers, racer_id):
    before = await snapshot_all()

    for call in (
        drafts.save_draft(racer_id, "garage.add_car", {"brand": "Xray"}),
        drafts.load_drafts(racer_id),
        drafts.discard_draft(racer_id, "garage.add_car"),
        workspaces.open_workspace(racer_id),
    ):
        with pytest.raises(NotFoundError):
            await call

    assert await snapshot_all() == before


# --- the workspace ----------------------------------------------------------------------------


def test_typed_input_is_kept_only_for_the_racer_the_tab_works_as():
    tab = Workspace(racer_id=1)

    assert tab.keep_typed(1, "garage.add_car", {"brand": "Mugen"})
    # The tab switched to racer 2; a late input event of racer 1's form arrives.
    tab = Workspace(racer_id=2)
    assert not tab.keep_typed(1, "garage.add_car", {"brand": "Mugen MBX8R"})
    assert tab.form_drafts == {}
    tab.forget_typed(1, "garage.add_car")  # nor can it forget racer 2's input
    assert tab.keep_typed(2, "garage.add_car", {"brand": "Xray"})
    tab.forget_typed(1, "garage.add_car")
    assert tab.typed("garage.add_car") == {"brand": "Xray"}


def test_typed_input_of_an_unknown_form_or_too_large_is_not_kept():
    tab = Workspace(racer_id=1)

    assert not tab.keep_typed(1, "garage.wings", {"angle": "3"})
    assert not tab.keep_typed(1, "garage.add_car", {"notes": "x" * 5_000_000})
    assert not tab.keep_typed(1, "garage.add_car", {"notes": float("nan")})
    assert tab.form_drafts == {}
    assert tab.keep_typed(1, "garage.add_car", {"brand": "Mugen"})
    assert tab.keep_typed(1, "garage.add_car", {"brand": ""})  # emptied: no unsaved input,
    assert tab.unsaved_forms() == [] and tab.typed("garage.add_car") == {}
    assert tab.form_drafts == {"garage.add_car": {}}  # but the form is known to be emptied


def test_typed_values_are_copied_not_shared():
    tab = Workspace(racer_id=1)
    values = {"brand": "Mugen"}
    tab.keep_typed(1, "garage.add_car", values)
    values["brand"] = "Changed later"

    assert tab.typed("garage.add_car") == {"brand": "Mugen"}
    tab.typed("garage.add_car")["brand"] = "Also changed"
    assert tab.typed("garage.add_car") == {"brand": "Mugen"}


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (None, Workspace()),
        ("garbage", Workspace()),
        ([1, 2], Workspace()),
        ({"racer_id": "3"}, Workspace()),
        ({"racer_id": True}, Workspace()),
        ({"racer_id": 0}, Workspace()),
        ({"racer_id": -4}, Workspace()),
        ({"racer_id": 2**63}, Workspace()),
        ({"racer_id": 3.0}, Workspace()),
        ({"racer_id": 3, "unknown": 1}, Workspace(racer_id=3)),
        ({"racer_id": 3, "form_drafts": "x"}, Workspace(racer_id=3)),
        ({"racer_id": 3, "form_drafts": {"garage.add_car": "x"}}, Workspace(racer_id=3)),
        ({"racer_id": 3, "form_drafts": {"garage.wings": {"a": "1"}, 4: {"a": "1"},
                                         "garage.add_car": {"brand": "Mugen"}}},
         Workspace(racer_id=3, form_drafts={"garage.add_car": {"brand": "Mugen"}})),
        ({"racer_id": 3, "form_drafts": {"garage.add_car": {"notes": "x" * 5_000_000}}},
         Workspace(racer_id=3)),
    ],
)  # fmt: skip
def test_tab_storage_of_any_shape_gives_a_usable_workspace(stored, expected):
    workspace = Workspace.from_storage(stored)

    assert workspace == expected
    assert Workspace.from_storage(workspace.to_storage()) == workspace


async def test_a_workspace_from_odd_storage_can_still_switch(two_racers):
    dad, lena = two_racers
    typed = {"garage.wings": {"a": "1"}, "garage.add_car": {"brand": "Mugen"}}
    stored = {"racer_id": dad.id, "form_drafts": typed}

    new = await workspaces.switch_to(Workspace.from_storage(stored), lena.id, keep_drafts=True)

    assert new == Workspace(racer_id=lena.id)
    assert await drafts.load_drafts(dad.id) == {"garage.add_car": {"brand": "Mugen"}}


@pytest.mark.parametrize("keep_drafts", [True, False])
async def test_switching_keeps_or_drops_the_old_racers_typed_input(two_racers, keep_drafts):
    dad, lena = two_racers
    await drafts.save_draft(lena.id, "event.session", {"name": "Hers"})
    await drafts.save_draft(dad.id, "event.session", {"name": "Saved before"})
    tab = await workspaces.open_workspace(dad.id)
    assert tab.keep_typed(dad.id, "garage.add_car", {"brand": "Mugen"})

    new = await workspaces.switch_to(tab, lena.id, keep_drafts=keep_drafts)

    assert new == Workspace(racer_id=lena.id, form_drafts={"event.session": {"name": "Hers"}})
    kept = await drafts.load_drafts(dad.id)
    if keep_drafts:
        assert kept == {
            "event.session": {"name": "Saved before"},
            "garage.add_car": {"brand": "Mugen"},
        }
    else:
        assert kept == {}
    # Late input for Dad's form lands nowhere.
    assert not new.keep_typed(dad.id, "garage.add_car", {"brand": "Mugen MBX8R"})
    assert await drafts.load_drafts(lena.id) == {"event.session": {"name": "Hers"}}


@pytest.mark.parametrize("keep_drafts", [True, False])
async def test_a_form_cleared_just_before_a_switch_leaves_no_older_draft(two_racers, keep_drafts):
    """Typed, saved on leaving the field, then cleared and switched away within the second in
    which the clearing would have been saved: the cleared form is no draft of the racer's."""
    dad, lena = two_racers
    await drafts.save_draft(dad.id, "garage.add_car", {"brand": "Tekno 4"})  # left the field
    tab = await workspaces.open_workspace(dad.id)
    assert tab.keep_typed(dad.id, "garage.add_car", {"brand": ""})  # then cleared it

    await workspaces.switch_to(tab, lena.id, keep_drafts=keep_drafts)

    assert await drafts.load_drafts(dad.id) == {}
    back = await workspaces.open_workspace(dad.id)
    assert back.unsaved_forms() == []  # coming back, switching away asks nothing

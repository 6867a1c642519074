"""Sessions: the draft the Event form autosaves into, the start, track names remembered per racer,
conditions changed while active, and the close with a summary and a rating."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from tortoise import timezone

from models import RacerProfile, RaceSession, SessionStatus, Vehicle
from models.setup_sheet import EXAMPLE_SETUP, SetupSheet
from services import garage, profile_service, sessions
from services.errors import NotFoundError, RuleError, StaleWriteError, ValidationError
from tests.concurrency import PoolWatch, assert_ran_concurrently, use_warm_pool
from tests.racers import snapshot_all

FULL_FORM = {
    "name": "Club day",
    "session_type": "Club Race",
    "session_date": "2026-05-17",
    "track_name": "Thunder Park",
    "track_context": {"size": "Large", "traction": "High", "surface": "Clay"},
    "racing_classes": ["1/8 Nitro Buggy", "1/8 Nitro Truggy"],
    "practice_rounds": 2,
    "qualifying_rounds": 3,
}


@pytest.fixture
async def dad(db) -> RacerProfile:
    return await profile_service.create_profile("Dad")


@pytest.fixture
async def car(dad) -> Vehicle:
    return await garage.add_vehicle(dad.id, "Tekno", "NB48", reference_setup=EXAMPLE_SETUP)


def form_of(session: RaceSession) -> dict:
    return {
        "name": session.name,
        "session_type": session.session_type,
        "session_date": session.session_date.isoformat(),
        "track_name": session.track_name,
        "track_context": session.track_context,
        "racing_classes": session.racing_classes,
        "practice_rounds": session.practice_rounds,
        "qualifying_rounds": session.qualifying_rounds,
    }


async def start(profile_id: int, vehicle_id: int, **overrides) -> RaceSession:
    return await sessions.start_session(profile_id, vehicle_id, **{**FULL_FORM, **overrides})


# --- the draft --------------------------------------------------------------------------------


async def test_a_draft_needs_a_car_and_a_name(dad, car):
    before = await snapshot_all()

    with pytest.raises(ValidationError) as neither:
        await sessions.save_draft_session(dad.id, None, name=" ", practice_rounds=2)
    with pytest.raises(ValidationError) as no_name:
        await sessions.save_draft_session(dad.id, car.id, track_name="Thunder Park")
    with pytest.raises(ValidationError) as no_car:
        await sessions.save_draft_session(dad.id, "", name="Club day")

    assert neither.value.errors == {"vehicle": "Choose a car", "name": "Session name is required"}
    assert no_name.value.errors == {"name": "Session name is required"}
    assert no_car.value.errors == {"vehicle": "Choose a car"}
    assert await snapshot_all() == before
    assert await sessions.draft_session(dad.id) is None


async def test_a_draft_with_a_car_and_a_name_fills_the_rest_later(dad, car):
    draft = await sessions.save_draft_session(dad.id, car.id, name="Club day")

    assert draft.status == SessionStatus.DRAFT
    assert (draft.session_type, draft.session_date) == ("Practice", timezone.now().date())
    assert (draft.track_name, draft.track_context, draft.racing_classes) == (None, {}, [])
    assert SetupSheet.of(draft.actual_setup) == SetupSheet.of(EXAMPLE_SETUP)

    again = await sessions.save_draft_session(dad.id, car.id, **FULL_FORM)

    assert again.id == draft.id
    assert form_of(await sessions.draft_session(dad.id)) == FULL_FORM
    assert await RaceSession.filter(profile_id=dad.id).count() == 1
    assert await sessions.active_session(dad.id) is None


async def test_a_draft_keeps_what_was_valid_when_a_field_is_wrong(dad, car):
    await sessions.save_draft_session(dad.id, car.id, **FULL_FORM)
    before = await snapshot_all()

    for bad in (
        {"practice_rounds": 21},
        {"qualifying_rounds": 2.5},
        {"session_type": "Drag race"},
        {"session_date": "17/05/2026"},
        {"track_context": {"surface": "Ice"}},
        {"racing_classes": ["1/8 Nitro", ""]},
        {"track_name": "x" * 101},
    ):
        with pytest.raises(ValidationError) as caught:
            await sessions.save_draft_session(dad.id, car.id, **{**FULL_FORM, **bad})
        assert len(caught.value.errors) == 1, bad

    assert await snapshot_all() == before
    assert form_of(await sessions.draft_session(dad.id)) == FULL_FORM


async def test_one_draft_per_racer_even_when_two_tabs_save_at_once(db, pool_watch: PoolWatch):
    dad = await profile_service.create_profile("Dad")
    lena = await profile_service.create_profile("Lena")
    dad_car = await garage.add_vehicle(dad.id, "Tekno", "NB48")
    lena_car = await garage.add_vehicle(lena.id, "Xray", "XB8")
    await use_warm_pool(db, pool_watch)

    saved = await asyncio.gather(
        *(sessions.save_draft_session(dad.id, dad_car.id, name=f"Tab {i}") for i in range(6)),
        sessions.save_draft_session(lena.id, lena_car.id, name="Hers"),
    )

    dads = await RaceSession.filter(profile_id=dad.id)
    assert len(dads) == 1 and dads[0].status == SessionStatus.DRAFT
    assert {s.id for s in saved[:6]} == {dads[0].id}
    assert dads[0].name in {f"Tab {i}" for i in range(6)}
    assert (await sessions.draft_session(lena.id)).name == "Hers"
    assert_ran_concurrently(db, pool_watch, at_least=2)


async def test_a_draft_can_be_discarded_without_touching_anything_else(dad, car):
    active = await start(dad.id, car.id)
    await sessions.save_draft_session(dad.id, car.id, name="Next week")

    await sessions.discard_draft_session(dad.id)

    assert await sessions.draft_session(dad.id) is None
    assert (await sessions.active_session(dad.id)).id == active.id


# --- the start --------------------------------------------------------------------------------


async def test_start_makes_the_draft_active_with_the_reference_of_that_moment(dad, car):
    draft = await sessions.save_draft_session(dad.id, car.id, name="Club day")
    # The reference changes after the draft was made: the twin starts from the new one.
    await garage.save_reference_setup(
        dad.id, car.id, {**EXAMPLE_SETUP, "spur": 50}, expected_version=car.version
    )

    active = await start(dad.id, car.id)

    assert active.id == draft.id
    assert active.status == SessionStatus.ACTIVE
    assert active.actual_setup["spur"] == 50
    assert form_of(active) == FULL_FORM
    assert await sessions.draft_session(dad.id) is None
    assert (await sessions.active_session(dad.id)).id == draft.id
    assert await RaceSession.filter(profile_id=dad.id).count() == 1


async def test_start_without_a_draft_creates_the_session(dad, car):
    active = await start(dad.id, car.id, track_context=None, racing_classes=None)

    assert (active.track_context, active.racing_classes) == ({}, [])
    assert SetupSheet.of(active.actual_setup) == SetupSheet.of(EXAMPLE_SETUP)


async def test_start_needs_the_whole_form(dad, car):
    await sessions.save_draft_session(dad.id, car.id, name="Club day")
    before = await snapshot_all()

    with pytest.raises(ValidationError) as caught:
        await sessions.start_session(dad.id, car.id, "Club day", None, None)

    assert set(caught.value.errors) == {"session_type", "session_date"}
    assert await snapshot_all() == before


async def test_a_second_start_is_refused_and_the_draft_stays(dad, car):
    await start(dad.id, car.id)
    await sessions.save_draft_session(dad.id, car.id, name="Next week")
    before = await snapshot_all()

    with pytest.raises(RuleError, match="already has an active session"):
        await start(dad.id, car.id, name="Next week")

    assert await snapshot_all() == before


async def test_two_tabs_starting_at_once_start_one_session(db, pool_watch: PoolWatch):
    dad = await profile_service.create_profile("Dad")
    car = await garage.add_vehicle(dad.id, "Tekno", "NB48")
    await sessions.save_draft_session(dad.id, car.id, name="Club day")
    await use_warm_pool(db, pool_watch)

    results = await asyncio.gather(
        start(dad.id, car.id, name="Tab one"),
        start(dad.id, car.id, name="Tab two"),
        start(dad.id, car.id, name="Tab three"),
        return_exceptions=True,
    )

    started = [r for r in results if isinstance(r, RaceSession)]
    refused = [r for r in results if isinstance(r, RuleError)]
    assert (len(started), len(refused)) == (1, 2), results
    stored = await RaceSession.filter(profile_id=dad.id)
    assert [(s.id, s.name, s.status) for s in stored] == [
        (started[0].id, started[0].name, SessionStatus.ACTIVE)
    ]
    assert_ran_concurrently(db, pool_watch, at_least=2)


async def test_a_session_cannot_start_on_another_racers_car(dad, car):
    lena = await profile_service.create_profile("Lena")
    hers = await garage.add_vehicle(lena.id, "Xray", "XB8")
    before = await snapshot_all()

    with pytest.raises(ValidationError) as started:
        await start(dad.id, hers.id)
    with pytest.raises(ValidationError) as drafted:
        await sessions.save_draft_session(dad.id, hers.id, name="Borrowed")

    assert (
        started.value.errors
        == drafted.value.errors
        == {"vehicle": "That car is not in this racer's garage"}
    )
    assert await snapshot_all() == before


# --- track names ------------------------------------------------------------------------------


async def test_track_names_are_remembered_with_the_last_context_ignoring_capitals(dad, car):
    lena = await profile_service.create_profile("Lena")
    lena_car = await garage.add_vehicle(lena.id, "Xray", "XB8")
    visits = [
        ("Thunder Park", date(2026, 3, 1), {"surface": "Dusty"}),
        ("Mudflats", date(2026, 4, 1), {"surface": "Muddy", "condition": "Rutted"}),
        ("thunder park ", date(2026, 5, 1), {"surface": "Clay", "traction": "High"}),
    ]
    for track, day, context in visits:
        session = await start(dad.id, car.id, track_name=track, session_date=day,
                              track_context=context)  # fmt: skip
        await sessions.close_session(dad.id, session.id)
    her = await start(lena.id, lena_car.id, track_name="Secret Valley")
    await sessions.close_session(lena.id, her.id)
    await sessions.save_draft_session(dad.id, car.id, name="Plan", track_name="Not been yet")

    remembered = await sessions.track_names(dad.id)

    assert [(t.name, t.track_context, t.last_date) for t in remembered] == [
        ("thunder park", {"surface": "Clay", "traction": "High"}, date(2026, 5, 1)),
        ("Mudflats", {"surface": "Muddy", "condition": "Rutted"}, date(2026, 4, 1)),
    ]
    assert [t.name for t in await sessions.track_names(lena.id)] == ["Secret Valley"]


async def test_the_active_session_offers_its_track_too(dad, car):
    await start(dad.id, car.id, track_name="Thunder Park", session_date=date.today())

    assert [t.name for t in await sessions.track_names(dad.id)] == ["Thunder Park"]


# --- conditions while active ------------------------------------------------------------------


async def test_conditions_change_while_active_with_a_version_check(dad, car):
    active = await start(dad.id, car.id)

    changed = await sessions.update_conditions(
        dad.id, active.id, expected_version=active.version,
        track_context={"surface": "Dry", "condition": "Bumpy"}, practice_rounds=3,
        qualifying_rounds=4,
    )  # fmt: skip

    stored = await RaceSession.get(id=active.id)
    assert stored.track_context == {"surface": "Dry", "condition": "Bumpy"}
    assert (stored.practice_rounds, stored.qualifying_rounds) == (3, 4)
    assert changed.version == stored.version == active.version + 1
    # A second tab still at the old version is refused and writes nothing.
    before = await snapshot_all()
    with pytest.raises(StaleWriteError, match="changed on another screen"):
        await sessions.update_conditions(
            dad.id, active.id, expected_version=active.version, track_context={"surface": "Wet"}
        )
    assert await snapshot_all() == before


async def test_bad_conditions_are_refused_and_write_nothing(dad, car):
    active = await start(dad.id, car.id)
    before = await snapshot_all()

    with pytest.raises(ValidationError) as caught:
        await sessions.update_conditions(
            dad.id, active.id, expected_version=active.version,
            track_context={"surface": "Ice", "wind": "Strong"}, practice_rounds=-1,
            qualifying_rounds=True,
        )  # fmt: skip

    assert set(caught.value.errors) == {"surface", "wind", "practice_rounds", "qualifying_rounds"}
    assert await snapshot_all() == before


async def test_conditions_of_an_ended_session_or_a_draft_cannot_change(dad, car):
    ended = await start(dad.id, car.id)
    await sessions.close_session(dad.id, ended.id)
    draft = await sessions.save_draft_session(dad.id, car.id, name="Next")
    before = await snapshot_all()

    for session in (await RaceSession.get(id=ended.id), draft):
        with pytest.raises(RuleError):
            await sessions.update_conditions(
                dad.id, session.id, expected_version=session.version, practice_rounds=1
            )

    assert await snapshot_all() == before


# --- close ------------------------------------------------------------------------------------


async def test_closing_keeps_a_summary_and_a_rating(dad, car):
    active = await start(dad.id, car.id)

    closed = await sessions.close_session(
        dad.id, active.id, summary="  Fast in the whoops.\r\nLoose on entry. ", rating="4"
    )

    stored = await RaceSession.get(id=active.id)
    assert stored.status == SessionStatus.COMPLETED == closed.status
    assert stored.summary == "Fast in the whoops.\nLoose on entry."
    assert stored.rating == 4
    assert stored.ended_at is not None
    assert abs(stored.ended_at - timezone.now()) < timedelta(minutes=1)
    assert await sessions.active_session(dad.id) is None
    # The next session can start.
    await start(dad.id, car.id, name="Next")


async def test_closing_without_words_is_fine(dad, car):
    active = await start(dad.id, car.id)

    closed = await sessions.close_session(dad.id, active.id, summary=" ", rating=None)

    assert (closed.summary, closed.rating) == (None, None)


@pytest.mark.parametrize("rating", [0, 6, 2.5, "five", True, -1, float("nan"), 10**20])
async def test_a_bad_rating_is_refused_and_the_session_stays_active(dad, car, rating):
    active = await start(dad.id, car.id)
    before = await snapshot_all()

    with pytest.raises(ValidationError) as caught:
        await sessions.close_session(dad.id, active.id, summary="Good day", rating=rating)

    assert set(caught.value.errors) == {"rating"}
    assert await snapshot_all() == before


async def test_closing_twice_or_closing_a_draft_is_refused(dad, car):
    active = await start(dad.id, car.id)
    await sessions.close_session(dad.id, active.id, rating=5)
    draft = await sessions.save_draft_session(dad.id, car.id, name="Next")
    before = await snapshot_all()

    for session_id in (active.id, draft.id):
        with pytest.raises(RuleError, match="not active"):
            await sessions.close_session(dad.id, session_id, rating=1)

    assert await snapshot_all() == before
    assert (await RaceSession.get(id=active.id)).rating == 5


# --- a racer deleted mid-way ------------------------------------------------------------------


async def test_a_racer_deleted_in_another_tab_gets_not_found_everywhere(dad, car):
    lena = await profile_service.create_profile("Lena")
    lena_car = await garage.add_vehicle(lena.id, "Xray", "XB8")
    active = await start(lena.id, lena_car.id)
    await profile_service.delete_profile(lena.id)
    before = await snapshot_all()

    for call in (
        sessions.save_draft_session(lena.id, lena_car.id, name="Ghost"),
        start(lena.id, lena_car.id),
        sessions.update_conditions(lena.id, active.id, expected_version=1, practice_rounds=1),
        sessions.close_session(lena.id, active.id, rating=3),
        sessions.get_session(lena.id, active.id),
    ):
        with pytest.raises(NotFoundError):
            await call

    assert await snapshot_all() == before
    assert await sessions.active_session(lena.id) is None
    assert await sessions.track_names(lena.id) == []


@pytest.mark.parametrize("call", ["draft", "start"])
async def test_a_racer_deleted_while_saving_leaves_nothing_behind(db, pool_watch, call):
    await profile_service.create_profile("Dad")
    lena = await profile_service.create_profile("Lena")
    car = await garage.add_vehicle(lena.id, "Xray", "XB8")
    await use_warm_pool(db, pool_watch)

    save = (
        sessions.save_draft_session(lena.id, car.id, name="Club day")
        if call == "draft"
        else start(lena.id, car.id)
    )
    results = await asyncio.gather(
        save, profile_service.delete_profile(lena.id), return_exceptions=True
    )

    assert isinstance(results[0], RaceSession | NotFoundError), results[0]
    assert isinstance(results[1], profile_service.DeletionReport), results[1]
    assert await RaceSession.filter(profile_id=lena.id).count() == 0
    assert not await RacerProfile.exists(id=lena.id)

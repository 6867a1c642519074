"""The digital twin: manual edits logged as changes, pending changes accepted or denied, undo,
drift from the reference, and the twin saved back as the car's reference."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from models import (
    ChangeSource,
    ChangeStatus,
    Message,
    MessageRole,
    RaceSession,
    SetupChange,
    Vehicle,
)
from models.setup_sheet import EXAMPLE_SETUP, PARAMETERS, SetupSheet
from services import garage, profile_service, sessions, setups
from services.errors import NotFoundError, RuleError, StaleWriteError, ValidationError
from tests.concurrency import PoolWatch, assert_ran_concurrently, use_warm_pool
from tests.racers import snapshot_all


@pytest.fixture
async def session(db) -> RaceSession:
    """Dad's active session on a car whose reference is the example setup."""
    dad = await profile_service.create_profile("Dad")
    car = await garage.add_vehicle(dad.id, "Tekno", "NB48", reference_setup=EXAMPLE_SETUP)
    return await sessions.start_session(dad.id, car.id, "Club day", "Practice", date(2026, 5, 1))


async def twin_version(session: RaceSession) -> int:
    return (await setups.get_twin(session.profile_id, session.id)).version


async def actual(session: RaceSession) -> SetupSheet:
    return SetupSheet.of((await RaceSession.get(id=session.id)).actual_setup)


async def edit(session: RaceSession, values: dict, **kwargs) -> list[SetupChange]:
    version = await twin_version(session)
    return await setups.edit_twin(
        session.profile_id, session.id, values, expected_version=version, **kwargs
    )


def logged(change: SetupChange) -> tuple:
    return (change.parameter, change.old_value, change.new_value, change.source, change.status)


# --- manual edits -----------------------------------------------------------------------------


async def test_an_edit_logs_one_accepted_manual_change_per_changed_parameter(session):
    version = await twin_version(session)

    changes = await setups.edit_twin(
        session.profile_id, session.id,
        {"front_shock_oil": 500, "venturi": "7,2", "spur": 48.0, "rear_toe": 3},
        expected_version=version, reason=" Pushing mid-corner ",
    )  # fmt: skip

    # spur 48 and rear toe 3.0 were already the values: no change for them.
    assert [logged(c) for c in changes] == [
        ("front_shock_oil", 450, 500, ChangeSource.MANUAL, ChangeStatus.ACCEPTED),
        ("venturi", 7.0, 7.2, ChangeSource.MANUAL, ChangeStatus.ACCEPTED),
    ]
    stored = await SetupChange.filter(session_id=session.id).order_by("id")
    assert [logged(c) for c in stored] == [logged(c) for c in changes]
    assert all(c.decided_at is not None and c.reasoning == "Pushing mid-corner" for c in stored)
    twin = await actual(session)
    assert (twin["front_shock_oil"], twin["venturi"], twin["spur"]) == (500, 7.2, 48)
    assert await twin_version(session) == version + 1


async def test_an_edit_of_text_parameters_logs_the_text(session):
    changes = await edit(session, {"front_spring": "Blue", "rear_pistons": "1.6x4", "pipe": None})

    assert [logged(c)[:3] for c in changes] == [
        ("front_spring", "Green", "Blue"),
        ("rear_pistons", "1.7x4", "1.6x4"),
        ("pipe", "REDS 2143", None),
    ]
    stored = await SetupChange.filter(session_id=session.id).order_by("id")
    assert [logged(c)[:3] for c in stored] == [logged(c)[:3] for c in changes]


async def test_text_that_looks_like_a_number_stays_text(session):
    # A spring given as a rate, a tread as a number: they are text on the sheet.
    await edit(session, {"front_spring": "4.2", "tire_tread": "12"})
    await edit(session, {"front_spring": "true"})

    log = await setups.change_log(session.profile_id, session.id)
    assert [logged(c)[:3] for c in reversed(log)] == [
        ("front_spring", "Green", "4.2"),
        ("tire_tread", "Kosmos", "12"),
        ("front_spring", "4.2", "true"),
    ]
    await setups.undo_last(session.profile_id, session.id)
    assert (await actual(session))["front_spring"] == "4.2"


async def test_an_edit_with_nothing_changed_logs_nothing_and_keeps_the_version(session):
    version = await twin_version(session)
    before = await snapshot_all()

    changes = await setups.edit_twin(
        session.profile_id, session.id,
        {"spur": 48.0, "diff_front": "7000", "front_toe": -1, "front_spring": " Green "},
        expected_version=version,
    )  # fmt: skip

    assert changes == []
    assert await snapshot_all() == before


async def test_a_stale_edit_is_refused_and_writes_nothing(session):
    version = await twin_version(session)
    await setups.edit_twin(session.profile_id, session.id, {"spur": 47}, expected_version=version)
    before = await snapshot_all()

    with pytest.raises(StaleWriteError, match="changed on another screen"):
        await setups.edit_twin(
            session.profile_id, session.id, {"venturi": 8.0}, expected_version=version
        )

    assert await snapshot_all() == before


async def test_a_bad_value_or_reason_is_refused_and_writes_nothing(session):
    version = await twin_version(session)
    before = await snapshot_all()

    with pytest.raises(ValidationError) as values:
        await setups.edit_twin(session.profile_id, session.id,
                               {"spur": 60, "venturi": 7.5}, expected_version=version)  # fmt: skip
    with pytest.raises(ValidationError) as reason:
        await setups.edit_twin(session.profile_id, session.id, {"venturi": 7.5},
                               expected_version=version, reason="\u202eevil")  # fmt: skip

    assert values.value.errors == {"spur": "Spur must be between 40 and 56 teeth"}
    assert reason.value.errors == {"reason": "Reason cannot contain control characters"}
    assert await snapshot_all() == before


# --- pending changes --------------------------------------------------------------------------


async def test_accepting_applies_the_change_with_the_value_held_at_acceptance(session):
    pending = await setups.propose_change(
        session.profile_id, session.id, "rear_shock_oil", 450, reasoning="Bottoming on landings"
    )
    assert logged(pending) == ("rear_shock_oil", 400, 450, ChangeSource.ADVISOR,
                               ChangeStatus.PENDING)  # fmt: skip
    assert pending.decided_at is None
    assert [c.id for c in await setups.pending_changes(session.profile_id, session.id)] == [
        pending.id
    ]
    # The racer changes the same oil by hand before deciding.
    await edit(session, {"rear_shock_oil": 425})
    version = await twin_version(session)

    accepted = await setups.accept_change(session.profile_id, pending.id)

    stored = await SetupChange.get(id=pending.id)
    assert logged(stored) == ("rear_shock_oil", 425, 450, ChangeSource.ADVISOR,
                              ChangeStatus.ACCEPTED)  # fmt: skip
    assert stored.decided_at is not None and accepted.decided_at == stored.decided_at
    assert stored.reasoning == "Bottoming on landings"
    assert (await actual(session))["rear_shock_oil"] == 450
    assert await twin_version(session) == version + 1
    assert await setups.pending_changes(session.profile_id, session.id) == []
    assert (await sessions.active_session(session.profile_id)).pending_changes == 0


async def test_denying_records_the_decision_and_leaves_the_twin(session):
    pending = await setups.propose_change(session.profile_id, session.id, "front_toe", -1.5)
    twin_before = await actual(session)
    version = await twin_version(session)

    await setups.deny_change(session.profile_id, pending.id)

    stored = await SetupChange.get(id=pending.id)
    assert stored.status == ChangeStatus.DENIED and stored.decided_at is not None
    assert (stored.old_value, stored.new_value) == (-1.0, -1.5)
    assert await actual(session) == twin_before
    assert await twin_version(session) == version


@pytest.mark.parametrize(
    ("first", "second"),
    [("accept", "accept"), ("accept", "deny"), ("deny", "accept"), ("deny", "deny")],
)
async def test_a_change_is_decided_once(session, first, second):
    pending = await setups.propose_change(session.profile_id, session.id, "spur", 46)
    await getattr(setups, f"{first}_change")(session.profile_id, pending.id)
    before = await snapshot_all()

    with pytest.raises(RuleError, match="already"):
        await getattr(setups, f"{second}_change")(session.profile_id, pending.id)

    assert await snapshot_all() == before


async def test_accept_and_deny_at_once_decide_the_change_once(db, pool_watch: PoolWatch):
    dad = await profile_service.create_profile("Dad")
    car = await garage.add_vehicle(dad.id, "Tekno", "NB48", reference_setup=EXAMPLE_SETUP)
    active = await sessions.start_session(dad.id, car.id, "Club day", "Practice", date.today())
    pending = [
        await setups.propose_change(dad.id, active.id, key, value)
        for key, value in (("spur", 46), ("venturi", 7.5), ("rear_toe", 2.5), ("front_toe", 0))
    ]
    await use_warm_pool(db, pool_watch)

    results = await asyncio.gather(
        *(setups.accept_change(dad.id, c.id) for c in pending),
        *(setups.deny_change(dad.id, c.id) for c in pending),
        return_exceptions=True,
    )

    for change, accepted, denied in zip(pending, results[:4], results[4:], strict=True):
        outcomes = [r for r in (accepted, denied) if isinstance(r, SetupChange)]
        assert len(outcomes) == 1, (accepted, denied)
        assert all(isinstance(r, RuleError | StaleWriteError) for r in (accepted, denied)
                   if r not in outcomes)  # fmt: skip
        stored = await SetupChange.get(id=change.id)
        twin = await actual(active)
        if stored.status == ChangeStatus.ACCEPTED:
            assert twin[change.parameter] == change.new_value
        else:
            assert stored.status == ChangeStatus.DENIED
            assert twin[change.parameter] == EXAMPLE_SETUP[change.parameter]
    assert_ran_concurrently(db, pool_watch, at_least=2)


async def test_a_second_pending_change_of_a_parameter_is_refused(session):
    await setups.propose_change(session.profile_id, session.id, "spur", 46)
    before = await snapshot_all()

    with pytest.raises(RuleError, match="Spur is already waiting"):
        await setups.propose_change(session.profile_id, session.id, "spur", 50)

    assert await snapshot_all() == before


@pytest.mark.parametrize(("parameter", "value"), [("spur", 48), ("spur", "48.0"),
                                                   ("front_spring", "Green")])  # fmt: skip
async def test_proposing_the_value_the_twin_holds_is_refused(session, parameter, value):
    before = await snapshot_all()

    with pytest.raises(RuleError, match="is already"):
        await setups.propose_change(session.profile_id, session.id, parameter, value)

    assert await snapshot_all() == before


@pytest.mark.parametrize(
    ("parameter", "value", "field"),
    [("wing", 3, "parameter"), ("spur", 70, "spur"), ("spur", None, "spur"),
     (["spur"], 46, "parameter")],
)  # fmt: skip
async def test_proposing_a_bad_parameter_or_value_is_refused(session, parameter, value, field):
    before = await snapshot_all()

    with pytest.raises(ValidationError) as caught:
        await setups.propose_change(session.profile_id, session.id, parameter, value)

    assert set(caught.value.errors) == {field}
    assert await snapshot_all() == before


async def test_a_proposal_links_only_a_message_of_its_own_session(session):
    lena = await profile_service.create_profile("Lena")
    car = await garage.add_vehicle(lena.id, "Xray", "XB8")
    hers = await sessions.start_session(lena.id, car.id, "Hers", "Practice", date.today())
    her_message = await Message.create(session_id=hers.id, role=MessageRole.RACER, content="x")
    mine = await Message.create(session_id=session.id, role=MessageRole.ADVISOR, content="Try")
    before = await snapshot_all()

    with pytest.raises(NotFoundError):
        await setups.propose_change(
            session.profile_id, session.id, "spur", 46, message_id=her_message.id
        )
    assert await snapshot_all() == before

    linked = await setups.propose_change(
        session.profile_id, session.id, "spur", 46, message_id=mine.id, rule_id="gearing"
    )
    assert (linked.message_id, linked.rule_id) == (mine.id, "gearing")


# --- undo -------------------------------------------------------------------------------------


async def test_undo_walks_back_through_accepted_changes(session):
    await edit(session, {"spur": 46})
    await edit(session, {"spur": 47, "venturi": 7.4})
    pending = await setups.propose_change(session.profile_id, session.id, "front_toe", 0)
    await setups.accept_change(session.profile_id, pending.id)
    denied = await setups.propose_change(session.profile_id, session.id, "rear_toe", 2)
    await setups.deny_change(session.profile_id, denied.id)

    steps = []
    for _ in range(4):
        undo = await setups.undo_last(session.profile_id, session.id)
        twin = await actual(session)
        steps.append((undo.parameter, undo.old_value, undo.new_value,
                      (twin["spur"], twin["venturi"], twin["front_toe"])))  # fmt: skip

    # One edit's changes are logged in sheet order (venturi before spur), undone newest first.
    assert steps == [
        ("front_toe", 0.0, -1.0, (47, 7.4, -1.0)),
        ("spur", 47, 46, (46, 7.4, -1.0)),
        ("venturi", 7.4, 7.0, (46, 7.0, -1.0)),
        ("spur", 46, 48, (48, 7.0, -1.0)),
    ]
    assert await actual(session) == SetupSheet.of(EXAMPLE_SETUP)
    with pytest.raises(RuleError, match="no change to undo"):
        await setups.undo_last(session.profile_id, session.id)

    undos = await SetupChange.filter(session_id=session.id, reverts_id__isnull=False)
    assert len(undos) == 4
    assert all(u.status == ChangeStatus.ACCEPTED and u.source == ChangeSource.MANUAL
               and u.decided_at is not None for u in undos)  # fmt: skip
    assert (await SetupChange.get(id=denied.id)).status == ChangeStatus.DENIED
    log = await setups.change_log(session.profile_id, session.id)
    assert len(log) == 3 + 1 + 1 + 4  # nothing is deleted: the log stays true
    assert log[0].reverts_id is not None  # newest first


async def test_undo_points_at_the_change_it_takes_back_and_bumps_the_version(session):
    (change,) = await edit(session, {"clutch": "3-Shoe Soft"})
    version = await twin_version(session)

    undo = await setups.undo_last(session.profile_id, session.id)

    assert undo.reverts_id == change.id
    assert (undo.old_value, undo.new_value) == ("3-Shoe Soft", "4-Shoe Med")
    assert "Clutch" in undo.reasoning
    assert await twin_version(session) == version + 1
    assert (await actual(session))["clutch"] == "4-Shoe Med"


async def test_undo_with_nothing_accepted_is_refused(session):
    await setups.propose_change(session.profile_id, session.id, "spur", 46)
    before = await snapshot_all()

    with pytest.raises(RuleError, match="no change to undo"):
        await setups.undo_last(session.profile_id, session.id)

    assert await snapshot_all() == before


# --- an ended session -------------------------------------------------------------------------


async def test_an_ended_session_refuses_every_change_of_its_twin(session):
    pid = session.profile_id
    pending = await setups.propose_change(pid, session.id, "spur", 46)
    await edit(session, {"venturi": 7.5})
    version = await twin_version(session)
    await sessions.close_session(pid, session.id, summary="Done", rating=3)
    before = await snapshot_all()

    for call in (
        setups.edit_twin(pid, session.id, {"venturi": 7.6}, expected_version=version),
        setups.propose_change(pid, session.id, "rear_toe", 2),
        setups.accept_change(pid, pending.id),
        setups.deny_change(pid, pending.id),
        setups.undo_last(pid, session.id),
        setups.copy_groups_into_twin(
            pid, session.id, {"spur": 50}, ["Power"], expected_version=version, reason="x"
        ),
    ):
        with pytest.raises(RuleError, match="ended"):
            await call

    assert await snapshot_all() == before
    assert not (await setups.get_twin(pid, session.id)).editable
    assert len(await setups.change_log(pid, session.id)) == 2  # still readable


# --- drift, library copies and saving as reference --------------------------------------------


async def test_drift_lists_what_differs_from_the_reference(session):
    twin = await setups.get_twin(session.profile_id, session.id)
    assert twin.drift == [] and twin.editable

    await edit(session, {"venturi": 7.5, "front_spring": "Blue", "spur": 48.0})
    drift = (await setups.get_twin(session.profile_id, session.id)).drift

    assert [(d.parameter.key, d.reference, d.actual) for d in drift] == [
        ("front_spring", "Green", "Blue"),
        ("venturi", 7.0, 7.5),
    ]


async def test_drift_follows_a_new_reference(session):
    await edit(session, {"venturi": 7.5})
    twin = await setups.get_twin(session.profile_id, session.id)
    await garage.save_reference_setup(
        session.profile_id, twin.vehicle_id, {**EXAMPLE_SETUP, "venturi": 7.5, "spur": 50},
        expected_version=twin.vehicle_version,
    )  # fmt: skip

    drift = (await setups.get_twin(session.profile_id, session.id)).drift

    assert [(d.parameter.key, d.reference, d.actual) for d in drift] == [("spur", 50, 48)]


async def test_copying_groups_into_the_twin_logs_library_changes(session):
    other = {**EXAMPLE_SETUP, "spur": 50, "clutch_bell": 14, "diff_rear": 7000,
             "front_spring": "Red"}  # fmt: skip

    changes = await setups.copy_groups_into_twin(
        session.profile_id, session.id, other, ["Power", "Diffs"],
        expected_version=await twin_version(session), reason="From the Nationals setup",
    )  # fmt: skip

    assert [logged(c) for c in changes] == [
        ("diff_rear", 5000, 7000, ChangeSource.LIBRARY, ChangeStatus.ACCEPTED),
        ("clutch_bell", 13, 14, ChangeSource.LIBRARY, ChangeStatus.ACCEPTED),
        ("spur", 48, 50, ChangeSource.LIBRARY, ChangeStatus.ACCEPTED),
    ]
    assert all(c.reasoning == "From the Nationals setup" for c in changes)
    assert (await actual(session))["front_spring"] == "Green"  # Front was not copied


async def test_copying_bad_groups_into_the_twin_is_refused(session):
    version = await twin_version(session)
    before = await snapshot_all()

    for groups in (["Wings"], "Power", [["Power"]], []):
        with pytest.raises(ValidationError) as caught:
            await setups.copy_groups_into_twin(
                session.profile_id, session.id, EXAMPLE_SETUP, groups,
                expected_version=version, reason="x",
            )  # fmt: skip
        assert set(caught.value.errors) == {"groups"}
    with pytest.raises(ValidationError) as caught:
        await setups.copy_groups_into_twin(session.profile_id, session.id, ["not", "a", "setup"],
                                           None, expected_version=version, reason="x")  # fmt: skip
    assert set(caught.value.errors) == {"setup"}

    assert await snapshot_all() == before


async def test_saving_the_twin_as_reference_checks_the_cars_version(session):
    await edit(session, {"venturi": 7.5, "front_spring": "Blue"})
    twin = await setups.get_twin(session.profile_id, session.id)

    car = await setups.save_twin_as_reference(
        session.profile_id, session.id, expected_vehicle_version=twin.vehicle_version
    )

    assert car.version == twin.vehicle_version + 1
    stored = await Vehicle.get(id=twin.vehicle_id)
    assert SetupSheet.of(stored.reference_setup) == await actual(session)
    assert (await setups.get_twin(session.profile_id, session.id)).drift == []

    # A second tab that still shows the old reference is told, and nothing is written.
    await edit(session, {"venturi": 7.8})
    before = await snapshot_all()
    with pytest.raises(StaleWriteError, match="reference setup was changed"):
        await setups.save_twin_as_reference(
            session.profile_id, session.id, expected_vehicle_version=twin.vehicle_version
        )
    assert await snapshot_all() == before


async def test_every_parameter_can_be_edited_and_undone(session):
    values = {
        p.key: (p.maximum if p.is_number else f"{p.label} B") for p in PARAMETERS
    }  # the maximum differs from every example value

    changes = await edit(session, values)
    assert len(changes) == len(PARAMETERS)
    for _ in PARAMETERS:
        await setups.undo_last(session.profile_id, session.id)

    assert await actual(session) == SetupSheet.of(EXAMPLE_SETUP)


async def test_an_edit_read_before_the_session_closed_cannot_land_after_it(session, monkeypatch):
    """Another tab closes the session between this edit's read and its write."""
    racer_id, version = session.profile_id, await twin_version(session)
    before_close = await sessions.get_session(racer_id, session.id)
    await sessions.close_session(racer_id, session.id, summary="Done for today")
    closed = await sessions.get_session(racer_id, session.id)
    assert closed.version == version + 1  # closing moves the version on

    async def read_before_the_close(profile_id, session_id):
        return before_close

    monkeypatch.setattr(sessions, "get_session", read_before_the_close)
    rows = await snapshot_all()
    with pytest.raises(RuleError, match="has ended"):
        await setups.edit_twin(racer_id, session.id, {"venturi": 8.0}, expected_version=version)
    assert await snapshot_all() == rows

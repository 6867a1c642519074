"""History: past sessions, one session read-only, two setups compared, a past setup copied."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import pytest

from models import (
    ChangeSource,
    ChangeStatus,
    RaceSession,
    RunResult,
    SessionStatus,
    SetupChange,
)
from services import garage, history, profile_service, sessions, setups
from services.errors import NotFoundError, RuleError, StaleWriteError, ValidationError
from tests.notebook import seed_racer


@pytest.fixture
async def lena(db):
    return await seed_racer("Lena", sessions=3)


async def test_history_lists_past_sessions_newest_first(lena):
    page = await history.list_sessions(lena.id)
    assert [s.name for s in page.sessions] == ["Round 3", "Round 2", "Round 1"]
    newest, _, oldest = page.sessions
    assert newest.in_progress and not oldest.in_progress
    assert (oldest.session_date, oldest.track_name, oldest.vehicle_name) == (
        date(2026, 3, 1),
        "Riverside",
        "Car 1",
    )
    # The fastest of its runs' best laps; changes made (a pending proposal is not one).
    assert (oldest.best_lap, oldest.changes) == (33.4, 2)
    assert (page.page, page.pages, page.total) == (1, 1, 3)


async def test_a_session_being_prepared_is_not_history(lena):
    car = (await garage.list_vehicles(lena.id))[0]
    await sessions.save_draft_session(lena.id, car.id, name="Next Sunday")
    assert "Next Sunday" not in [s.name for s in (await history.list_sessions(lena.id)).sessions]


async def test_history_filters_by_car_track_and_type(lena):
    cars = await garage.list_vehicles(lena.id)
    by_car = await history.list_sessions(lena.id, vehicle_id=cars[1].id)
    assert [s.name for s in by_car.sessions] == ["Round 2"]
    by_track = await history.list_sessions(lena.id, track_name="  riverside ")
    assert [s.name for s in by_track.sessions] == ["Round 1"]
    by_type = await history.list_sessions(lena.id, session_type="Main")
    assert [s.name for s in by_type.sessions] == ["Round 3"]
    none = await history.list_sessions(lena.id, track_name="Hilltop", session_type="Main")
    assert (none.sessions, none.total, none.pages) == ([], 0, 1)
    choices = await history.filters(lena.id)
    assert choices.tracks == ["Hilltop", "Riverside"]
    assert list(choices.cars.values()) == ["Car 1", "Car 2"]
    with pytest.raises(ValidationError) as error:
        await history.list_sessions(lena.id, session_type="Party")
    assert "session_type" in error.value.errors


async def test_history_pages(lena):
    first = await history.list_sessions(lena.id, per_page=2)
    second = await history.list_sessions(lena.id, per_page=2, page=2)
    beyond = await history.list_sessions(lena.id, per_page=2, page=9)
    assert [s.name for s in first.sessions] == ["Round 3", "Round 2"]
    assert [s.name for s in second.sessions] == ["Round 1"]
    assert (beyond.page, [s.name for s in beyond.sessions]) == (2, ["Round 1"])
    assert first.pages == 2


async def test_another_racers_history_is_not_found(lena):
    dad = await seed_racer("Dad", sessions=1)
    dads_car = (await garage.list_vehicles(dad.id))[0]
    dads_session = (await history.list_sessions(dad.id)).sessions[0]
    with pytest.raises(NotFoundError):
        await history.list_sessions(lena.id, vehicle_id=dads_car.id)
    for call in (
        history.get_record(lena.id, dads_session.id),
        history.compare_with_reference(lena.id, dads_session.id),
        history.compare_sessions(lena.id, dads_session.id, dads_session.id),
        history.list_sessions(2**40),
        history.get_record(lena.id, "1"),
    ):
        with pytest.raises(NotFoundError):
            await call


class QueryCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.queries: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().lstrip().upper()
        if message.startswith(("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")):
            self.queries.append(message)


@contextmanager
def counting_queries() -> Iterator[QueryCounter]:
    logger = logging.getLogger("tortoise.db_client")
    counter, level = QueryCounter(), logger.level
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)


async def racer_with_sessions(name: str, count: int):
    """A racer with ``count`` completed sessions, each with a run and a change, inserted in
    bulk so that the test measures the listing, not the seeding."""
    racer = await profile_service.create_profile(name)
    car = await garage.add_vehicle(racer.id, "Mugen", "MBX8R")
    await RaceSession.bulk_create([
        RaceSession(profile_id=racer.id, vehicle_id=car.id, name=f"Day {n}",
                    session_type="Practice", session_date=date(2024, 1, 1) + timedelta(days=n),
                    track_name="Riverside", status=SessionStatus.COMPLETED)
        for n in range(count)
    ])  # fmt: skip
    ids = await RaceSession.filter(profile_id=racer.id).values_list("id", flat=True)
    await RunResult.bulk_create(
        [RunResult(session_id=i, heat_name="Heat", lap_times=[33.0], best_lap=33.0) for i in ids]
    )
    await SetupChange.bulk_create([
        SetupChange(session_id=i, parameter="venturi", old_value=7.0, new_value=7.2,
                    source=ChangeSource.MANUAL, status=ChangeStatus.ACCEPTED)
        for i in ids
    ])  # fmt: skip
    return racer


async def test_a_page_costs_the_same_queries_with_4_or_400_sessions(db):
    few = await racer_with_sessions("Few", 4)
    many = await racer_with_sessions("Many", 400)
    counts = {}
    for racer in (few, many):
        with counting_queries() as counter:
            page = await history.list_sessions(racer.id, track_name="Riverside")
        counts[racer.name] = len(counter.queries)
        assert all(s.best_lap == 33.0 and s.changes == 1 for s in page.sessions)
    assert counts["Few"] == counts["Many"] <= 5
    with counting_queries() as counter:
        last = await history.list_sessions(many.id, page=20)
    assert len(last.sessions) == 20 and len(counter.queries) == counts["Many"]


async def test_a_past_session_opens_read_only_with_everything_in_it(lena):
    oldest = (await history.list_sessions(lena.id)).sessions[-1]
    record = await history.get_record(lena.id, oldest.id)
    assert (record.name, record.track_name, record.rating) == ("Round 1", "Riverside", 4)
    assert record.track_context == {"surface": "Loam", "traction": "High"}
    assert record.setup["rear_toe"] == 2.5 and record.best_lap == 33.4
    toe, undo, spring = record.changes
    assert (toe.old_text, toe.new_text, toe.verdict, toe.undone) == ("2.5 °", "3 °", "faster", True)
    assert toe.outcome.label == "Faster" and "best 33.900 → 33.400 s" in toe.outcome.summary
    assert (undo.reverts_id, undo.undone) == (toe.id, False)
    assert (spring.old_text, spring.new_text, spring.status) == ("Green", "Blue", "pending")
    assert [m.content for m in record.messages] == ["Loose on exit", "Try more rear toe-in"]
    assert [r.lap_times for r in record.runs] == [[34.2, 33.9, 35.0], [33.5, 33.4]]


async def test_two_sessions_compare_group_by_group(lena):
    page = await history.list_sessions(lena.id)
    round3, round2, round1 = page.sessions
    comparison = await history.compare_sessions(lena.id, round1.id, round2.id)
    assert [g.group for g in comparison.groups] == ["Diffs", "Front", "Rear", "Tires", "Power"]
    assert comparison.left_title == "Round 1 · 01 Mar 2026"
    front = comparison.groups[1]
    assert [(d.parameter.key, d.left_text, d.right_text) for d in front.differences] == [
        ("front_shock_oil", "475 cSt", "500 cSt")
    ]
    assert comparison.differences == 1 and len(front.lines) == 7
    same = await history.compare_sessions(lena.id, round1.id, round3.id)
    assert same.differences == 0


async def test_a_session_compares_with_its_cars_reference(lena):
    oldest = (await history.list_sessions(lena.id)).sessions[-1]
    comparison = await history.compare_with_reference(lena.id, oldest.id)
    assert comparison.right_title == "Car 1 · reference"
    changed = {d.parameter.key: (d.left, d.right) for g in comparison.groups for d in
               g.differences}  # fmt: skip
    assert changed == {"rear_toe": (2.5, 3.0), "venturi": (7.2, 7.0)}


async def test_a_past_setup_is_copied_into_the_twin_group_by_group_as_changes(lena):
    page = await history.list_sessions(lena.id)
    active, _, oldest = page.sessions
    past = await RaceSession.get(id=oldest.id)
    past.actual_setup = {**past.actual_setup, "front_spring": "Blue", "front_toe": -2.0,
                         "diff_front": 9000}  # fmt: skip
    await past.save()
    twin = await setups.get_twin(lena.id, active.id)
    copied = await history.copy_into_twin(
        lena.id, oldest.id, ["Front"], expected_version=twin.version
    )
    assert sorted((c.parameter, c.new_value) for c in copied) == [
        ("front_spring", "Blue"), ("front_toe", -2.0)
    ]  # fmt: skip
    assert {c.source for c in copied} == {ChangeSource.LIBRARY}
    after = await setups.get_twin(lena.id, active.id)
    assert after.actual["front_spring"] == "Blue" and after.actual["diff_front"] == 7000
    log = await setups.change_log(lena.id, active.id)
    assert log[0].reasoning == "Copied from Round 1 · 01 Mar 2026"
    # A second copy with the old version is refused: the twin changed meanwhile.
    with pytest.raises(StaleWriteError):
        await history.copy_into_twin(lena.id, oldest.id, None, expected_version=twin.version)
    everything = await history.copy_into_twin(lena.id, oldest.id, None,
                                              expected_version=after.version)  # fmt: skip
    assert [c.parameter for c in everything] == ["diff_front"]


async def test_copying_needs_a_running_session_and_a_group(lena):
    page = await history.list_sessions(lena.id)
    active, _, oldest = page.sessions
    twin = await setups.get_twin(lena.id, active.id)
    with pytest.raises(ValidationError):
        await history.copy_into_twin(lena.id, oldest.id, [], expected_version=twin.version)
    with pytest.raises(RuleError):
        await history.copy_into_twin(lena.id, active.id, None, expected_version=twin.version)
    await sessions.close_session(lena.id, active.id)
    with pytest.raises(RuleError) as error:
        await history.copy_into_twin(lena.id, oldest.id, None, expected_version=twin.version)
    assert str(error.value).startswith("Start a session first")


async def test_a_text_setting_is_recorded_as_a_change(lena):
    active = await sessions.active_session(lena.id)
    twin = await setups.get_twin(lena.id, active.id)
    [change] = await setups.edit_twin(
        lena.id, active.id, {"rear_spring": "Silver"}, expected_version=twin.version
    )
    stored = await SetupChange.get(id=change.id)
    assert (stored.old_value, stored.new_value) == ("Yellow", "Silver")
    proposed = await setups.propose_change(lena.id, active.id, "tire_compound", "Blue")
    accepted = await setups.accept_change(lena.id, proposed.id)
    assert (accepted.old_value, accepted.new_value) == ("Green", "Blue")
    assert (await setups.get_twin(lena.id, active.id)).actual["tire_compound"] == "Blue"

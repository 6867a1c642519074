"""The garage: cars with their counts on delete, one car per brand and model ignoring capitals,
and the reference setup saved with a version check or copied from another car."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from models import Message, MessageRole, RunResult, Vehicle
from models.setup_sheet import EXAMPLE_SETUP, GROUPS, PARAMETERS, SetupSheet
from services import garage, profile_service, sessions, setups
from services.errors import NotFoundError, StaleWriteError, ValidationError
from tests.concurrency import PoolWatch, assert_ran_concurrently, use_warm_pool
from tests.racers import rows_of, snapshot_all


@pytest.fixture
async def two_racers(db):
    dad = await profile_service.create_profile("Dad")
    lena = await profile_service.create_profile("Lena")
    return dad, lena


def group_keys(group: str) -> list[str]:
    return [p.key for p in PARAMETERS if p.group == group]


# --- add, edit, delete ------------------------------------------------------------------------


async def test_a_car_is_added_with_clean_text_and_a_full_sheet(two_racers):
    dad, _ = two_racers
    car = await garage.add_vehicle(
        dad.id, "  Tekno ", "NB48 2.1", nickname=" ", transponder="1234567",
        reference_setup={"venturi": "7,2", "front_spring": " Green "},
    )  # fmt: skip

    stored = await Vehicle.get(id=car.id)
    assert (stored.brand, stored.model, stored.nickname, stored.transponder) == (
        "Tekno", "NB48 2.1", None, "1234567",
    )  # fmt: skip
    assert stored.display_name == "Tekno NB48 2.1"
    assert set(stored.reference_setup) == {p.key for p in PARAMETERS}
    assert stored.reference_setup["venturi"] == 7.2
    assert stored.reference_setup["front_spring"] == "Green"
    assert stored.reference_setup["spur"] is None
    assert stored.version == 1


async def test_editing_a_car_changes_its_names_but_not_its_setup(two_racers):
    dad, _ = two_racers
    car = await garage.add_vehicle(dad.id, "Tekno", "NB48", reference_setup=EXAMPLE_SETUP)

    edited = await garage.update_vehicle(dad.id, car.id, "Tekno", "NB48 2.1", nickname="Blue")

    stored = await Vehicle.get(id=car.id)
    assert (stored.model, stored.nickname, stored.display_name) == ("NB48 2.1", "Blue", "Blue")
    assert edited.display_name == "Blue"
    assert SetupSheet.of(stored.reference_setup) == SetupSheet.of(EXAMPLE_SETUP)
    assert stored.version == car.version


async def test_a_car_can_change_the_capitals_of_its_own_name(two_racers):
    dad, _ = two_racers
    car = await garage.add_vehicle(dad.id, "tekno", "nb48")

    await garage.update_vehicle(dad.id, car.id, "Tekno", "NB48")

    assert (await Vehicle.get(id=car.id)).full_name == "Tekno NB48"


@pytest.mark.parametrize(
    ("brand", "model"),
    [("Mugen", "MBX8R"), ("mugen", "mbx8r"), ("MUGEN", "MBX8r"), (" Mugen ", "MBX8R ")],
)
async def test_brand_and_model_are_unique_in_a_garage_ignoring_capitals(two_racers, brand, model):
    dad, lena = two_racers
    await garage.add_vehicle(dad.id, "Mugen", "MBX8R")
    other = await garage.add_vehicle(dad.id, "Xray", "XB8")
    before = await snapshot_all()

    with pytest.raises(ValidationError) as added:
        await garage.add_vehicle(dad.id, brand, model)
    with pytest.raises(ValidationError) as edited:
        await garage.update_vehicle(dad.id, other.id, brand, model)

    # The message sits beside the model field and names the car as typed.
    car = f"{brand.strip()} {model.strip()}"
    assert added.value.errors == {"model": f"{car} is already in this garage"}
    assert edited.value.errors == added.value.errors
    assert await snapshot_all() == before
    # Another racer's garage is theirs.
    await garage.add_vehicle(lena.id, brand, model)


async def test_two_tabs_adding_the_same_car_at_once_make_one_car(db, pool_watch: PoolWatch):
    dad = await profile_service.create_profile("Dad")
    await use_warm_pool(db, pool_watch)

    results = await asyncio.gather(
        garage.add_vehicle(dad.id, "Mugen", "MBX8R"),
        garage.add_vehicle(dad.id, "mugen", "mbx8r"),
        return_exceptions=True,
    )

    errors = [r for r in results if isinstance(r, BaseException)]
    assert len(errors) == 1 and isinstance(errors[0], ValidationError), results
    assert errors[0].errors.keys() == {"model"}
    assert await Vehicle.filter(profile_id=dad.id).count() == 1
    assert_ran_concurrently(db, pool_watch, at_least=2)


async def test_deleting_a_car_counts_and_takes_its_sessions_and_nothing_else(two_racers):
    dad, lena = two_racers
    car = await garage.add_vehicle(dad.id, "Tekno", "NB48", reference_setup=EXAMPLE_SETUP)
    spare = await garage.add_vehicle(dad.id, "Xray", "XB8")
    first = await sessions.start_session(dad.id, car.id, "Club day", "Practice", date(2026, 4, 1))
    twin = await setups.get_twin(dad.id, first.id)
    await setups.edit_twin(dad.id, first.id, {"venturi": 7.5, "spur": 47},
                           expected_version=twin.version)  # fmt: skip
    await setups.propose_change(dad.id, first.id, "rear_toe", 2.5)
    await Message.create(session_id=first.id, role=MessageRole.RACER, content="Loose")
    await RunResult.create(session_id=first.id, heat_name="Heat 1", lap_times=[31.0])
    await sessions.close_session(dad.id, first.id)
    await sessions.start_session(dad.id, car.id, "Nationals", "Main", date(2026, 5, 1))
    on_spare = await sessions.save_draft_session(dad.id, spare.id, name="Test day")
    lena_car = await garage.add_vehicle(lena.id, "Tekno", "NB48")
    lena_rows = await rows_of(lena.id)

    preview = await garage.deletion_preview(dad.id, car.id)
    report = await garage.delete_vehicle(dad.id, car.id)

    assert preview == report
    assert report.name == "Tekno NB48"
    assert report.counts == {"sessions": 2, "setup changes": 3, "messages": 1, "lap results": 1}
    assert [v.id for v in await garage.list_vehicles(dad.id)] == [spare.id]
    assert (await sessions.draft_session(dad.id)).id == on_spare.id
    assert await sessions.active_session(dad.id) is None
    assert await rows_of(lena.id) == lena_rows
    assert (await garage.get_vehicle(lena.id, lena_car.id)).full_name == "Tekno NB48"


async def test_deleting_a_car_twice_says_it_is_gone(two_racers):
    dad, _ = two_racers
    car = await garage.add_vehicle(dad.id, "Tekno", "NB48")
    await garage.delete_vehicle(dad.id, car.id)

    with pytest.raises(NotFoundError):
        await garage.delete_vehicle(dad.id, car.id)
    with pytest.raises(NotFoundError):
        await garage.deletion_preview(dad.id, car.id)


# --- the reference setup ----------------------------------------------------------------------


async def test_saving_the_reference_setup_replaces_it_and_bumps_the_version(two_racers):
    dad, _ = two_racers
    car = await garage.add_vehicle(dad.id, "Tekno", "NB48", reference_setup={"spur": 46})

    saved = await garage.save_reference_setup(
        dad.id, car.id, EXAMPLE_SETUP, expected_version=car.version
    )

    stored = await Vehicle.get(id=car.id)
    assert SetupSheet.of(stored.reference_setup) == SetupSheet.of(EXAMPLE_SETUP)
    assert saved.version == stored.version == car.version + 1
    assert saved.reference_setup == stored.reference_setup


async def test_a_stale_reference_save_is_refused_and_writes_nothing(two_racers):
    dad, _ = two_racers
    car = await garage.add_vehicle(dad.id, "Tekno", "NB48", reference_setup=EXAMPLE_SETUP)
    # Two tabs load the form at version 1; the first saves.
    await garage.save_reference_setup(
        dad.id, car.id, {**EXAMPLE_SETUP, "spur": 46}, expected_version=car.version
    )
    before = await snapshot_all()

    with pytest.raises(StaleWriteError, match="changed on another screen"):
        await garage.save_reference_setup(
            dad.id, car.id, {**EXAMPLE_SETUP, "venturi": 8.0}, expected_version=car.version
        )

    assert await snapshot_all() == before
    assert (await Vehicle.get(id=car.id)).reference_setup["spur"] == 46


async def test_a_bad_value_in_the_reference_setup_names_each_field_and_writes_nothing(two_racers):
    dad, _ = two_racers
    car = await garage.add_vehicle(dad.id, "Tekno", "NB48", reference_setup=EXAMPLE_SETUP)
    before = await snapshot_all()

    with pytest.raises(ValidationError) as caught:
        await garage.save_reference_setup(
            dad.id, car.id,
            {**EXAMPLE_SETUP, "spur": 47.5, "front_camber": 9, "rear_spring": "x" * 41,
             "wing_angle": 3},
            expected_version=car.version,
        )  # fmt: skip

    assert caught.value.errors == {
        "spur": "Spur must be a whole number",
        "front_camber": "Camber must be between -6 and 2 °",
        "rear_spring": "Spring can be at most 40 characters",
        "wing_angle": "Unknown setup parameter",
    }
    assert await snapshot_all() == before


@pytest.mark.parametrize("group", GROUPS)
async def test_copying_one_group_takes_only_that_group(two_racers, group):
    dad, _ = two_racers
    source = await garage.add_vehicle(dad.id, "Tekno", "NB48", reference_setup=EXAMPLE_SETUP)
    target = await garage.add_vehicle(dad.id, "Xray", "XB8")

    copied = await garage.copy_reference_setup(
        dad.id, target.id, source.id, [group], expected_version=target.version
    )

    setup = (await Vehicle.get(id=target.id)).reference_setup
    for parameter in PARAMETERS:
        expected = EXAMPLE_SETUP[parameter.key] if parameter.group == group else None
        assert setup[parameter.key] == expected, parameter.key
    assert copied.version == target.version + 1
    assert (await Vehicle.get(id=source.id)).reference_setup == SetupSheet.of(
        EXAMPLE_SETUP
    ).to_json()


async def test_copying_everything_and_two_groups(two_racers):
    dad, _ = two_racers
    source = await garage.add_vehicle(dad.id, "Tekno", "NB48", reference_setup=EXAMPLE_SETUP)
    target = await garage.add_vehicle(
        dad.id, "Xray", "XB8", reference_setup={"spur": 50, "front_spring": "Red", "venturi": 9}
    )

    await garage.copy_reference_setup(
        dad.id, target.id, source.id, ["Diffs", "Power"], expected_version=1
    )
    setup = (await Vehicle.get(id=target.id)).reference_setup
    assert setup["spur"] == 48 and setup["venturi"] == 7.0 and setup["diff_rear"] == 5000
    assert setup["front_spring"] == "Red"  # Front was not copied

    await garage.copy_reference_setup(dad.id, target.id, source.id, expected_version=2)
    setup = (await Vehicle.get(id=target.id)).reference_setup
    assert SetupSheet.of(setup) == SetupSheet.of(EXAMPLE_SETUP)


CHOOSE_GROUPS = "Choose the groups to copy among Diffs, Front, Rear, Tires, Power"


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        (["Wings"], CHOOSE_GROUPS),
        ([], "Choose at least one group to copy"),
        ("Diffs", CHOOSE_GROUPS),
        ([["Diffs"]], CHOOSE_GROUPS),
        ([1, "Diffs"], CHOOSE_GROUPS),
        (7, CHOOSE_GROUPS),
    ],
)
async def test_copying_unknown_groups_is_refused(two_racers, groups, message):
    dad, _ = two_racers
    source = await garage.add_vehicle(dad.id, "Tekno", "NB48", reference_setup=EXAMPLE_SETUP)
    target = await garage.add_vehicle(dad.id, "Xray", "XB8")
    before = await snapshot_all()

    with pytest.raises(ValidationError) as caught:
        await garage.copy_reference_setup(dad.id, target.id, source.id, groups, expected_version=1)

    assert caught.value.errors == {"groups": message}
    assert await snapshot_all() == before


async def test_a_stale_copy_is_refused_and_writes_nothing(two_racers):
    dad, _ = two_racers
    source = await garage.add_vehicle(dad.id, "Tekno", "NB48", reference_setup=EXAMPLE_SETUP)
    target = await garage.add_vehicle(dad.id, "Xray", "XB8")
    await garage.save_reference_setup(dad.id, target.id, {"spur": 50}, expected_version=1)
    before = await snapshot_all()

    with pytest.raises(StaleWriteError):
        await garage.copy_reference_setup(dad.id, target.id, source.id, expected_version=1)

    assert await snapshot_all() == before


async def test_another_racers_car_can_be_neither_read_nor_copied(two_racers):
    dad, lena = two_racers
    mine = await garage.add_vehicle(dad.id, "Tekno", "NB48")
    hers = await garage.add_vehicle(lena.id, "Xray", "XB8", reference_setup=EXAMPLE_SETUP)
    before = await snapshot_all()

    for call in (
        garage.get_vehicle(dad.id, hers.id),
        garage.update_vehicle(dad.id, hers.id, "Stolen", "Car"),
        garage.deletion_preview(dad.id, hers.id),
        garage.delete_vehicle(dad.id, hers.id),
        garage.save_reference_setup(dad.id, hers.id, {"spur": 40}, expected_version=1),
        garage.copy_reference_setup(dad.id, mine.id, hers.id, expected_version=1),
        garage.copy_reference_setup(dad.id, hers.id, mine.id, expected_version=1),
    ):
        with pytest.raises(NotFoundError, match="not in this racer's garage"):
            await call

    assert await snapshot_all() == before
    assert [v.id for v in await garage.list_vehicles(dad.id)] == [mine.id]

"""Cars and sessions: validation, one active session, and isolation between racers."""

from datetime import date

import pytest

from models import RaceSession, SessionStatus
from services import garage, profile_service, sessions
from services.errors import NotFoundError, RuleError, ValidationError


@pytest.fixture
async def two_racers(db):
    dad = await profile_service.create_profile("Dad")
    lena = await profile_service.create_profile("Lena")
    return dad, lena


async def test_a_car_is_unique_in_a_garage_ignoring_capitals(two_racers):
    dad, lena = two_racers
    await garage.add_vehicle(dad.id, "Mugen", "MBX8R")
    with pytest.raises(ValidationError) as error:
        await garage.add_vehicle(dad.id, "mugen", "mbx8r")
    assert error.value.errors == {"model": "mugen mbx8r is already in this garage"}
    await garage.add_vehicle(lena.id, "Mugen", "MBX8R")  # another racer's garage is separate
    assert len(await garage.list_vehicles(dad.id)) == 1


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"brand": " ", "model": "NB48"}, "brand", "Brand is required"),
        ({"brand": "Tekno", "model": ""}, "model", "Model is required"),
        ({"brand": "T" * 61, "model": "NB48"}, "brand", "Brand can be at most 60 characters"),
        ({"brand": "Tekno", "model": "NB48", "transponder": "12-34"}, "transponder",
         "Transponder: digits and letters only"),
        ({"brand": "Tekno", "model": "NB48", "reference_setup": {"front_camber": 9}},
         "front_camber", "Camber must be between -6 and 2 °"),
    ],
)  # fmt: skip
async def test_bad_car_input_is_refused_and_nothing_written(two_racers, fields, field, message):
    dad, _ = two_racers
    with pytest.raises(ValidationError) as error:
        await garage.add_vehicle(dad.id, **fields)
    assert error.value.errors[field] == message
    assert await garage.list_vehicles(dad.id) == []


async def test_a_session_starts_from_the_cars_reference_setup(two_racers):
    dad, _ = two_racers
    car = await garage.add_vehicle(dad.id, "Tekno", "NB48", reference_setup={"venturi": 7.0})
    session = await sessions.start_session(
        dad.id, car.id, "Club day", "Club Race", "2026-05-17", {"surface": "Clay"}, ["1/8 Nitro"],
        practice_rounds=2, qualifying_rounds=3,
    )  # fmt: skip
    assert session.status == SessionStatus.ACTIVE
    assert session.actual_setup["venturi"] == 7.0 and session.session_date == date(2026, 5, 17)
    assert (await sessions.active_session(dad.id)).name == "Club day"


async def test_only_one_active_session_per_racer(two_racers):
    dad, lena = two_racers
    car = await garage.add_vehicle(dad.id, "Tekno", "NB48")
    await sessions.start_session(dad.id, car.id, "First", "Practice", date.today())
    with pytest.raises(RuleError):
        await sessions.start_session(dad.id, car.id, "Second", "Practice", date.today())
    lena_car = await garage.add_vehicle(lena.id, "Xray", "XB8")
    await sessions.start_session(lena.id, lena_car.id, "Hers", "Practice", date.today())
    assert await RaceSession.filter(status=SessionStatus.ACTIVE).count() == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"session_type": "Drag race"}, "session_type"),
        ({"session_date": "17/05/2026"}, "session_date"),
        ({"track_context": {"surface": "Ice"}}, "surface"),
        ({"practice_rounds": 21}, "practice_rounds"),
        ({"qualifying_rounds": "two"}, "qualifying_rounds"),
        ({"vehicle_id": None}, "vehicle"),
    ],
)
async def test_bad_session_input_is_refused_and_nothing_written(two_racers, overrides, field):
    dad, _ = two_racers
    car = await garage.add_vehicle(dad.id, "Tekno", "NB48")
    arguments = {"vehicle_id": car.id, "name": "Club day", "session_type": "Practice",
                 "session_date": date.today(), **overrides}  # fmt: skip
    with pytest.raises(ValidationError) as error:
        await sessions.start_session(dad.id, **arguments)
    assert field in error.value.errors
    assert await RaceSession.all().count() == 0


async def test_another_racers_car_and_session_are_refused(two_racers):
    dad, lena = two_racers
    lena_car = await garage.add_vehicle(lena.id, "Xray", "XB8")
    with pytest.raises(ValidationError) as error:
        await sessions.start_session(dad.id, lena_car.id, "Borrowed", "Practice", date.today())
    assert error.value.errors == {"vehicle": "That car is not in this racer's garage"}
    with pytest.raises(NotFoundError):
        await garage.get_vehicle(dad.id, lena_car.id)

    hers = await sessions.start_session(lena.id, lena_car.id, "Hers", "Practice", date.today())
    with pytest.raises(NotFoundError):
        await sessions.get_session(dad.id, hers.id)
    with pytest.raises(NotFoundError):
        await sessions.close_session(dad.id, hers.id)
    assert (await sessions.active_session(lena.id)).id == hers.id


async def test_a_deleted_racer_gets_no_new_cars_or_sessions(two_racers):
    _, lena = two_racers
    car = await garage.add_vehicle(lena.id, "Xray", "XB8")
    await profile_service.delete_profile(lena.id)
    with pytest.raises(NotFoundError):
        await garage.add_vehicle(lena.id, "Tekno", "NB48")
    with pytest.raises(NotFoundError):
        await sessions.start_session(lena.id, car.id, "Ghost", "Practice", date.today())
    assert await RaceSession.all().count() == 0


async def test_ending_twice_says_it_is_not_active(two_racers):
    dad, _ = two_racers
    car = await garage.add_vehicle(dad.id, "Tekno", "NB48")
    session = await sessions.start_session(dad.id, car.id, "Club day", "Practice", date.today())
    await sessions.close_session(dad.id, session.id)
    with pytest.raises(RuleError):
        await sessions.close_session(dad.id, session.id)

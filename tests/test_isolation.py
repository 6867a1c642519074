"""Isolation for every entry point: each public async function of every ``services`` module,
found by introspection, is called as one racer with another racer's records.

A function that takes a record id (car, session, change, message, run...) must refuse each of
the other racer's records as not found and write nothing. A function that takes only the
racer's id must leave the other racer's rows as they were and return nothing of theirs. A
function added later is checked the same way without being listed here; when this test cannot
build its arguments it fails and says how to teach it.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from tortoise.models import Model

import services
from models import RaceSession, Vehicle
from services import garage, profile_service
from services.errors import NotFoundError, PitboxError, ValidationError
from tests.racers import Notebook, racer_with_notebook, rows_of, snapshot_all

# Functions that are global by design, with the reason. Everything else is checked.
GLOBAL_BY_DESIGN: dict[str, str] = {
    "database.*": "connecting and migrating happen before any racer exists",
    "profile_service.list_profiles": "the selector shows every racer",
    "profile_service.get_default_profile": "the install has one default racer",
    "profile_service.get_or_create_default_profile": "the install has one default racer",
    "profile_service.create_profile": "a new racer owns nothing yet",
    "profile_service.set_default_profile": "making one racer default unsets the other",
    "workspace.*": "a tab's workspace; what it reads goes through drafts and sessions, "
    "which are checked here",
    "transfer.export_backup": "a backup is the whole install",
    "transfer.restore_backup": "a backup is the whole install",
    "transfer.install_is_empty": "a question about the whole install",
    "transfer.import_racer": "a racer's file becomes a new racer, who owns nothing yet",
    "transfer.find_racer": "the command line picks a racer by name from all of them",
}

# Parameters naming a record another racer may own: which of their records to try.
RECORD_IDS: dict[str, Callable[[Notebook], list[int]]] = {
    "vehicle_id": lambda n: [n.vehicle_id, n.other_vehicle_id],
    "from_vehicle_id": lambda n: [n.vehicle_id, n.other_vehicle_id],
    "session_id": lambda n: [n.session_id, n.completed_session_id, n.draft_session_id],
    "from_session_id": lambda n: [n.session_id, n.completed_session_id, n.draft_session_id],
    "left_id": lambda n: [n.session_id, n.completed_session_id, n.draft_session_id],
    "right_id": lambda n: [n.session_id, n.completed_session_id, n.draft_session_id],
    "change_id": lambda n: [n.change_id, n.accepted_change_id],
    "message_id": lambda n: [n.message_id],
    "run_id": lambda n: [n.run_id],
}
# The racer's own record for each id parameter, when another one is the one being crossed.
OWN_RECORD: dict[str, Callable[[Notebook], int]] = {
    "vehicle_id": lambda n: n.vehicle_id,
    "from_vehicle_id": lambda n: n.other_vehicle_id,
    "session_id": lambda n: n.session_id,
    "from_session_id": lambda n: n.completed_session_id,
    "left_id": lambda n: n.completed_session_id,
    "right_id": lambda n: n.session_id,
    "change_id": lambda n: n.change_id,
    "message_id": lambda n: n.message_id,
    "run_id": lambda n: n.run_id,
}
# A valid value for every other parameter a service takes (optional ones keep their default).
VALID_VALUES: dict[str, Any] = {
    "brand": "Stolen",
    "model": "Car",
    "name": "Stolen",
    "session_type": "Practice",
    "session_date": date(2026, 6, 1),
    "values": {"venturi": 7.9},
    "setup": {"venturi": 7.9},
    "groups": None,
    "parameter": "venturi",
    "new_value": 7.9,
    "reason": "Stolen",
    "form": "garage.add_car",
    "data": {"brand": "Stolen"},
    "symptoms": ["loose_entry"],
    "heat_name": "Heat 9",
    "laps_text": "31.2\n30.8\n30.5",
    "pin": "4821",
    "new_pin": "4821",
    "current_pin": "4821",
}
# ValidationError is "not found" too where a form picks the record: the car of a session.
FORM_FIELD_OF_ID = {"vehicle_id": "vehicle"}


def discover() -> dict[str, Callable[..., Any]]:
    """Every public async function defined in a ``services`` module, by "module.function"."""
    found = {}
    for info in pkgutil.iter_modules(services.__path__):
        module = importlib.import_module(f"services.{info.name}")
        for name, function in inspect.getmembers(module, inspect.iscoroutinefunction):
            if function.__module__ == module.__name__ and not name.startswith("_"):
                found[f"{info.name}.{name}"] = function
    return found


FUNCTIONS = discover()


def is_global(qualname: str) -> bool:
    module = qualname.split(".")[0]
    return qualname in GLOBAL_BY_DESIGN or f"{module}.*" in GLOBAL_BY_DESIGN


def cases() -> list:
    params = []
    for qualname, function in sorted(FUNCTIONS.items()):
        if is_global(qualname):
            continue
        parameters = inspect.signature(function).parameters
        crossed = [p for p in parameters if p in RECORD_IDS]
        # Without a record, or with only optional ones (filters): the racer's own view.
        if all(parameters[p].default is not inspect.Parameter.empty for p in crossed):
            params.append(pytest.param(qualname, None, id=f"{qualname}-own-racer-only"))
        for parameter in crossed:
            params.append(pytest.param(qualname, parameter, id=f"{qualname}-{parameter}"))
    return params


def teach(qualname: str, problem: str) -> None:
    pytest.fail(
        f"{qualname}: {problem}. Teach tests/test_isolation.py: a parameter naming a record "
        "goes into RECORD_IDS and OWN_RECORD, any other required parameter into VALID_VALUES; "
        "a function that is global by design goes into GLOBAL_BY_DESIGN with the reason.",
        pytrace=False,
    )


async def version_of(parameter: str, record_id: int) -> int:
    if parameter in ("vehicle_id", "from_vehicle_id"):
        return (await Vehicle.get(id=record_id)).version
    return (await RaceSession.get(id=record_id)).version


async def arguments(
    qualname: str, me: Notebook, crossed: str | None, their_id: int | None
) -> dict[str, Any]:
    """The call as racer ``me``: every id is one of ``me``'s records except ``crossed``."""
    signature = inspect.signature(FUNCTIONS[qualname])
    names = list(signature.parameters)
    if names[:1] != ["profile_id"]:
        teach(qualname, "its first parameter is not profile_id")
    optional = {p for p, parameter in signature.parameters.items()
                if parameter.default is not parameter.empty}  # fmt: skip
    # The racer's own view leaves optional records (filters) out; a crossing fills them all.
    ids = {
        p: OWN_RECORD[p](me)
        for p in names
        if p in RECORD_IDS and (crossed is not None or p not in optional)
    }
    if crossed is not None:
        ids[crossed] = their_id
    kwargs: dict[str, Any] = {}
    for name, parameter in signature.parameters.items():
        if name == "profile_id":
            value = me.profile_id
        elif name in ids:
            value = ids[name]
        elif name == "expected_version":
            # The version of the car or session written; else of the racer's active twin.
            owner = next((p for p in ("vehicle_id", "session_id") if p in ids), None)
            value = await (version_of(owner, ids[owner]) if owner
                           else version_of("session_id", me.session_id))  # fmt: skip
        elif name == "expected_vehicle_version":
            session = await RaceSession.get(id=ids["session_id"])
            value = await version_of("vehicle_id", session.vehicle_id)
        elif parameter.kind is parameter.VAR_KEYWORD:
            kwargs.update(name="Stolen")
            continue
        elif parameter.kind is parameter.VAR_POSITIONAL:
            continue
        elif name in VALID_VALUES:
            value = VALID_VALUES[name]
        elif parameter.default is not parameter.empty:
            continue
        else:
            teach(qualname, f"the test cannot fill its parameter {name!r}")
        kwargs[name] = value  # by name: a skipped optional parameter shifts nothing
    return kwargs


def exposed_text(value: Any, seen: set[int] | None = None) -> str:
    """Every text a result carries, models and dataclasses included, related objects too."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return ""
    seen.add(id(value))
    if isinstance(value, Model):
        parts = vars(value).values()
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        parts = [getattr(value, f.name) for f in dataclasses.fields(value)]
    elif isinstance(value, dict):
        parts = [*value.keys(), *value.values()]
    elif isinstance(value, list | tuple | set | frozenset):
        parts = value
    else:
        return repr(value)
    return " ".join(exposed_text(part, seen) for part in parts)


@pytest.fixture
async def racers(db) -> tuple[Notebook, Notebook]:
    """Dad and Lena with a full notebook each; Max, with nothing, is the default racer."""
    await profile_service.create_profile("Max")
    return await racer_with_notebook("Dad"), await racer_with_notebook("Lena")


@pytest.mark.parametrize(("qualname", "crossed"), cases())
async def test_no_entry_point_reaches_another_racers_records(racers, qualname, crossed):
    dad, lena = racers
    function = FUNCTIONS[qualname]

    if crossed is None:
        lena_before = await rows_of(lena.profile_id)
        kwargs = await arguments(qualname, dad, None, None)
        try:
            result = await function(**kwargs)
        except PitboxError:  # a rule of Dad's own (nothing to undo, say): not Lena's business
            result = None
        assert lena.marker not in exposed_text(result), f"{qualname} returned Lena's data"
        assert await rows_of(lena.profile_id) == lena_before, f"{qualname} changed Lena's data"
        return

    for their_id in RECORD_IDS[crossed](lena):
        before = await snapshot_all()
        kwargs = await arguments(qualname, dad, crossed, their_id)
        try:
            await function(**kwargs)
        except NotFoundError:
            pass
        except ValidationError as exc:
            field = FORM_FIELD_OF_ID.get(crossed)
            with pytest.raises(NotFoundError) as not_found:
                await garage.get_vehicle(dad.profile_id, their_id)
            assert exc.errors == {field: str(not_found.value)}, (qualname, crossed, exc)
        else:
            pytest.fail(f"{qualname} accepted Lena's {crossed} {their_id} for Dad")
        assert await snapshot_all() == before, f"{qualname} wrote with Lena's {crossed}"


# --- the test itself --------------------------------------------------------------------------


def test_discovery_finds_the_services_and_the_allow_list_is_current():
    modules = {name.split(".")[0] for name in FUNCTIONS}
    assert {"garage", "sessions", "setups", "drafts", "profile_service"} <= modules
    assert "setups.accept_change" in FUNCTIONS and "garage._write_reference" not in FUNCTIONS
    for allowed in GLOBAL_BY_DESIGN:
        module, name = allowed.split(".")
        assert module in modules, f"GLOBAL_BY_DESIGN names a module that is gone: {allowed}"
        assert name == "*" or allowed in FUNCTIONS, f"GLOBAL_BY_DESIGN is stale: {allowed}"


def test_every_checked_function_crosses_each_of_its_record_ids():
    ids = {c.values[0] + "-" + str(c.values[1]) for c in cases()}
    assert "setups.propose_change-message_id" in ids
    assert "garage.copy_reference_setup-from_vehicle_id" in ids
    assert "sessions.track_names-None" in ids
    assert {"history.list_sessions-None", "history.list_sessions-vehicle_id"} <= ids
    assert not any(name.startswith("database.") for name in ids)


async def test_the_leak_check_sees_a_racers_text_in_what_services_return(racers):
    _, lena = racers
    from services import sessions, setups

    assert lena.marker in exposed_text(await garage.list_vehicles(lena.profile_id))
    assert lena.marker in exposed_text(await sessions.track_names(lena.profile_id))
    assert lena.marker in exposed_text(await setups.get_twin(lena.profile_id, lena.session_id))
    assert lena.marker in exposed_text(await sessions.active_session(lena.profile_id))


@pytest.mark.parametrize(
    ("signature", "problem"),
    [
        ("profile_id: int, season_id: int", "cannot fill its parameter 'season_id'"),
        ("session_id: int, profile_id: int", "first parameter is not profile_id"),
        ("racer: int", "first parameter is not profile_id"),
    ],
)
async def test_a_new_function_the_test_cannot_call_fails_and_says_how_to_teach_it(
    monkeypatch, signature, problem
):
    namespace: dict[str, Any] = {}
    exec(f"async def new_report({signature}): pass", namespace)
    monkeypatch.setitem(FUNCTIONS, "results.new_report", namespace["new_report"])
    me = Notebook(*range(1, 11), marker="Dad-only")

    with pytest.raises(pytest.fail.Exception, match=problem) as failed:
        await arguments("results.new_report", me, None, None)

    assert "Teach tests/test_isolation.py" in str(failed.value)
    assert "results.new_report" in {c.values[0] for c in cases()}

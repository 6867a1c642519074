"""Bad input at every entry point that takes a racer's input: a table of input classes (control
and direction characters, lone surrogates, over-long and blank text, non-finite and fractional
numbers, booleans as numbers, huge lists, impossible ids...) by every field of every service
call, on both databases.

Each bad value must be refused with a domain error that says what is wrong (ValidationError;
NotFoundError for an id; StaleWriteError for a form's version), never a crash (OverflowError,
UnicodeEncodeError, a database error), and the database must be exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from models import RaceSession, Vehicle
from services import (
    access,
    debriefs,
    drafts,
    garage,
    history,
    profile_service,
    results,
    sessions,
    setups,
    transfer,
)
from services.errors import NotFoundError, PitboxError, StaleWriteError, ValidationError
from tests.racers import Notebook, racer_with_notebook, snapshot_all

# --- the input classes ------------------------------------------------------------------------

BAD_TEXT = {
    "NUL": "Club\x00day",
    "C0 escape": "Club\x1b[31mday",
    "DEL": "Club\x7fday",
    "C1 NEL": "Club\x85day",
    "C1 CSI": "Club\x9bday",
    "bidi override": "Club\u202eyad",
    "bidi isolate": "Club \u2067day\u2069",
    "arabic letter mark": "Club\u061cday",
    "lone surrogate": "Club\ud800day",
    "over-long": "x" * 10_000,
    "a number": 42,
    "a list": ["Club day"],
    "a mapping": {"name": "Club day"},
}
BLANK = {"whitespace only": " \t\u3000\u2003 ", "empty": "", "None": None}
BAD_NUMBER = {
    "inf": float("inf"),
    "-inf": float("-inf"),
    "nan": float("nan"),
    "inf as text": "inf",
    "1e999 as text": "1e999",
    "True": True,
    "False": False,
    "text": "two",
    "NUL in text": "2\x00",
    "lone surrogate": "\ud8002",
    "10**400": 10**400,
    "-(10**400)": -(10**400),
    "a list": [2],
    "a mapping": {"value": 2},
}
BAD_WHOLE = {**BAD_NUMBER, "2.7": 2.7, "2.7 as text": "2.7", "2,5 as text": "2,5"}
BAD_ID = {
    "0": 0,
    "-1": -1,
    "2**31": 2**31,
    "2**63": 2**63,
    "2**64": 2**64,
    "id as text": "1",
    "None": None,
    "True": True,
    "1.0": 1.0,
    "nan": float("nan"),
    "a list": [1],
}
BAD_VERSION = {**BAD_ID, "inf": float("inf")}
BAD_LIST = {
    "5,000 items": [f"Class {i}" for i in range(5000)],
    "21 items": [f"Class {i}" for i in range(21)],
    "an item with NUL": ["1/8 Nitro", "Tru\x00ggy"],
    "an item with bidi override": ["\u202eoirtiN 8/1"],
    "an item with a lone surrogate": ["\ud800"],
    "a blank item": ["1/8 Nitro", "  "],
    "an over-long item": ["x" * 61],
    "a number item": [8],
    "a nested list": [["1/8 Nitro"]],
    "text instead of a list": "1/8 Nitro",
    "a number instead of a list": 8,
}
BAD_CHOICE = {
    "unknown": "Drag race",
    "other capitals": "practice",
    "NUL": "Practice\x00",
    "bidi override": "\u202eecitcarP",
    "lone surrogate": "\ud800",
    "a number": 1,
    "a list": ["Practice"],
}
BAD_DATE = {
    "30 February": "2026-02-30",
    "day first": "17/05/2026",
    "a number": 20260517,
    "True": True,
    "NUL": "2026-05-17\x00",
    "lone surrogate": "2026-05-17\ud800",
    "a list": ["2026-05-17"],
}
BAD_CONTEXT = {
    "unknown word": {"surface": "Ice"},
    "unknown condition": {"wind": "Strong"},
    "NUL in a word": {"surface": "Clay\x00"},
    "lone surrogate key": {"\ud800": "Clay"},
    "5,000 unknown conditions": {f"c{i}": "x" for i in range(5000)},
    "a list of words": ["Clay"],
    "text": "Clay",
    "a word as a number": {"size": 3},
}
# A setup sheet with one bad value: text and number parameters, and sheets that are not one.
BAD_SETUP = {
    **{f"spring: {name}": {"front_spring": value} for name, value in BAD_TEXT.items()
       if name not in ("over-long",)},
    "spring: 41 characters": {"front_spring": "x" * 41},
    **{f"venturi: {name}": {"venturi": value} for name, value in BAD_NUMBER.items()},
    **{f"spur: {name}": {"spur": value} for name, value in BAD_WHOLE.items()},
    "spur out of range": {"spur": 57},
    "unknown parameter": {"wing_angle": 3},
    "5,000 unknown parameters": {f"p{i}": 1 for i in range(5000)},
    "lone surrogate parameter": {"\ud800": 1},
    "a list": ["venturi", 7.0],
    "text": "venturi=7",
}  # fmt: skip
# Only the copied group (Power) of another setup matters when copying into the twin.
BAD_POWER_SETUP = {
    name: setup
    for name, setup in BAD_SETUP.items()
    if name.startswith(("venturi", "spur")) or not isinstance(setup, dict)
} | {f"pipe: {name}": {"pipe": value} for name, value in BAD_TEXT.items()}
BAD_PARAMETER = {
    "unknown": "wing_angle",
    "NUL": "venturi\x00",
    "lone surrogate": "\ud800",
    "None": None,
    "a number": 7,
    "a list": ["venturi"],
}
BAD_GROUPS = {
    "unknown": ["Wings"],
    "text instead of a list": "Power",
    "a nested list": [["Power"]],
    "a number": 3,
    "NUL": ["Power\x00"],
    "lone surrogate": ["\ud800"],
    "5,000 items": ["Power"] * 5000 + ["Wings"],
    "empty": [],
}
BAD_SYMPTOMS = {
    "unknown": ["backflips"],
    "other capitals": ["LOOSE_ENTRY"],
    "NUL": ["loose_entry\x00"],
    "lone surrogate": ["\ud800"],
    "5,000 items": ["loose_entry"] * 5000,
    "text instead of a list": "loose_entry",
    "a number": 3,
    "a nested list": [["loose_entry"]],
}
BAD_LAPS_TEXT = {
    "NUL": "31.2\x0030.8",
    "lone surrogate": "31.2\n\ud800",
    "bidi override": "\u202e31.2",
    "inf": "inf",
    "nan": "nan",
    "negative": "-31.2",
    "too fast": "0.5",
    "5 MB": "31.2\n" * 1_000_000,
    "501 laps": "31.2\n" * 501,
    "blank": " \n\t ",
    "a number": 31.2,
    "a list": ["31.2"],
}
BAD_LAPS = {
    "inf": [31.2, float("inf")],
    "nan": [float("nan")],
    "True": [True, 30.8],
    "text": ["fast"],
    "negative": [-31.2],
    "5,000 laps": [31.2] * 5000,
    "empty": [],
    "a number": 31.2,
    "text instead of a list": "31.2 30.8",
    "10**400": [10**400],
}
BAD_FORM = {
    "unknown": "garage.wings",
    "trailing newline": "garage.add_car\n",
    "NUL": "garage.add_car\x00",
    "lone surrogate": "garage.add_car\ud800",
    "id of 0": "garage.edit_car:0",
    "id of 2**63": f"garage.edit_car:{2**63}",
    "None": None,
    "a number": 1,
}
BAD_DRAFT = {
    "5 MB": {"notes": "x" * 5_000_000},
    "NUL": {"notes": "Club\x00day"},
    "lone surrogate": {"notes": "\ud800"},
    "inf": {"rounds": float("inf")},
    "nan": {"rounds": float("nan")},
    "a set": {"classes": {"1/8"}},
    "a list": ["notes"],
    "None": None,
}


TEXT = BAD_TEXT  # optional text: blank is fine, it means "not given"
REQUIRED_TEXT = {**BAD_TEXT, **BLANK}
# Multi-line text (summary, reason) allows line breaks and tabs (the valid calls use one),
# none of the bad characters above.
MULTILINE = BAD_TEXT

ALL_CLASSES = {
    name
    for table in (BAD_TEXT, BLANK, BAD_NUMBER, BAD_WHOLE, BAD_ID, BAD_LIST, BAD_CONTEXT)
    for name in table
}


# --- the entry points -------------------------------------------------------------------------


@dataclass
class World:
    """Max (the default, one car, nothing else), Dad and Lena with a full notebook each."""

    max_id: int
    max_car_id: int
    dad: Notebook
    lena: Notebook

    async def version(self, model: type[Vehicle] | type[RaceSession], record_id: int) -> int:
        return (await model.get(id=record_id)).version


Call = Callable[..., Coroutine[Any, Any, Any]]


@dataclass
class EntryPoint:
    """A service call that succeeds as given, and the bad values each of its fields gets."""

    call: Callable[[World, dict[str, Any]], Coroutine[Any, Any, Any]]
    fields: dict[str, dict[str, Any]]


async def _update_profile(w: World, o: dict) -> Any:
    return await profile_service.update_profile(
        o.pop("profile_id", w.dad.profile_id), **{"name": "Dad P", "email": "d@example.com", **o}
    )


async def _save_reference(w: World, o: dict) -> Any:
    v = w.dad.vehicle_id
    args = {
        "profile_id": w.dad.profile_id,
        "vehicle_id": v,
        "values": {"venturi": 7.4},
        "expected_version": await w.version(Vehicle, v),
        **o,
    }
    return await garage.save_reference_setup(**args)


async def _copy_reference(w: World, o: dict) -> Any:
    v = w.dad.vehicle_id
    args = {
        "profile_id": w.dad.profile_id,
        "vehicle_id": v,
        "from_vehicle_id": w.dad.other_vehicle_id,
        "groups": ["Power"],
        "expected_version": await w.version(Vehicle, v),
        **o,
    }
    return await garage.copy_reference_setup(**args)


SESSION_FORM = {
    "name": "Club day",
    "session_type": "Main",
    "session_date": date(2026, 6, 1),
    "track_name": "Thunder Park",
    "track_context": {"surface": "Clay", "size": "Large"},
    "racing_classes": ["1/8 Nitro Buggy"],
    "practice_rounds": 2,
    "qualifying_rounds": 3,
}
SESSION_FIELDS = {
    "vehicle_id": BAD_ID,
    "name": REQUIRED_TEXT,
    "session_type": BAD_CHOICE,
    "session_date": BAD_DATE,
    "track_name": TEXT,
    "track_context": BAD_CONTEXT,
    "racing_classes": BAD_LIST,
    "practice_rounds": BAD_WHOLE,
    "qualifying_rounds": BAD_WHOLE,
}


async def _session_call(w: World, o: dict, call: Call, profile_id: int, vehicle_id: int) -> Any:
    args = {"profile_id": profile_id, "vehicle_id": vehicle_id, **SESSION_FORM, **o}
    return await call(**args)


async def _conditions(w: World, o: dict) -> Any:
    s = w.dad.session_id
    args = {"profile_id": w.dad.profile_id, "session_id": s,
            "expected_version": await w.version(RaceSession, s),
            "track_context": {"surface": "Wet"}, "practice_rounds": 4, "qualifying_rounds": 1,
            **o}  # fmt: skip
    return await sessions.update_conditions(**args)


async def _edit_twin(w: World, o: dict) -> Any:
    s = w.dad.session_id
    args = {
        "profile_id": w.dad.profile_id,
        "session_id": s,
        "values": {"venturi": 7.4},
        "expected_version": await w.version(RaceSession, s),
        "reason": "Bogging",
        **o,
    }
    return await setups.edit_twin(**args)


async def _copy_into_twin(w: World, o: dict) -> Any:
    s = w.dad.session_id
    args = {
        "profile_id": w.dad.profile_id,
        "session_id": s,
        "setup": {"spur": 50},
        "groups": ["Power"],
        "expected_version": await w.version(RaceSession, s),
        "reason": "From last week",
        **o,
    }
    return await setups.copy_groups_into_twin(**args)


async def _twin_as_reference(w: World, o: dict) -> Any:
    args = {
        "profile_id": w.dad.profile_id,
        "session_id": w.dad.session_id,
        "expected_vehicle_version": await w.version(Vehicle, w.dad.vehicle_id),
        **o,
    }
    return await setups.save_twin_as_reference(**args)


async def _copy_from_history(w: World, o: dict) -> Any:
    args = {
        "profile_id": w.dad.profile_id,
        "from_session_id": w.dad.completed_session_id,
        "groups": ["Power"],
        "expected_version": await w.version(RaceSession, w.dad.session_id),
        **o,
    }
    return await history.copy_into_twin(**args)


def dad(call: Call, **valid: Any) -> Callable[[World, dict], Coroutine[Any, Any, Any]]:
    """A call as Dad; ``valid`` maps each parameter to a function of Dad's notebook."""

    async def run(w: World, o: dict) -> Any:
        args = {key: (value(w.dad) if callable(value) else value) for key, value in valid.items()}
        return await call(**{"profile_id": w.dad.profile_id, **args, **o})

    return run


ENTRY_POINTS: dict[str, EntryPoint] = {
    # Profiles
    "create_profile": EntryPoint(
        lambda w, o: profile_service.create_profile(
            **{"name": "Newbie", "email": "n@example.com", "sponsors": ["Tekno"], **o}
        ),
        {
            "name": REQUIRED_TEXT,
            "email": TEXT,
            "facebook": TEXT,
            "instagram": TEXT,
            "sponsors": BAD_LIST,
        },
    ),
    "update_profile": EntryPoint(
        _update_profile,
        {
            "profile_id": BAD_ID,
            "name": REQUIRED_TEXT,
            "email": TEXT,
            "facebook": TEXT,
            "instagram": TEXT,
            "sponsors": BAD_LIST,
        },
    ),
    "get_profile": EntryPoint(dad(profile_service.get_profile), {"profile_id": BAD_ID}),
    "set_default_profile": EntryPoint(
        dad(profile_service.set_default_profile), {"profile_id": BAD_ID}
    ),
    "profile deletion_preview": EntryPoint(
        dad(profile_service.deletion_preview), {"profile_id": BAD_ID}
    ),
    "delete_profile": EntryPoint(
        lambda w, o: profile_service.delete_profile(
            **{"profile_id": w.max_id, "new_default_id": w.lena.profile_id, **o}
        ),
        {
            "profile_id": BAD_ID,
            "new_default_id": {k: v for k, v in BAD_ID.items() if v is not None},
        },
    ),
    # Garage
    "list_vehicles": EntryPoint(dad(garage.list_vehicles), {"profile_id": BAD_ID}),
    "get_vehicle": EntryPoint(
        dad(garage.get_vehicle, vehicle_id=lambda n: n.vehicle_id),
        {"profile_id": BAD_ID, "vehicle_id": BAD_ID},
    ),
    "add_vehicle": EntryPoint(
        dad(
            garage.add_vehicle,
            brand="Mugen",
            model="MBX8R",
            nickname="Red",
            transponder="1234567",
            reference_setup={"venturi": 7.2},
        ),
        {
            "profile_id": BAD_ID,
            "brand": REQUIRED_TEXT,
            "model": REQUIRED_TEXT,
            "nickname": TEXT,
            "transponder": TEXT,
            "reference_setup": BAD_SETUP,
        },
    ),
    "update_vehicle": EntryPoint(
        dad(
            garage.update_vehicle,
            vehicle_id=lambda n: n.vehicle_id,
            brand="Tekno",
            model="NB48 2.2",
            nickname="Blue",
            transponder="7654321",
        ),
        {
            "profile_id": BAD_ID,
            "vehicle_id": BAD_ID,
            "brand": REQUIRED_TEXT,
            "model": REQUIRED_TEXT,
            "nickname": TEXT,
            "transponder": TEXT,
        },
    ),
    "car deletion_preview": EntryPoint(
        dad(garage.deletion_preview, vehicle_id=lambda n: n.vehicle_id),
        {"profile_id": BAD_ID, "vehicle_id": BAD_ID},
    ),
    "delete_vehicle": EntryPoint(
        dad(garage.delete_vehicle, vehicle_id=lambda n: n.other_vehicle_id),
        {"profile_id": BAD_ID, "vehicle_id": BAD_ID},
    ),
    "save_reference_setup": EntryPoint(
        _save_reference,
        {
            "profile_id": BAD_ID,
            "vehicle_id": BAD_ID,
            "values": BAD_SETUP,
            "expected_version": BAD_VERSION,
        },
    ),
    "copy_reference_setup": EntryPoint(
        _copy_reference,
        {
            "profile_id": BAD_ID,
            "vehicle_id": BAD_ID,
            "from_vehicle_id": BAD_ID,
            "groups": BAD_GROUPS,
            "expected_version": BAD_VERSION,
        },
    ),
    # Sessions
    "save_draft_session": EntryPoint(
        lambda w, o: _session_call(
            w, o, sessions.save_draft_session, w.dad.profile_id, w.dad.other_vehicle_id
        ),
        {"profile_id": BAD_ID, **SESSION_FIELDS},
    ),
    "start_session": EntryPoint(
        lambda w, o: _session_call(w, o, sessions.start_session, w.max_id, w.max_car_id),
        {"profile_id": BAD_ID, **SESSION_FIELDS},
    ),
    "update_conditions": EntryPoint(
        _conditions,
        {
            "profile_id": BAD_ID,
            "session_id": BAD_ID,
            "expected_version": BAD_VERSION,
            "track_context": BAD_CONTEXT,
            "practice_rounds": BAD_WHOLE,
            "qualifying_rounds": BAD_WHOLE,
        },
    ),
    "close_session": EntryPoint(
        dad(
            sessions.close_session,
            session_id=lambda n: n.session_id,
            summary="Fast day.\nLoose on entry.",
            rating=4,
        ),
        {"profile_id": BAD_ID, "session_id": BAD_ID, "summary": MULTILINE, "rating": BAD_WHOLE},
    ),
    "get_session": EntryPoint(
        dad(sessions.get_session, session_id=lambda n: n.session_id),
        {"profile_id": BAD_ID, "session_id": BAD_ID},
    ),
    "discard_draft_session": EntryPoint(
        dad(sessions.discard_draft_session), {"profile_id": BAD_ID}
    ),
    "session reads": EntryPoint(
        lambda w, o: _reads(o.get("profile_id", w.dad.profile_id)), {"profile_id": BAD_ID}
    ),
    # Setup
    "edit_twin": EntryPoint(
        _edit_twin,
        {
            "profile_id": BAD_ID,
            "session_id": BAD_ID,
            "values": BAD_SETUP,
            "expected_version": BAD_VERSION,
            "reason": MULTILINE,
        },
    ),
    "propose_change": EntryPoint(
        dad(
            setups.propose_change,
            session_id=lambda n: n.session_id,
            parameter="venturi",
            new_value=7.4,
            reasoning="Bogging out of the turns",
            rule_id="venturi-down",
            message_id=lambda n: n.message_id,
        ),
        {
            "profile_id": BAD_ID,
            "session_id": BAD_ID,
            "parameter": BAD_PARAMETER,
            "new_value": {**BAD_NUMBER, "None": None},
            "reasoning": MULTILINE,
            "rule_id": TEXT,
            "message_id": {k: v for k, v in BAD_ID.items() if v is not None},
        },
    ),
    "accept_change": EntryPoint(
        dad(setups.accept_change, change_id=lambda n: n.change_id),
        {"profile_id": BAD_ID, "change_id": BAD_ID},
    ),
    "deny_change": EntryPoint(
        dad(setups.deny_change, change_id=lambda n: n.change_id),
        {"profile_id": BAD_ID, "change_id": BAD_ID},
    ),
    "undo_last": EntryPoint(
        dad(setups.undo_last, session_id=lambda n: n.session_id),
        {"profile_id": BAD_ID, "session_id": BAD_ID},
    ),
    "copy_groups_into_twin": EntryPoint(
        _copy_into_twin,
        {
            "profile_id": BAD_ID,
            "session_id": BAD_ID,
            "setup": BAD_POWER_SETUP,
            "groups": BAD_GROUPS,
            "expected_version": BAD_VERSION,
            "reason": MULTILINE,
        },
    ),
    "save_twin_as_reference": EntryPoint(
        _twin_as_reference,
        {"profile_id": BAD_ID, "session_id": BAD_ID, "expected_vehicle_version": BAD_VERSION},
    ),
    "twin reads": EntryPoint(
        lambda w, o: _twin_reads(
            **{"profile_id": w.dad.profile_id, "session_id": w.dad.session_id, **o}
        ),
        {"profile_id": BAD_ID, "session_id": BAD_ID},
    ),
    # Advisor
    "ask_advisor": EntryPoint(
        dad(
            debriefs.ask_advisor,
            session_id=lambda n: n.session_id,
            symptoms=["loose_entry"],
            note="Loose into the sweeper",
            rating=3,
        ),
        {
            "profile_id": BAD_ID,
            "session_id": BAD_ID,
            "symptoms": BAD_SYMPTOMS,
            "note": MULTILINE,
            "rating": BAD_WHOLE,
        },
    ),
    "advisor reads": EntryPoint(
        lambda w, o: _advisor_reads(
            **{"profile_id": w.dad.profile_id, "session_id": w.dad.session_id, **o}
        ),
        {"profile_id": BAD_ID, "session_id": BAD_ID},
    ),
    # Scoreboard
    "add_run": EntryPoint(
        dad(
            results.add_run,
            session_id=lambda n: n.session_id,
            heat_name="Heat 2",
            racing_class="1/8 Nitro Buggy",
            laps_text="31.2\n30.8\n1:02.5",
        ),
        {
            "profile_id": BAD_ID,
            "session_id": BAD_ID,
            "heat_name": REQUIRED_TEXT,
            "racing_class": TEXT,
            "laps_text": BAD_LAPS_TEXT,
            "laps": BAD_LAPS,
        },
    ),
    "update_run": EntryPoint(
        dad(
            results.update_run,
            run_id=lambda n: n.run_id,
            heat_name="Heat 1 (again)",
            laps=[31.0, 30.9],
        ),
        {
            "profile_id": BAD_ID,
            "run_id": BAD_ID,
            "heat_name": REQUIRED_TEXT,
            "racing_class": TEXT,
            "laps": BAD_LAPS,
        },
    ),
    "delete_run": EntryPoint(
        dad(results.delete_run, run_id=lambda n: n.run_id), {"profile_id": BAD_ID, "run_id": BAD_ID}
    ),
    "run reads": EntryPoint(
        lambda w, o: _run_reads(
            **{
                "profile_id": w.dad.profile_id,
                "session_id": w.dad.session_id,
                "run_id": w.dad.run_id,
                **o,
            }
        ),
        {"profile_id": BAD_ID, "session_id": BAD_ID, "run_id": BAD_ID},
    ),
    # History and the racer's file
    "list_sessions": EntryPoint(
        dad(
            history.list_sessions,
            vehicle_id=lambda n: n.vehicle_id,
            track_name="thunder park",
            session_type="Club Race",
            page=1,
            per_page=10,
        ),
        {
            "profile_id": BAD_ID,
            "vehicle_id": {k: v for k, v in BAD_ID.items() if v is not None},
            "track_name": TEXT,
            "session_type": {k: v for k, v in BAD_CHOICE.items() if k != "unknown"},
            "page": {**BAD_WHOLE, "0": 0, "2**63": 2**63},
            "per_page": {**BAD_WHOLE, "0": 0, "a million": 10**6},
        },
    ),
    "history reads": EntryPoint(
        lambda w, o: _history_reads(
            **{
                "profile_id": w.dad.profile_id,
                "session_id": w.dad.completed_session_id,
                "other_id": w.dad.session_id,
                **o,
            }
        ),
        {"profile_id": BAD_ID, "session_id": BAD_ID, "other_id": BAD_ID},
    ),
    "copy_into_twin": EntryPoint(
        _copy_from_history,
        {
            "profile_id": BAD_ID,
            "from_session_id": BAD_ID,
            "groups": BAD_GROUPS,
            "expected_version": BAD_VERSION,
        },
    ),
    "export_racer": EntryPoint(dad(transfer.export_racer), {"profile_id": BAD_ID}),
    "find_racer": EntryPoint(
        lambda w, o: transfer.find_racer(**{"name": " dad ", **o}),
        {"name": {**REQUIRED_TEXT, "unknown": "Nobody"}},
    ),
    # PINs (a racer without one: only the new PIN and the racer are checked)
    "set_pin": EntryPoint(
        dad(access.set_pin, new_pin="4711"),
        {
            "profile_id": BAD_ID,
            "new_pin": {
                **REQUIRED_TEXT,
                "3 digits": "123",
                "9 digits": "123456789",
                "Arabic-Indic digits": "\u0661\u0662\u0663\u0664",
                "letters": "12ab",
                "a number, not text": 4711,
            },
        },
    ),
    "check_pin": EntryPoint(dad(access.check_pin, pin="4711"), {"profile_id": BAD_ID}),
    "clear_pin": EntryPoint(dad(access.clear_pin, current_pin=""), {"profile_id": BAD_ID}),
    # Drafts
    "save_draft": EntryPoint(
        dad(drafts.save_draft, form="event.session", data={"name": "Club day"}),
        {"profile_id": BAD_ID, "form": BAD_FORM, "data": BAD_DRAFT},
    ),
    "discard_draft": EntryPoint(
        dad(drafts.discard_draft, form="garage.add_car"),
        {"profile_id": BAD_ID, "form": BAD_FORM},
    ),
    "load_drafts": EntryPoint(dad(drafts.load_drafts), {"profile_id": BAD_ID}),
}


async def _reads(profile_id: Any) -> None:
    await sessions.active_session(profile_id)
    await sessions.draft_session(profile_id)
    await sessions.track_names(profile_id)


async def _twin_reads(profile_id: Any, session_id: Any) -> None:
    await setups.get_twin(profile_id, session_id)
    await setups.pending_changes(profile_id, session_id)
    await setups.change_log(profile_id, session_id)


ID_FIELDS = {"profile_id", "vehicle_id", "from_vehicle_id", "session_id", "change_id",
             "message_id", "new_default_id", "run_id", "from_session_id", "other_id"}  # fmt: skip
# The car of a session is picked on the Event form: "not in this garage" beside the car field.
PICKED_ON_A_FORM = {("save_draft_session", "vehicle_id"), ("start_session", "vehicle_id")}


async def _advisor_reads(profile_id: Any, session_id: Any) -> None:
    await debriefs.conversation(profile_id, session_id)
    await debriefs.debrief_setting(profile_id, session_id)


async def _run_reads(profile_id: Any, session_id: Any, run_id: Any) -> None:
    await results.get_run(profile_id, run_id)
    await results.list_runs(profile_id, session_id)
    await results.scoreboard(profile_id, session_id)


async def _history_reads(profile_id: Any, session_id: Any, other_id: Any) -> None:
    await history.filters(profile_id)
    await history.get_record(profile_id, session_id)
    await history.compare_with_reference(profile_id, session_id)
    await history.compare_sessions(profile_id, session_id, other_id)
    await history.compare_sessions(profile_id, other_id, session_id)


def expected_error(entry: str, field: str) -> tuple[type[PitboxError], ...]:
    if field in ("expected_version", "expected_vehicle_version"):
        return (StaleWriteError,)
    if (entry, field) in PICKED_ON_A_FORM:
        return (NotFoundError, ValidationError)
    if field in ID_FIELDS or entry == "find_racer":  # a racer looked up by name
        return (NotFoundError,)
    return (ValidationError,)


@pytest.fixture
async def world(db) -> World:
    max_ = await profile_service.create_profile("Max")
    car = await garage.add_vehicle(max_.id, "Xray", "XB8")
    return World(max_.id, car.id, await racer_with_notebook("Dad"),
                 await racer_with_notebook("Lena"))  # fmt: skip


CASES = [
    pytest.param(entry, field, id=f"{entry}-{field}")
    for entry, point in ENTRY_POINTS.items()
    for field in point.fields
]


@pytest.mark.parametrize(("entry", "field"), CASES)
async def test_bad_input_is_refused_clearly_and_writes_nothing(world, entry, field):
    point = ENTRY_POINTS[entry]
    expected = expected_error(entry, field)
    problems = []
    before = await snapshot_all()

    for name, value in point.fields[field].items():
        try:
            await point.call(world, {field: value})
        except expected as exc:
            if isinstance(exc, ValidationError) and not exc.errors:
                problems.append(f"{name}: a ValidationError that names no field")
            if not str(exc).strip():
                problems.append(f"{name}: an empty message")
        except Exception as exc:  # the finding: anything else is a crash
            problems.append(f"{name}: {type(exc).__name__}: {str(exc)[:200]}")
        else:
            problems.append(f"{name}: accepted")
        after = await snapshot_all()
        if after != before:
            problems.append(f"{name}: the database changed")
            before = after

    assert not problems, f"{entry}, {field}:\n" + "\n".join(problems)


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
async def test_every_entry_point_of_the_table_accepts_its_valid_call(world, entry):
    # The table's calls are valid as given: a refusal above comes from the bad value alone.
    await ENTRY_POINTS[entry].call(world, {})


def test_the_table_has_at_least_fifteen_input_classes_and_covers_every_service():
    assert len(ALL_CLASSES) >= 15
    covered = {
        "create_profile", "update_profile", "add_vehicle", "update_vehicle",
        "save_reference_setup", "copy_reference_setup", "save_draft_session", "start_session",
        "update_conditions", "close_session", "edit_twin", "propose_change",
        "copy_groups_into_twin", "save_draft", "ask_advisor", "add_run", "update_run",
    }  # fmt: skip
    assert covered <= set(ENTRY_POINTS)

"""A racer's data out and in: export, import, backup and restore, all or nothing."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from models import RacerProfile, SetupChange
from services import garage, profile_service, transfer
from services.errors import NameTakenError, NotFoundError, RuleError, ValidationError
from tests.notebook import seed_racer


def without_stamp(document: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(document)
    document.pop("exported_at")
    return document


async def install_state() -> dict[str, Any]:
    """Everything the install holds, as a backup sees it (which racer is default included)."""
    return without_stamp(await transfer.export_backup())


@pytest.fixture
async def lena(db):
    return await seed_racer("Lena", sessions=3)


async def test_export_holds_a_racers_whole_notebook(lena):
    other = await seed_racer("Dad", sessions=1)
    document = await transfer.export_racer(lena.id)
    assert (document["format"], document["version"]) == ("pitbox-racer", 1)
    assert document["racer"]["name"] == "Lena" and document["racer"]["sponsors"] == ["JQ", "Hudy"]
    assert "pin_hash" not in document["racer"]
    counts = transfer.racer_counts(document)
    assert counts == transfer.Counts(cars=2, sessions=3, setup_changes=9, messages=6,
                                     run_results=6)  # fmt: skip
    first = document["sessions"][0]
    assert first["vehicle"] == 1 and first["track_name"] == "Riverside"
    assert first["summary"] == "Good day 1\nLoose at the end" and first["rating"] == 4
    assert first["actual_setup"]["rear_toe"] == 2.5 and len(first["actual_setup"]) == 24
    assert "version" not in first and "updated_at" not in first
    toe, undo, spring = document["setup_changes"][:3]
    assert (toe["message"], toe["rule_id"], toe["verdict"]) == (2, "loose_exit_rear_toe", "faster")
    assert (undo["reverts"], spring["old_value"], spring["new_value"]) == (1, "Green", "Blue")
    assert document["messages"][1]["data"] == {"proposals": [{"parameter": "rear_toe",
                                                              "value": 3.0}]}  # fmt: skip
    assert document["run_results"][0]["lap_times"] == [34.2, 33.9, 35.0]
    # Another racer's notebook stays out of it.
    assert "Dad" not in json.dumps(document) and other.id != lena.id


async def test_export_of_an_unknown_racer_is_not_found(db):
    with pytest.raises(NotFoundError):
        await transfer.export_racer(12345)


async def test_import_gives_new_ids_and_the_same_content(lena):
    exported = await transfer.export_racer(lena.id)
    records = transfer.read_racer_file(transfer.dumps(exported))
    report = await transfer.import_racer(records, rename="Lena (laptop)")
    assert report.id != lena.id and not report.is_default
    assert report.describe() == (
        "Lena (laptop): 2 cars, 3 sessions, 9 setup changes, 6 messages, 6 lap results"
    )
    again = await transfer.export_racer(report.id)
    again["racer"]["name"] = "Lena"
    assert without_stamp(again) == without_stamp(exported)
    assert await SetupChange.filter(session__profile_id=report.id, reverts_id__isnull=False).count()


async def test_a_name_clash_asks_for_a_new_name_and_changes_nothing(lena):
    records = transfer.read_racer_file(transfer.dumps(await transfer.export_racer(lena.id)))
    before = await install_state()
    with pytest.raises(NameTakenError) as error:
        await transfer.import_racer(records)
    assert (
        str(error.value) == "name: There is already a racer called Lena: import it under a new name"
    )
    with pytest.raises(NameTakenError):
        await transfer.import_racer(records, rename="LENA")  # capitals don't make another racer
    with pytest.raises(ValidationError) as bad:
        await transfer.import_racer(records, rename=" ")
    assert bad.value.errors == {"name": "Name is required"}
    assert await install_state() == before


async def test_the_first_racer_imported_into_an_empty_install_is_the_default(lena):
    exported = transfer.dumps(await transfer.export_racer(lena.id))
    await RacerProfile.all().delete()
    report = await transfer.import_racer(transfer.read_racer_file(exported))
    assert report.is_default
    assert (await profile_service.get_default_profile()).name == "Lena"


def _set(path: str, value: Any) -> Callable[[dict], None]:
    """Change one value of an exported document, e.g. ``sessions.0.vehicle``."""

    def change(document: dict) -> None:
        *parents, last = path.split(".")
        target: Any = document
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is _DELETE:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value

    return change


_DELETE = object()
HUGE = transfer.MAX_FILE_BYTES + 1

BAD_FILES = [
    ("not JSON", lambda raw: b"Lena's setups: 7000/7000/5000", None,
     "file: Not a Pitbox file: it is not valid JSON (line 1, column 1: Expecting value)"),
    ("truncated", lambda raw: raw[: len(raw) // 2], None,
     "file: The file ends too soon"),
    ("a list, not an object", lambda raw: b"[1, 2]", None,
     "file: Not a Pitbox file: it should be one JSON object"),
    ("wrong format name", None, _set("format", "setup-sheet"),
     "format: Not a Pitbox file: format should be 'pitbox-racer', it is 'setup-sheet'"),
    ("a backup given as a racer file", None, _set("format", "pitbox-backup"),
     "format: This is a backup of a whole install: restore it with `python main.py restore FILE`"),
    ("a newer version", None, _set("version", 2),
     "version: This file was written by a newer Pitbox (format version 2); this one reads "
     "version 1: update Pitbox, then try again"),
    ("version as text", None, _set("version", "1"),
     "version: The format version must be a whole number from 1 up"),
    ("missing racer name", None, _set("racer.name", _DELETE), "racer.name: is required"),
    ("missing session list", None, _set("sessions", _DELETE), "sessions: is required"),
    ("missing session date", None, _set("sessions.2.session_date", _DELETE),
     "sessions[2].session_date: is required"),
    ("sessions not a list", None, _set("sessions", {"1": {}}), "sessions: must be a list ([...])"),
    ("a session not an object", None, _set("sessions.1", "Round 2"),
     "sessions[1]: must be a JSON object ({...})"),
    ("rounds as text", None, _set("sessions.0.practice_rounds", "three"),
     "sessions[0].practice_rounds: Practice rounds must be a number"),
    ("name as a number", None, _set("vehicles.1.brand", 42),
     "vehicles[1].brand: Brand must be text"),
    ("lap as text", None, _set("run_results.3.lap_times.1", "33.9"),
     "run_results[3].lap_times[1]: A lap time must be a number"),
    ("a date that is no date", None, _set("sessions.0.session_date", "last sunday"),
     "sessions[0].session_date: Pick the session date"),
    ("a time without its zone", None, _set("messages.0.created_at", "2026-03-01T09:30:15"),
     "messages[0].created_at: Sent must be a date and time with its UTC offset"),
    ("out-of-range setup value", None, _set("sessions.1.actual_setup.front_camber", 9),
     "sessions[1].actual_setup.front_camber: Camber must be between -6 and 2 °"),
    ("out-of-range reference setup", None, _set("vehicles.0.reference_setup.spur", 99),
     "vehicles[0].reference_setup.spur: Spur must be between 40 and 56 teeth"),
    ("out-of-range changed value", None, _set("setup_changes.0.new_value", 30),
     "setup_changes[0].new_value: Toe must be between -5 and 5 °"),
    ("unknown setup parameter", None, _set("setup_changes.0.parameter", "wing_angle"),
     "setup_changes[0].parameter: 'wing_angle' is not a setup parameter"),
    ("a word not in the vocabulary", None, _set("sessions.0.track_context.surface", "Ice"),
     "sessions[0].track_context.surface: Surface: choose one of Dusty, Dry, Wet, Muddy, "
     "Clay, Loam, Astroturf"),
    ("a session type not in the vocabulary", None, _set("sessions.0.session_type", "Party"),
     "sessions[0].session_type: Session type: choose one of Practice, Qualifying, Main, "
     "Club Race"),
    ("a session referring to a car not in the file", None, _set("sessions.2.vehicle", 17),
     "sessions[2].vehicle: refers to car 17, which is not in the file"),
    ("a message referring to a session not in the file", None, _set("messages.4.session", 9),
     "messages[4].session: refers to session 9, which is not in the file"),
    ("a change taking back a change not in the file", None, _set("setup_changes.1.reverts", 99),
     "setup_changes[1].reverts: refers to setup change 99, which is not in the file"),
    ("a change citing another session's message", None, _set("setup_changes.0.message", 4),
     "setup_changes[0].message: refers to message 4, which belongs to another session"),
    ("duplicate car ids", None, _set("vehicles.1.id", 1),
     "vehicles[1].id: id 1 is used twice (also by vehicles[0])"),
    ("duplicate session ids", None, _set("sessions.2.id", 2),
     "sessions[2].id: id 2 is used twice (also by sessions[1])"),
    ("an id that is no id", None, _set("messages.0.id", -3),
     "messages[0].id: must be a whole number from 1 up"),
    ("two active sessions", None, _set("sessions.0.status", "active"),
     "sessions[2].status: A racer has at most one active session (sessions[0] is active too)"),
    ("an unknown field", None, _set("sessions.0.summery", "typo"),
     "sessions[0].summery: is not a field Pitbox knows here"),
    ("a file over the size limit", lambda raw: b" " * HUGE, None,
     "file: The file is 20.0 MB; the limit is 20 MB"),
    ("a 10,000-character name", None, _set("racer.name", "L" * 10_000),
     "racer.name: Name can be at most 60 characters"),
    ("a control character in a summary", None, _set("sessions.0.summary", "fast\u202eslow"),
     "sessions[0].summary: Summary cannot contain control characters"),
    ("a verdict not in the vocabulary", None, _set("setup_changes.0.verdict", "better"),
     "setup_changes[0].verdict: Verdict: choose one of faster, slower, no difference, "
     "too few laps"),
    ("a rating of eleven", None, _set("sessions.0.rating", 11),
     "sessions[0].rating: Rating must be between 1 and 5"),
    ("a bad email", None, _set("racer.email", "lena at home"),
     "racer.email: Enter an email address like name@example.com"),
    ("a transponder with a dash", None, _set("vehicles.0.transponder", "12-34"),
     "vehicles[0].transponder: Transponder: digits and letters only"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "raw_change", "change", "message"), BAD_FILES, ids=[c[0] for c in BAD_FILES]
)
async def test_a_bad_file_is_refused_with_one_clear_message_and_changes_nothing(
    lena, case, raw_change, change, message
):
    document = await transfer.export_racer(lena.id)
    document["racer"]["name"] = "Lena from the club"  # no name clash: only the fault counts
    if change is not None:
        change(document)
    raw = transfer.dumps(document)
    if raw_change is not None:
        raw = raw_change(raw)
    before = await install_state()
    with pytest.raises(ValidationError) as error:
        await transfer.import_racer(transfer.read_racer_file(raw))
    assert str(error.value).startswith(message), case
    assert len(error.value.errors) == 1
    assert await install_state() == before


async def test_html_in_every_text_field_is_kept_as_text(lena):
    html = "<b>x</b><script>alert(1)</script>"
    document = await transfer.export_racer(lena.id)
    document["racer"].update(name="<i>Lena</i>", email="<i>lena</i>@example.com",
                             facebook=html, instagram=html, sponsors=[html])  # fmt: skip
    for car in document["vehicles"]:
        car.update(brand=f"{html}{car['id']}", model=html, nickname=html)
        car["reference_setup"].update(front_spring="<b>Blue</b>", pipe="<img src=x>")
    for session in document["sessions"]:
        session.update(name=html, track_name=html, summary=html, racing_classes=[html])
        session["actual_setup"]["tire_tread"] = "<marquee>"
    for message in document["messages"]:
        message.update(content=html, data={html: [html]})
    for change in document["setup_changes"]:
        change.update(reasoning=html, rule_id="<b>")
        if change["parameter"] == "front_spring":
            change.update(old_value="<b>Green</b>", new_value="<b>Blue</b>")
    for result in document["run_results"]:
        result.update(heat_name=html, racing_class=html)
    report = await transfer.import_racer(transfer.read_racer_file(transfer.dumps(document)))
    assert report.name == "<i>Lena</i>"
    assert without_stamp(await transfer.export_racer(report.id)) == without_stamp(document)


async def test_an_import_that_fails_while_writing_leaves_nothing_behind(lena):
    document = await transfer.export_racer(lena.id)
    document["racer"]["name"] = "Lena again"
    records = transfer.read_racer_file(transfer.dumps(document))
    before = await install_state()

    def break_halfway(rows: int) -> None:
        if rows and records.sessions:  # after the cars and some sessions are written
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        await transfer.import_racer(records, progress=break_halfway)
    assert await install_state() == before


# --- backup and restore -----------------------------------------------------------------------


async def test_backup_and_restore_replace_the_install_as_it_was(lena):
    await seed_racer("Dad", sessions=1, active=False)
    await profile_service.set_default_profile(lena.id)
    before = await install_state()
    raw = transfer.dumps(await transfer.export_backup())
    racers = transfer.read_backup_file(raw)
    with pytest.raises(RuleError) as refused:
        await transfer.restore_backup(racers)
    assert "already has racers (Dad, Lena)" in str(refused.value) and "--force" in str(
        refused.value
    )
    assert await install_state() == before
    # Change the install, then restore over it.
    await garage.add_vehicle(lena.id, "Mugen", "MBX8R")
    await profile_service.create_profile("Coach")
    reports = await transfer.restore_backup(racers, force=True)
    assert [r.describe() for r in reports] == [
        "Lena: 2 cars, 3 sessions, 9 setup changes, 6 messages, 6 lap results",
        "Dad: 2 cars, 1 session, 3 setup changes, 2 messages, 2 lap results",
    ]
    assert await install_state() == before
    defaults = await RacerProfile.filter(is_default=True).values_list("name", flat=True)
    assert defaults == ["Lena"]


async def test_restore_into_a_fresh_install_replaces_its_untouched_default_racer(lena):
    raw = transfer.dumps(await transfer.export_backup())
    await RacerProfile.all().delete()
    await profile_service.get_or_create_default_profile()  # what a first start creates
    assert await transfer.install_is_empty()
    await transfer.restore_backup(transfer.read_backup_file(raw))
    assert await RacerProfile.all().values_list("name", "is_default") == [("Lena", True)]


async def test_a_backup_keeps_the_pin_lock_and_a_racer_file_does_not(lena):
    await RacerProfile.filter(id=lena.id).update(pin_hash="$argon2id$v=19$m=65536,t=3,p=4$abc")
    backup = await transfer.export_backup()
    assert backup["racers"][0]["racer"]["pin_hash"].startswith("$argon2id$")
    assert "pin_hash" not in (await transfer.export_racer(lena.id))["racer"]
    await transfer.restore_backup(transfer.read_backup_file(transfer.dumps(backup)), force=True)
    assert (await RacerProfile.get(name="Lena")).pin_hash.startswith("$argon2id$")


BAD_BACKUPS = [
    ("a racer file given as a backup", lambda d: {**d["racers"][0], "format": "pitbox-racer",
                                                  "version": 1},
     "format: This is one racer's file: import it with `python main.py import FILE`"),
    ("no racers", lambda d: {**d, "racers": []},
     "racers: The backup holds no racers: there is nothing to restore"),
    ("two defaults", lambda d: _both_default(d),
     "racers[1].racer.is_default: Only one racer can be the default (racers[0] is too)"),
    ("the same racer twice", lambda d: {**d, "racers": [d["racers"][0], d["racers"][0]]},
     "racers[1].racer.name: Lena appears twice (also racers[0])"),
    ("a bad value deep inside", lambda d: _deep_fault(d),
     "racers[1].sessions[0].actual_setup.venturi: Venturi must be between 5 and 10 mm"),
]  # fmt: skip


def _both_default(document: dict) -> dict:
    for racer in document["racers"]:
        racer["racer"]["is_default"] = True
    return document


def _deep_fault(document: dict) -> dict:
    document["racers"][1]["sessions"][0]["actual_setup"]["venturi"] = 12
    return document


@pytest.mark.parametrize(
    ("case", "change", "message"), BAD_BACKUPS, ids=[c[0] for c in BAD_BACKUPS]
)
async def test_a_bad_backup_is_refused_and_changes_nothing(lena, case, change, message):
    await seed_racer("Dad", sessions=1, active=False)
    document = change(await transfer.export_backup())
    before = await install_state()
    with pytest.raises(ValidationError) as error:
        await transfer.restore_backup(
            transfer.read_backup_file(transfer.dumps(document)), force=True
        )
    assert str(error.value) == message, case
    assert await install_state() == before


async def test_a_backup_without_a_default_makes_its_first_racer_the_default(lena):
    await seed_racer("Dad", sessions=1, active=False)
    document = await transfer.export_backup()
    for racer in document["racers"]:
        racer["racer"]["is_default"] = False
    await transfer.restore_backup(transfer.read_backup_file(transfer.dumps(document)), force=True)
    assert await RacerProfile.filter(is_default=True).values_list("name", flat=True) == ["Lena"]

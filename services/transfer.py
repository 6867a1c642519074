"""A racer's data out and in: one versioned JSON file per racer, and a backup of the whole install.

A racer file is one JSON object::

    {"format": "pitbox-racer", "version": 1, "exported_at": "2026-05-17T18:02:11.000000+00:00",
     "racer": {...}, "vehicles": [...], "sessions": [...], "messages": [...],
     "setup_changes": [...], "run_results": [...]}

Records refer to each other by ids that number them within the file (1, 2, ...), never by the
ids of the install that wrote it, so two exports of the same data are equal whatever the
database. Version counters and ``updated_at`` are bookkeeping of the install that wrote them:
they are left out and start afresh on import. A PIN lock stays behind too (a file is shared;
a short PIN's hash would be guessed offline); a whole-install backup keeps it.

A backup is ``{"format": "pitbox-backup", "version": 1, "exported_at": ..., "racers": [...]}``
where each racer is the content of a racer file, plus ``is_default`` and ``pin_hash``.

Reading checks the whole file (every text, number and word through ``services.validation``)
before anything is written; writing happens in one transaction. A bad file raises
ValidationError naming the first problem and where it is (``sessions[3].vehicle: refers to car
17, which is not in the file``) and the database is left as it was.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, NoReturn

from tortoise import timezone
from tortoise.transactions import in_transaction

from models import (
    ChangeSource,
    ChangeStatus,
    Message,
    MessageRole,
    RacerProfile,
    RaceSession,
    RunResult,
    SessionStatus,
    SetupChange,
    Vehicle,
)
from models.setup_sheet import PARAMETERS_BY_KEY, SetupSheet
from models.vocabularies import words
from services import garage, profile_service, validation
from services.errors import NameTakenError, NotFoundError, RuleError, ValidationError
from services.results import (
    HEAT_NAME_MAX_LENGTH,
    LAP_MAX_SECONDS,
    LAP_MIN_SECONDS,
    MAX_LAPS_PER_RUN,
    Verdict,
)
from services.sessions import (
    CLASS_MAX_LENGTH,
    MAX_CLASSES,
    MAX_ROUNDS,
    SUMMARY_MAX_LENGTH,
    TRACK_NAME_MAX_LENGTH,
    clean_track_context,
)
from services.sessions import NAME_MAX_LENGTH as SESSION_NAME_MAX_LENGTH
from services.setups import REASON_MAX_LENGTH
from services.validation import InvalidValue

RACER_FORMAT = "pitbox-racer"
BACKUP_FORMAT = "pitbox-backup"
VERSION = 1
MAX_FILE_BYTES = 20 * 1024 * 1024

MESSAGE_MAX_LENGTH = 20_000
RULE_ID_MAX_LENGTH = 60
PIN_HASH_MAX_LENGTH = 255

_RACER_GONE = "That racer no longer exists"

Progress = Callable[[int], None]


def _no_progress(_rows: int) -> None:
    pass


# --- what a file holds --------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    """How much of a racer's data a file or a database holds, in the racer's words."""

    cars: int = 0
    sessions: int = 0
    setup_changes: int = 0
    messages: int = 0
    run_results: int = 0

    @property
    def rows(self) -> int:
        return self.cars + self.sessions + self.setup_changes + self.messages + self.run_results

    def describe(self) -> str:
        """ "2 cars, 40 sessions, 310 setup changes, 120 messages, 200 lap results"."""
        parts = (
            (self.cars, "car"), (self.sessions, "session"), (self.setup_changes, "setup change"),
            (self.messages, "message"), (self.run_results, "lap result"),
        )  # fmt: skip
        return ", ".join(f"{n} {word}{'' if n == 1 else 's'}" for n, word in parts)


@dataclass
class _Row:
    """One checked record: its id in the file, its references (file ids) and clean values."""

    key: int
    values: dict[str, Any]
    refs: dict[str, int | None] = field(default_factory=dict)


@dataclass
class RacerRecords:
    """One racer's checked content, ready to be written."""

    racer: dict[str, Any]
    vehicles: list[_Row]
    sessions: list[_Row]
    messages: list[_Row]
    changes: list[_Row]
    results: list[_Row]

    @property
    def name(self) -> str:
        return self.racer["name"]

    @property
    def counts(self) -> Counts:
        return Counts(
            cars=len(self.vehicles),
            sessions=len(self.sessions),
            setup_changes=len(self.changes),
            messages=len(self.messages),
            run_results=len(self.results),
        )


@dataclass(frozen=True)
class RacerReport:
    """One racer written (imported or restored), for the line the racer reads."""

    id: int
    name: str
    counts: Counts
    is_default: bool = False

    def describe(self) -> str:
        return f"{self.name}: {self.counts.describe()}"


# --- export -----------------------------------------------------------------------------------


async def export_racer(profile_id: int) -> dict[str, Any]:
    """One racer's whole notebook as a racer-file document (see the module docstring).

    Six queries, whatever the number of sessions.
    """
    profile_id = validation.record_id(profile_id, _RACER_GONE)
    profile = await RacerProfile.get_or_none(id=profile_id).values()
    if profile is None:
        raise NotFoundError(_RACER_GONE)
    content = await _racer_content([profile], install_fields=False)
    return {"format": RACER_FORMAT, "version": VERSION, "exported_at": _stamp(timezone.now()),
            **content[0]}  # fmt: skip


async def export_backup(progress: Progress = _no_progress) -> dict[str, Any]:
    """Every racer of the install as a backup document. Six queries in all."""
    profiles = await RacerProfile.all().order_by("id").values()
    racers = await _racer_content(profiles, install_fields=True)
    progress(sum(_content_rows(r) for r in racers))
    return {"format": BACKUP_FORMAT, "version": VERSION, "exported_at": _stamp(timezone.now()),
            "racers": racers}  # fmt: skip


def racer_counts(document: Mapping[str, Any]) -> Counts:
    """The counts of an exported racer document (or one racer of a backup)."""
    return Counts(
        cars=len(document["vehicles"]),
        sessions=len(document["sessions"]),
        setup_changes=len(document["setup_changes"]),
        messages=len(document["messages"]),
        run_results=len(document["run_results"]),
    )


def _content_rows(document: Mapping[str, Any]) -> int:
    return racer_counts(document).rows


def dumps(document: Mapping[str, Any]) -> bytes:
    """The file's bytes: UTF-8 JSON, indented so that a person can read it."""
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


async def find_racer(name: str) -> RacerProfile:
    """The racer with this name (ignoring capitals); NotFoundError lists the racers there are."""
    typed = name.strip() if isinstance(name, str) else ""
    key = unicodedata.normalize("NFC", typed).casefold()
    profiles = await RacerProfile.all().order_by("name")
    for profile in profiles:
        if unicodedata.normalize("NFC", profile.name).casefold() == key:
            return profile
    names = ", ".join(p.name for p in profiles) or "none yet"
    raise NotFoundError(f"There is no racer called {typed!r}. Racers: {names}")


async def _racer_content(
    profiles: list[dict[str, Any]], *, install_fields: bool
) -> list[dict[str, Any]]:
    ids = [p["id"] for p in profiles]
    vehicles = await Vehicle.filter(profile_id__in=ids).order_by("id").values()
    sessions = await RaceSession.filter(profile_id__in=ids).order_by("id").values()
    messages = await Message.filter(session__profile_id__in=ids).order_by("id").values()
    changes = await SetupChange.filter(session__profile_id__in=ids).order_by("id").values()
    results = await RunResult.filter(session__profile_id__in=ids).order_by("id").values()

    # File ids number the records in order, per racer.
    def numbered(rows: list[dict[str, Any]], owner: Callable[[dict[str, Any]], int]):
        by_owner: dict[int, list[dict[str, Any]]] = {pid: [] for pid in ids}
        numbers: dict[int, int] = {}
        for row in rows:
            group = by_owner[owner(row)]
            group.append(row)
            numbers[row["id"]] = len(group)
        return by_owner, numbers

    session_owner = {s["id"]: s["profile_id"] for s in sessions}
    cars_of, car_no = numbered(vehicles, lambda r: r["profile_id"])
    sessions_of, session_no = numbered(sessions, lambda r: r["profile_id"])
    messages_of, message_no = numbered(messages, lambda r: session_owner[r["session_id"]])
    changes_of, change_no = numbered(changes, lambda r: session_owner[r["session_id"]])
    results_of, result_no = numbered(results, lambda r: session_owner[r["session_id"]])

    documents = []
    for profile in profiles:
        racer = {
            "name": profile["name"], "email": profile["email"], "facebook": profile["facebook"],
            "instagram": profile["instagram"], "sponsors": list(profile["sponsors"] or []),
            "created_at": _stamp(profile["created_at"]),
        }  # fmt: skip
        if install_fields:
            racer["is_default"] = bool(profile["is_default"])
            racer["pin_hash"] = profile["pin_hash"]
        pid = profile["id"]
        documents.append({
            "racer": racer,
            "vehicles": [{
                "id": car_no[v["id"]], "brand": v["brand"], "model": v["model"],
                "nickname": v["nickname"], "transponder": v["transponder"],
                "reference_setup": SetupSheet.of(v["reference_setup"]).to_json(),
                "created_at": _stamp(v["created_at"]),
            } for v in cars_of[pid]],
            "sessions": [{
                "id": session_no[s["id"]], "vehicle": car_no[s["vehicle_id"]],
                "name": s["name"], "session_type": s["session_type"],
                "session_date": _day(s["session_date"]), "track_name": s["track_name"],
                "track_context": dict(s["track_context"] or {}),
                "racing_classes": list(s["racing_classes"] or []),
                "actual_setup": SetupSheet.of(s["actual_setup"]).to_json(),
                "status": str(s["status"]), "practice_rounds": s["practice_rounds"],
                "qualifying_rounds": s["qualifying_rounds"], "summary": s["summary"],
                "rating": s["rating"], "ended_at": _stamp(s["ended_at"]),
                "created_at": _stamp(s["created_at"]),
            } for s in sessions_of[pid]],
            "messages": [{
                "id": message_no[m["id"]], "session": session_no[m["session_id"]],
                "role": str(m["role"]), "content": m["content"], "data": m["data"],
                "created_at": _stamp(m["created_at"]),
            } for m in messages_of[pid]],
            "setup_changes": [{
                "id": change_no[c["id"]], "session": session_no[c["session_id"]],
                "parameter": c["parameter"], "old_value": c["old_value"],
                "new_value": c["new_value"], "source": str(c["source"]),
                "reasoning": c["reasoning"], "status": str(c["status"]),
                "rule_id": c["rule_id"],
                "message": message_no.get(c["message_id"]) if c["message_id"] else None,
                "reverts": change_no.get(c["reverts_id"]) if c["reverts_id"] else None,
                "best_lap_before": c["best_lap_before"], "best_lap_after": c["best_lap_after"],
                "average_lap_before": c["average_lap_before"],
                "average_lap_after": c["average_lap_after"], "verdict": c["verdict"],
                "created_at": _stamp(c["created_at"]), "decided_at": _stamp(c["decided_at"]),
            } for c in changes_of[pid]],
            "run_results": [{
                "id": result_no[r["id"]], "session": session_no[r["session_id"]],
                "heat_name": r["heat_name"], "racing_class": r["racing_class"],
                "lap_times": list(r["lap_times"] or []), "best_lap": r["best_lap"],
                "average_lap": r["average_lap"], "consistency": r["consistency"],
                "created_at": _stamp(r["created_at"]),
            } for r in results_of[pid]],
        })  # fmt: skip
    return documents


def _stamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # stored without a zone: the install keeps UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _day(value: Any) -> str:
    # SQLite may hand a date column back as text.
    return value.isoformat() if isinstance(value, date) else str(value)[:10]


# --- reading a file ---------------------------------------------------------------------------


def _fail(path: str, message: str) -> NoReturn:
    raise ValidationError({path: message})


def _load(raw: bytes | str, expected: str) -> dict[str, Any]:
    """Parse the file and check its format name and version."""
    size = len(raw.encode("utf-8") if isinstance(raw, str) else raw)
    if size > MAX_FILE_BYTES:
        _fail("file", f"The file is {size / 1024 / 1024:.1f} MB; the limit is "
                      f"{MAX_FILE_BYTES // 1024 // 1024} MB")  # fmt: skip
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            _fail("file", "Not a Pitbox file: it is not text (UTF-8 JSON)")
    assert isinstance(raw, str)
    if not raw.strip():
        _fail("file", "The file is empty")
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as exc:
        # A file starts with { and ends with }: one that stops before its } was cut short.
        if raw.lstrip().startswith("{") and not raw.rstrip().endswith("}"):
            _fail("file", f"The file ends too soon (line {exc.lineno}): it was cut short, "
                          "export it again")  # fmt: skip
        _fail("file", f"Not a Pitbox file: it is not valid JSON (line {exc.lineno}, "
                      f"column {exc.colno}: {exc.msg})")  # fmt: skip
    except RecursionError:
        _fail("file", "Not a Pitbox file: it is nested too deeply")
    if not isinstance(document, dict):
        _fail("file", "Not a Pitbox file: it should be one JSON object")
    name = document.get("format")
    if name != expected:
        if name == BACKUP_FORMAT:
            _fail("format", "This is a backup of a whole install: restore it with "
                            "`python main.py restore FILE`")  # fmt: skip
        if name == RACER_FORMAT:
            _fail("format", "This is one racer's file: import it with `python main.py import FILE`")
        _fail("format", f"Not a Pitbox file: format should be {expected!r}, "
                        f"it is {str(name)[:40]!r}")  # fmt: skip
    version = document.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        _fail("version", "The format version must be a whole number from 1 up")
    if version > VERSION:
        _fail(
            "version",
            f"This file was written by a newer Pitbox (format version {version}); "
            f"this one reads version {VERSION}: update Pitbox, then try again",
        )
    return document


def read_racer_file(raw: bytes | str) -> RacerRecords:
    """Check a racer file completely; ValidationError names the first problem and where."""
    document = _load(raw, RACER_FORMAT)
    _fields(document, "", {"format": True, "version": True, "exported_at": False, **_CONTENT})
    return _read_racer(document, "", install_fields=False)


def read_backup_file(raw: bytes | str) -> list[RacerRecords]:
    """Check a backup file completely: every racer, unique names, one default."""
    document = _load(raw, BACKUP_FORMAT)
    _fields(document, "", {"format": True, "version": True, "exported_at": False,
                           "racers": True})  # fmt: skip
    racers_raw = _list(document["racers"], "racers")
    if not racers_raw:
        _fail("racers", "The backup holds no racers: there is nothing to restore")
    racers: list[RacerRecords] = []
    names: dict[str, int] = {}
    default_at: int | None = None
    for index, item in enumerate(racers_raw):
        path = f"racers[{index}]"
        _fields(_object(item, path), path, _CONTENT)
        records = _read_racer(item, f"{path}.", install_fields=True)
        key = records.name.casefold()
        if key in names:
            _fail(f"{path}.racer.name",
                  f"{records.name} appears twice (also racers[{names[key]}])")  # fmt: skip
        names[key] = index
        if records.racer["is_default"]:
            if default_at is not None:
                message = f"Only one racer can be the default (racers[{default_at}] is too)"
                _fail(f"{path}.racer.is_default", message)
            default_at = index
        racers.append(records)
    if default_at is None:  # a hand-made backup: the one-default rule picks the first
        racers[0].racer["is_default"] = True
    return racers


_CONTENT = {"racer": True, "vehicles": True, "sessions": True, "messages": True,
            "setup_changes": True, "run_results": True}  # fmt: skip


def _object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        _fail(path or "file", "must be a JSON object ({...})")
    return value


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        _fail(path, "must be a list ([...])")
    return value


def _fields(record: dict[str, Any], path: str, spec: Mapping[str, bool]) -> None:
    """Refuse unknown fields (a typo would lose data silently) and missing required ones."""
    for key in record:
        if key not in spec:
            _fail(_join(path, str(key)[:40]), "is not a field Pitbox knows here")
    for key, required in spec.items():
        if required and record.get(key) is None:
            _fail(_join(path, key), "is required")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path and not path.endswith(".") else f"{path}{key}"


def _check(path: str, cleaner: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return cleaner(*args, **kwargs)
    except InvalidValue as exc:
        _fail(path, str(exc))


def _number(path: str, value: Any, label: str, **kwargs: Any) -> Any:
    # In a file a number is a JSON number: "3" is the wrong type, not three.
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        _fail(path, f"{label} must be a number")
    return _check(path, validation.number, value, label, **kwargs)


def _when(path: str, value: Any, label: str) -> datetime | None:
    return None if value is None else _check(path, validation.moment, value, label)


def _file_id(path: str, value: Any) -> int:
    try:
        return validation.record_id(value)
    except NotFoundError:
        _fail(path, "must be a whole number from 1 up")


def _reference(path: str, value: Any, known: Mapping[int, Any], what: str) -> int | None:
    if value is None:
        return None
    key = _file_id(path, value)
    if key not in known:
        _fail(path, f"refers to {what} {key}, which is not in the file")
    return key


def _rows(
    document: dict[str, Any],
    prefix: str,
    kind: str,
    spec: Mapping[str, bool],
    read: Callable[[dict[str, Any], str], _Row],
) -> list[_Row]:
    """Each record of one list, checked by ``read``; ids must be unique within the list."""
    rows: list[_Row] = []
    seen: dict[int, int] = {}
    for index, item in enumerate(_list(document[kind], f"{prefix}{kind}")):
        path = f"{prefix}{kind}[{index}]"
        record = _object(item, path)
        _fields(record, path, {"id": True, **spec})
        key = _file_id(f"{path}.id", record["id"])
        if key in seen:
            _fail(f"{path}.id", f"id {key} is used twice (also by {prefix}{kind}[{seen[key]}])")
        seen[key] = index
        row = read(record, path)
        row.key = key
        rows.append(row)
    return rows


def _read_racer(document: dict[str, Any], prefix: str, *, install_fields: bool) -> RacerRecords:
    racer = _read_profile(_object(document["racer"], f"{prefix}racer"), f"{prefix}racer",
                          install_fields=install_fields)  # fmt: skip
    vehicles = _rows(document, prefix, "vehicles", _VEHICLE, _read_vehicle)
    cars = {row.key: row for row in vehicles}
    sessions = _rows(document, prefix, "sessions", _SESSION,
                     lambda r, p: _read_session(r, p, cars))  # fmt: skip
    by_status: dict[str, int] = {}
    for index, row in enumerate(sessions):
        status = row.values["status"]
        if status in (SessionStatus.ACTIVE, SessionStatus.DRAFT):
            if status in by_status:
                _fail(f"{prefix}sessions[{index}].status",
                      f"A racer has at most one {status} session "
                      f"({prefix}sessions[{by_status[status]}] is {status} too)")  # fmt: skip
            by_status[status] = index
    known_sessions = {row.key: row for row in sessions}
    messages = _rows(document, prefix, "messages", _MESSAGE,
                     lambda r, p: _read_message(r, p, known_sessions))  # fmt: skip
    known_messages = {row.key: row for row in messages}
    changes = _rows(document, prefix, "setup_changes", _CHANGE,
                    lambda r, p: _read_change(r, p, known_sessions, known_messages))  # fmt: skip
    known_changes = {row.key: row for row in changes}
    for index, row in enumerate(changes):
        path = f"{prefix}setup_changes[{index}].reverts"
        target = _reference(path, row.refs["reverts"], known_changes, "setup change")
        if target is not None and target == row.key:
            _fail(path, "a change cannot take back itself")
        if target is not None and known_changes[target].refs["session"] != row.refs["session"]:
            _fail(path, f"refers to setup change {target}, which belongs to another session")
    results = _rows(document, prefix, "run_results", _RESULT,
                    lambda r, p: _read_result(r, p, known_sessions))  # fmt: skip
    return RacerRecords(racer, vehicles, sessions, messages, changes, results)


def _read_profile(record: dict[str, Any], path: str, *, install_fields: bool) -> dict[str, Any]:
    spec = {"name": True, "email": False, "facebook": False, "instagram": False,
            "sponsors": False, "created_at": False}  # fmt: skip
    if install_fields:
        spec |= {"is_default": False, "pin_hash": False}
    _fields(record, path, spec)
    # The profile's own rules (lengths, email, sponsors), as when a racer types them.
    clean = _checked_profile({key: record.get(key) for key in profile_service.EDITABLE_FIELDS},
                             f"{path}.")  # fmt: skip
    clean["created_at"] = _when(f"{path}.created_at", record.get("created_at"), "Created")
    if install_fields:
        is_default = record.get("is_default", False)
        if not isinstance(is_default, bool):
            _fail(f"{path}.is_default", "must be true or false")
        clean["is_default"] = is_default
        clean["pin_hash"] = _check(f"{path}.pin_hash", validation.text, record.get("pin_hash"),
                                   "PIN hash", max_length=PIN_HASH_MAX_LENGTH)  # fmt: skip
    return clean


def _checked_profile(values: dict[str, Any], prefix: str) -> dict[str, Any]:
    try:
        return profile_service.check_profile_fields(values)
    except ValidationError as exc:
        key, message = next(iter(exc.errors.items()))
        _fail(prefix if prefix == "name" else f"{prefix}{key}", message)


_VEHICLE = {"brand": True, "model": True, "nickname": False, "transponder": False,
            "reference_setup": False, "created_at": False}  # fmt: skip


def _read_vehicle(record: dict[str, Any], path: str) -> _Row:
    try:
        # The garage's own rules, as when a racer adds the car.
        clean = garage.check_car(record)
    except ValidationError as exc:
        key, message = next(iter(exc.errors.items()))
        _fail(f"{path}.{key}", message)
    clean["reference_setup"] = _setup(f"{path}.reference_setup", record.get("reference_setup"))
    clean["created_at"] = _when(f"{path}.created_at", record.get("created_at"), "Created")
    return _Row(0, clean)


def _setup(path: str, value: Any) -> dict[str, Any]:
    try:
        return validation.setup_values(value)
    except ValidationError as exc:
        key, message = next(iter(exc.errors.items()))
        _fail(path if key == "setup" else f"{path}.{key}", message)


_SESSION = {"vehicle": True, "name": True, "session_type": True, "session_date": True,
            "track_name": False, "track_context": False, "racing_classes": False,
            "actual_setup": False, "status": True, "practice_rounds": False,
            "qualifying_rounds": False, "summary": False, "rating": False, "ended_at": False,
            "created_at": False}  # fmt: skip


def _read_session(record: dict[str, Any], path: str, cars: Mapping[int, _Row]) -> _Row:
    vehicle = _reference(f"{path}.vehicle", record["vehicle"], cars, "car")
    # The session's own rules for the track context, as on the Event tab.
    checks = validation.Fields()
    context = clean_track_context(checks, record.get("track_context"))
    if checks.errors:
        key, message = next(iter(checks.errors.items()))
        _fail(f"{path}.track_context" + ("" if key == "track_context" else f".{key}"), message)
    values = {
        "name": _check(f"{path}.name", validation.text, record["name"], "Session name",
                       max_length=SESSION_NAME_MAX_LENGTH, required=True),
        "session_type": _check(f"{path}.session_type", validation.choice,
                               record["session_type"], "Session type", words("session_type")),
        "session_date": _check(f"{path}.session_date", _iso_day, record["session_date"]),
        "track_name": _check(f"{path}.track_name", validation.text, record.get("track_name"),
                             "Track name", max_length=TRACK_NAME_MAX_LENGTH),
        "track_context": context,
        "racing_classes": _check(f"{path}.racing_classes", validation.text_list,
                                 record.get("racing_classes"), "Racing classes",
                                 max_items=MAX_CLASSES, max_length=CLASS_MAX_LENGTH,
                                 item_label="Each racing class"),
        "actual_setup": _setup(f"{path}.actual_setup", record.get("actual_setup")),
        "status": _check(f"{path}.status", validation.choice, record["status"], "Status",
                         [s.value for s in SessionStatus]),
        "practice_rounds": _number(f"{path}.practice_rounds", record.get("practice_rounds", 0),
                                   "Practice rounds", minimum=0, maximum=MAX_ROUNDS,
                                   integer=True),
        "qualifying_rounds": _number(f"{path}.qualifying_rounds",
                                     record.get("qualifying_rounds", 0), "Qualifying rounds",
                                     minimum=0, maximum=MAX_ROUNDS, integer=True),
        "summary": _check(f"{path}.summary", validation.text, record.get("summary"), "Summary",
                          max_length=SUMMARY_MAX_LENGTH, multiline=True),
        "rating": _number(f"{path}.rating", record.get("rating"), "Rating", minimum=1,
                          maximum=5, integer=True, required=False),
        "ended_at": _when(f"{path}.ended_at", record.get("ended_at"), "Ended"),
        "created_at": _when(f"{path}.created_at", record.get("created_at"), "Created"),
    }  # fmt: skip
    return _Row(0, values, {"vehicle": vehicle})


def _iso_day(value: Any) -> date:
    if not isinstance(value, str):  # a file holds dates as text: 2026-05-17
        raise InvalidValue("Session date must be a date like 2026-05-17")
    return validation.day(value, "Session date")


_MESSAGE = {"session": True, "role": True, "content": False, "data": False, "created_at": False}


def _read_message(record: dict[str, Any], path: str, sessions: Mapping[int, _Row]) -> _Row:
    session = _reference(f"{path}.session", record["session"], sessions, "session")
    values = {
        "role": _check(f"{path}.role", validation.choice, record["role"], "Role",
                       [r.value for r in MessageRole]),
        "content": _check(f"{path}.content", validation.text, record.get("content"), "Message",
                          max_length=MESSAGE_MAX_LENGTH, multiline=True) or "",
        "data": _check(f"{path}.data", validation.json_data, record.get("data"), "Data"),
        "created_at": _when(f"{path}.created_at", record.get("created_at"), "Sent"),
    }  # fmt: skip
    return _Row(0, values, {"session": session})


_CHANGE = {"session": True, "parameter": True, "old_value": False, "new_value": False,
           "source": True, "reasoning": False, "status": True, "rule_id": False,
           "message": False, "reverts": False, "best_lap_before": False,
           "best_lap_after": False, "average_lap_before": False, "average_lap_after": False,
           "verdict": False, "created_at": False, "decided_at": False}  # fmt: skip


def _read_change(
    record: dict[str, Any], path: str, sessions: Mapping[int, _Row], messages: Mapping[int, _Row]
) -> _Row:
    session = _reference(f"{path}.session", record["session"], sessions, "session")
    message = _reference(f"{path}.message", record.get("message"), messages, "message")
    if message is not None and messages[message].refs["session"] != session:
        _fail(f"{path}.message", f"refers to message {message}, which belongs to another session")
    key = record["parameter"]
    parameter = PARAMETERS_BY_KEY.get(key) if isinstance(key, str) else None
    if parameter is None:
        _fail(f"{path}.parameter", f"{str(key)[:40]!r} is not a setup parameter")
    assert parameter is not None
    values = {
        "parameter": parameter.key,
        "old_value": _check(f"{path}.old_value", _setup_value, parameter, record.get("old_value")),
        "new_value": _check(f"{path}.new_value", _setup_value, parameter, record.get("new_value")),
        "source": _check(f"{path}.source", validation.choice, record["source"], "Source",
                         [s.value for s in ChangeSource]),
        "reasoning": _check(f"{path}.reasoning", validation.text, record.get("reasoning"),
                            "Reasoning", max_length=REASON_MAX_LENGTH, multiline=True) or "",
        "status": _check(f"{path}.status", validation.choice, record["status"], "Status",
                         [s.value for s in ChangeStatus]),
        "rule_id": _check(f"{path}.rule_id", validation.text, record.get("rule_id"), "Rule",
                          max_length=RULE_ID_MAX_LENGTH),
        "verdict": _check(f"{path}.verdict", validation.choice, record.get("verdict"),
                          "Verdict", [v.value for v in Verdict], required=False),
        "created_at": _when(f"{path}.created_at", record.get("created_at"), "Created"),
        "decided_at": _when(f"{path}.decided_at", record.get("decided_at"), "Decided"),
    }  # fmt: skip
    for key in ("best_lap_before", "best_lap_after", "average_lap_before", "average_lap_after"):
        values[key] = _lap(f"{path}.{key}", record.get(key), key.replace("_", " ").capitalize())
    reverts = record.get("reverts")
    if reverts is not None:
        reverts = _file_id(f"{path}.reverts", reverts)  # checked against the list once read
    return _Row(0, values, {"session": session, "message": message, "reverts": reverts})


def _setup_value(parameter: Any, value: Any) -> Any:
    if (
        parameter.is_number
        and value is not None
        and (isinstance(value, bool) or not isinstance(value, int | float))
    ):
        raise InvalidValue(f"{parameter.label} must be a number")
    cleaned = validation.setup_value(parameter, value)
    return round(cleaned, 3) if isinstance(cleaned, float) else cleaned


def _lap(path: str, value: Any, label: str) -> float | None:
    # The scoreboard's own limits: a file cannot bring a lap the scoreboard would refuse.
    limits = {"minimum": LAP_MIN_SECONDS, "maximum": LAP_MAX_SECONDS, "unit": "s"}
    return _number(path, value, label, required=False, **limits)


_RESULT = {"session": True, "heat_name": True, "racing_class": False, "lap_times": False,
           "best_lap": False, "average_lap": False, "consistency": False,
           "created_at": False}  # fmt: skip


def _read_result(record: dict[str, Any], path: str, sessions: Mapping[int, _Row]) -> _Row:
    session = _reference(f"{path}.session", record["session"], sessions, "session")
    laps_raw = _list(record.get("lap_times") or [], f"{path}.lap_times")
    if len(laps_raw) > MAX_LAPS_PER_RUN:
        _fail(f"{path}.lap_times", f"At most {MAX_LAPS_PER_RUN} laps in one run")
    laps = [_lap(f"{path}.lap_times[{i}]", lap, "A lap time") for i, lap in enumerate(laps_raw)]
    if None in laps:
        _fail(f"{path}.lap_times[{laps.index(None)}]", "A lap time is required")
    values = {
        "heat_name": _check(f"{path}.heat_name", validation.text, record["heat_name"], "Heat",
                            max_length=HEAT_NAME_MAX_LENGTH, required=True),
        "racing_class": _check(f"{path}.racing_class", validation.text,
                               record.get("racing_class"), "Class", max_length=CLASS_MAX_LENGTH),
        "lap_times": laps,
        "best_lap": _lap(f"{path}.best_lap", record.get("best_lap"), "Best lap"),
        "average_lap": _lap(f"{path}.average_lap", record.get("average_lap"), "Average lap"),
        "consistency": _number(f"{path}.consistency", record.get("consistency"), "Consistency",
                               minimum=-1000, maximum=100, required=False, unit="%"),
        "created_at": _when(f"{path}.created_at", record.get("created_at"), "Created"),
    }  # fmt: skip
    return _Row(0, values, {"session": session})


# --- writing ----------------------------------------------------------------------------------


async def import_racer(
    records: RacerRecords, *, rename: str | None = None, progress: Progress = _no_progress
) -> RacerReport:
    """Add a checked racer file as a new racer, with new ids, in one transaction.

    A racer of the same name (ignoring capitals) is never merged into: NameTakenError asks for
    another name, given as ``rename``. The racer becomes the default only when it is the first.
    """
    racer = dict(records.racer)
    if rename is not None:
        racer["name"] = _checked_profile({"name": rename}, "name")["name"]
    async with in_transaction():
        profile = await _create_racer(racer, hint="import it under a new name")
        await _write_content(profile.id, records, progress)
    return RacerReport(profile.id, profile.name, records.counts, profile.is_default)


async def _create_racer(racer: dict[str, Any], *, hint: str) -> RacerProfile:
    """The racer through the profile service (its rules for names and the default), then the
    fields only a file brings."""
    editable = {key: racer[key] for key in profile_service.EDITABLE_FIELDS}
    try:
        profile = await profile_service.create_profile(**editable)
    except ValidationError:
        # Every field was checked with the same rules already: what is left is the name clash.
        raise NameTakenError(racer["name"], hint) from None
    extra = {key: racer[key] for key in ("created_at", "pin_hash") if racer.get(key)}
    if extra:
        await RacerProfile.filter(id=profile.id).update(**extra)
    return profile


async def install_is_empty() -> bool:
    """True when restoring would overwrite nothing: no racers, or only the untouched
    "Default Racer" that a first start creates."""
    profiles = await RacerProfile.all().limit(2)
    if not profiles:
        return True
    if len(profiles) > 1:
        return False
    only = profiles[0]
    untouched = only.name == profile_service.DEFAULT_RACER_NAME and not (
        only.email or only.facebook or only.instagram or only.sponsors or only.pin_hash
    )
    return untouched and not await Vehicle.exists(profile_id=only.id)


async def restore_backup(
    racers: list[RacerRecords], *, force: bool = False, progress: Progress = _no_progress
) -> list[RacerReport]:
    """Replace the install's racers with a checked backup's, in one transaction.

    Refuses (RuleError) when the install holds racers unless ``force``; the untouched
    "Default Racer" of a first start does not count. Exactly one racer is default afterwards.
    """
    created: list[tuple[RacerProfile, RacerRecords]] = []
    async with in_transaction():
        if not force and not await install_is_empty():
            names = await RacerProfile.all().order_by("name").values_list("name", flat=True)
            shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            raise RuleError(
                f"This install already has racers ({shown}). A restore replaces all of them: "
                "back them up first, then restore with --force"
            )
        # Foreign keys cascade from the racers down.
        await RacerProfile.all().delete()
        for records in racers:
            profile = await _create_racer(records.racer, hint="the backup names it twice")
            await _write_content(profile.id, records, progress)
            created.append((profile, records))
        default = next(p for p, r in created if r.racer["is_default"])
        await profile_service.set_default_profile(default.id)
    return [RacerReport(p.id, p.name, r.counts, p.id == default.id) for p, r in created]


async def _write_content(profile_id: int, records: RacerRecords, progress: Progress) -> None:
    cars: dict[int, int] = {}
    for row in records.vehicles:
        cars[row.key] = (await Vehicle.create(profile_id=profile_id, **row.values)).id
    progress(len(records.vehicles))
    sessions: dict[int, int] = {}
    for row in _batches(records.sessions, progress):
        created = await RaceSession.create(
            profile_id=profile_id, vehicle_id=cars[row.refs["vehicle"]], **row.values
        )
        sessions[row.key] = created.id
    messages: dict[int, int] = {}
    for row in _batches(records.messages, progress):
        values, text = _split_text(row.values, ("data",))
        created = await Message.create(session_id=sessions[row.refs["session"]], **values)
        messages[row.key] = created.id
        if text:
            await Message.filter(id=created.id).update(**text)
    changes: dict[int, int] = {}
    for row in _batches(records.changes, progress):
        message = row.refs["message"]
        created = await SetupChange.create(
            session_id=sessions[row.refs["session"]],
            message_id=messages[message] if message is not None else None,
            **row.values,
        )
        changes[row.key] = created.id
    # Links between changes once every change has its new id: an undo may come first.
    for row in records.changes:
        if row.refs["reverts"] is not None:
            await SetupChange.filter(id=changes[row.key]).update(
                reverts_id=changes[row.refs["reverts"]]
            )
    # Nothing refers to lap results: they go in batches.
    for start in range(0, len(records.results), 500):
        batch = records.results[start : start + 500]
        await RunResult.bulk_create(
            [RunResult(session_id=sessions[r.refs["session"]], **r.values) for r in batch]
        )
        progress(len(batch))


def _split_text(
    values: dict[str, Any], json_fields: tuple[str, ...]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Values for ``create`` and, apart, JSON fields holding a bare text.

    Tortoise takes a str given to a JSONField as JSON text, and ``create`` cannot store a
    bare JSON string at all; an update given the JSON text ('"x"') can. (Setup values have a
    field of their own that stores text as text.)
    """
    text = {
        key: json.dumps(values[key], ensure_ascii=False)
        for key in json_fields
        if isinstance(values[key], str)
    }
    return {**values, **dict.fromkeys(text)}, text


def _batches(rows: list[_Row], progress: Progress, size: int = 100) -> Iterable[_Row]:
    """The rows, reporting progress every ``size`` of them."""
    for index, row in enumerate(rows, start=1):
        yield row
        if index % size == 0 or index == len(rows):
            progress(size if index % size == 0 else index % size)

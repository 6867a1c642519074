"""Race sessions: prepared as a draft, started, tuned while active, closed with a summary.

A racer has at most one draft (the session being prepared on the Event tab) and at most one
active session; partial unique indexes in the database hold both. Every query is scoped by the
racer's id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from tortoise import timezone
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from models import (
    ChangeStatus,
    RaceSession,
    SessionStatus,
    SetupChange,
    Vehicle,
)
from models.setup_sheet import SetupSheet
from models.vocabularies import words
from services import garage, profile_service, validation
from services.errors import NotFoundError, RuleError, StaleWriteError, ValidationError

TRACK_CONTEXT_FIELDS = {
    "size": "track_size",
    "traction": "track_traction",
    "surface": "track_surface",
    "condition": "track_condition",
}
NAME_MAX_LENGTH = 100
TRACK_NAME_MAX_LENGTH = 100
CLASS_MAX_LENGTH = 60
MAX_CLASSES = 10
MAX_ROUNDS = 20
SUMMARY_MAX_LENGTH = 2000

_RACER_GONE = "That racer no longer exists"
_NOT_FOUND = "That session does not belong to this racer"
_CONDITIONS_STALE = (
    "The conditions were changed on another screen: they have been reloaded, "
    "check them and save again"
)
_ALREADY_ACTIVE = "This racer already has an active session: end it first"


@dataclass(frozen=True)
class ActiveSession:
    """What the racer is in the middle of: enough to warn before a switch or to resume."""

    id: int
    name: str
    vehicle_name: str
    pending_changes: int


@dataclass(frozen=True)
class TrackMemory:
    """A track the racer has raced at, with the conditions of the last visit."""

    name: str
    track_context: dict[str, str]
    last_date: date


def clean_track_context(fields: validation.Fields, track_context: Any) -> dict[str, str]:
    """Size, traction, surface and condition, each from its vocabulary or left out."""
    try:
        raw = validation.mapping(track_context, "Track context")
    except validation.InvalidValue as exc:
        fields.add("track_context", str(exc))
        return {}
    context: dict[str, str] = {}
    for key in raw:
        if key not in TRACK_CONTEXT_FIELDS:
            fields.add(str(key)[:40], "Unknown track condition")
    for key, vocabulary in TRACK_CONTEXT_FIELDS.items():
        value = fields.choice(key, raw.get(key), key.capitalize(), words(vocabulary),
                              required=False)  # fmt: skip
        if value is not None:
            context[key] = value
    return context


def _clean_rounds(fields: validation.Fields, practice: Any, qualifying: Any) -> dict[str, int]:
    rounds = {}
    for key, label, value in (
        ("practice_rounds", "Practice rounds", practice),
        ("qualifying_rounds", "Qualifying rounds", qualifying),
    ):
        number = fields.integer(key, value, label, minimum=0, maximum=MAX_ROUNDS, required=False)
        rounds[key] = number or 0
    return rounds


def _clean_session(values: dict[str, Any], *, complete: bool) -> dict[str, Any]:
    """Check the session form. ``complete``: everything a start needs must be there."""
    fields = validation.Fields()
    clean: dict[str, Any] = {
        "name": fields.text("name", values.get("name"), "Session name",
                            max_length=NAME_MAX_LENGTH, required=True),
        "track_name": fields.text("track_name", values.get("track_name"), "Track",
                                  max_length=TRACK_NAME_MAX_LENGTH),
        "track_context": clean_track_context(fields, values.get("track_context")),
        "racing_classes": fields.text_list(
            "racing_classes", values.get("racing_classes"), "Racing classes",
            max_items=MAX_CLASSES, max_length=CLASS_MAX_LENGTH, item_label="Each class",
        ),
        **_clean_rounds(fields, values.get("practice_rounds"), values.get("qualifying_rounds")),
    }  # fmt: skip
    session_type = values.get("session_type")
    if complete or session_type not in (None, ""):
        clean["session_type"] = fields.choice(
            "session_type", session_type, "Type", words("session_type")
        )
    raw_date = values.get("session_date")
    if complete or raw_date not in (None, ""):
        clean["session_date"] = fields.day("session_date", raw_date, "Date of the session")
    fields.raise_if_any()
    return clean


async def _vehicle_or_error(profile_id: int, vehicle_id: Any) -> Vehicle:
    if vehicle_id in (None, ""):
        raise ValidationError({"vehicle": "Choose a car"})
    try:
        return await garage.get_vehicle(profile_id, vehicle_id)
    except NotFoundError as exc:
        raise ValidationError({"vehicle": str(exc)}) from None


# --- reading ---------------------------------------------------------------------------------


async def get_session(profile_id: int, session_id: int) -> RaceSession:
    """One of the racer's sessions, with its car; NotFoundError for another racer's id."""
    profile_id = validation.record_id(profile_id, _RACER_GONE)
    session_id = validation.record_id(session_id, _NOT_FOUND)
    session = (
        await RaceSession.filter(id=session_id, profile_id=profile_id)
        .select_related("vehicle")
        .first()
    )
    if session is None:
        raise NotFoundError(_NOT_FOUND)
    return session


async def active_session(profile_id: int) -> ActiveSession | None:
    """The racer's active session with its pending-change count, or None."""
    profile_id = validation.record_id(profile_id, _RACER_GONE)
    session = (
        await RaceSession.filter(profile_id=profile_id, status=SessionStatus.ACTIVE)
        .select_related("vehicle")
        .first()
    )
    if session is None:
        return None
    pending = await SetupChange.filter(session_id=session.id, status=ChangeStatus.PENDING).count()
    return ActiveSession(
        id=session.id,
        name=session.name,
        vehicle_name=session.vehicle.display_name,
        pending_changes=pending,
    )


async def draft_session(profile_id: int) -> RaceSession | None:
    """The session the racer is preparing on the Event tab, or None."""
    profile_id = validation.record_id(profile_id, _RACER_GONE)
    return (
        await RaceSession.filter(profile_id=profile_id, status=SessionStatus.DRAFT)
        .select_related("vehicle")
        .first()
    )


async def track_names(profile_id: int) -> list[TrackMemory]:
    """The tracks the racer has been to, most recent first, with the last conditions there."""
    profile_id = validation.record_id(profile_id, _RACER_GONE)
    rows = (
        await RaceSession.filter(profile_id=profile_id, track_name__isnull=False)
        .exclude(status=SessionStatus.DRAFT)
        .order_by("-session_date", "-id")
        .values_list("track_name", "track_context", "session_date")
    )
    seen: dict[str, TrackMemory] = {}
    for name, context, day in rows:
        key = name.casefold()
        if key not in seen:
            seen[key] = TrackMemory(name=name, track_context=dict(context or {}), last_date=day)
    return list(seen.values())


# --- preparing and starting ------------------------------------------------------------------


async def _checked_form(
    profile_id: int, vehicle_id: Any, values: dict[str, Any], *, complete: bool
) -> tuple[Vehicle, dict[str, Any]]:
    """Inside a transaction: hold the racer (their tabs take turns until it ends), then check
    the car and the form together, so every message is shown at once."""
    await profile_service.hold_racer(profile_id)
    errors: dict[str, str] = {}
    vehicle = None
    try:
        vehicle = await _vehicle_or_error(profile_id, vehicle_id)
    except ValidationError as exc:
        errors.update(exc.errors)
    try:
        clean = _clean_session(values, complete=complete)
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    assert vehicle is not None
    return vehicle, clean


async def save_draft_session(profile_id: int, vehicle_id: Any, **values: Any) -> RaceSession:
    """Create or update the racer's draft session from the Event form (autosave).

    Needs a car and a name; the other fields are kept when valid and may still be missing.
    """
    profile_id = validation.record_id(profile_id, _RACER_GONE)
    try:
        async with in_transaction():
            vehicle, clean = await _checked_form(profile_id, vehicle_id, values, complete=False)
            clean.setdefault("session_type", words("session_type")[0])
            clean.setdefault("session_date", timezone.now().date())
            draft = await RaceSession.filter(
                profile_id=profile_id, status=SessionStatus.DRAFT
            ).first()
            if draft is None:
                draft = await RaceSession.create(
                    profile_id=profile_id, vehicle=vehicle, status=SessionStatus.DRAFT,
                    actual_setup=SetupSheet.of(vehicle.reference_setup).to_json(), **clean,
                )  # fmt: skip
            else:
                await RaceSession.filter(id=draft.id).update(
                    vehicle_id=vehicle.id, updated_at=timezone.now(), **clean
                )
    except IntegrityError:
        # The car was deleted a moment ago: say so.
        await _vehicle_or_error(profile_id, vehicle_id)
        raise
    return await get_session(profile_id, draft.id)


async def discard_draft_session(profile_id: int) -> None:
    """Forget the session being prepared (nothing else of the racer is touched)."""
    profile_id = validation.record_id(profile_id, _RACER_GONE)
    await RaceSession.filter(profile_id=profile_id, status=SessionStatus.DRAFT).delete()


async def start_session(
    profile_id: int,
    vehicle_id: Any,
    name: Any,
    session_type: Any,
    session_date: Any,
    track_context: Any = None,
    racing_classes: Any = None,
    practice_rounds: Any = 0,
    qualifying_rounds: Any = 0,
    track_name: Any = None,
) -> RaceSession:
    """Start the racer's active session from the complete form.

    The racer's draft becomes the active session (or a new one is created); its actual setup
    is a copy of the car's reference setup at this moment.
    """
    profile_id = validation.record_id(profile_id, _RACER_GONE)
    values = {
        "name": name, "session_type": session_type, "session_date": session_date,
        "track_context": track_context, "racing_classes": racing_classes,
        "practice_rounds": practice_rounds, "qualifying_rounds": qualifying_rounds,
        "track_name": track_name,
    }  # fmt: skip
    try:
        async with in_transaction():
            # One active session per racer: the racer's tabs take turns from here.
            vehicle, clean = await _checked_form(profile_id, vehicle_id, values, complete=True)
            if await RaceSession.exists(profile_id=profile_id, status=SessionStatus.ACTIVE):
                raise RuleError(_ALREADY_ACTIVE)
            fields = {
                **clean,
                "vehicle_id": vehicle.id,
                "actual_setup": SetupSheet.of(vehicle.reference_setup).to_json(),
                "status": SessionStatus.ACTIVE,
            }
            draft = await RaceSession.filter(
                profile_id=profile_id, status=SessionStatus.DRAFT
            ).first()
            if draft is None:
                session = await RaceSession.create(profile_id=profile_id, **fields)
            else:
                await RaceSession.filter(id=draft.id).update(
                    **fields, version=draft.version + 1, updated_at=timezone.now()
                )
                session = draft
    except IntegrityError:
        # The car was deleted a moment ago, or another path started a session: say which.
        await _vehicle_or_error(profile_id, vehicle_id)
        raise RuleError(_ALREADY_ACTIVE) from None
    return await get_session(profile_id, session.id)


# --- while active ----------------------------------------------------------------------------


async def update_conditions(
    profile_id: int,
    session_id: int,
    *,
    expected_version: int,
    track_context: Any = None,
    practice_rounds: Any = 0,
    qualifying_rounds: Any = 0,
) -> RaceSession:
    """Change the track context and rounds of an active session (conditions change in a day)."""
    session = await get_session(profile_id, session_id)
    if session.status != SessionStatus.ACTIVE:
        raise RuleError("This session has ended: its conditions can no longer be changed")
    fields = validation.Fields()
    context = clean_track_context(fields, track_context)
    rounds = _clean_rounds(fields, practice_rounds, qualifying_rounds)
    fields.raise_if_any()
    expected_version = validation.version(expected_version, _CONDITIONS_STALE)
    updated = await RaceSession.filter(
        id=session.id, version=expected_version, status=SessionStatus.ACTIVE
    ).update(
        track_context=context, **rounds, version=expected_version + 1, updated_at=timezone.now()
    )
    if not updated:
        if not await RaceSession.exists(id=session.id, status=SessionStatus.ACTIVE):
            raise RuleError("This session has ended: its conditions can no longer be changed")
        raise StaleWriteError(_CONDITIONS_STALE)
    return await get_session(profile_id, session.id)


async def close_session(
    profile_id: int, session_id: int, *, summary: Any = None, rating: Any = None
) -> RaceSession:
    """End the active session as completed, with a short summary and a 1-5 rating of the car."""
    session = await get_session(profile_id, session_id)
    if session.status != SessionStatus.ACTIVE:
        raise RuleError("This session is not active")
    fields = validation.Fields()
    text = fields.text("summary", summary, "Summary", max_length=SUMMARY_MAX_LENGTH,
                       multiline=True)  # fmt: skip
    stars = fields.integer("rating", rating, "Rating", minimum=1, maximum=5, required=False)
    fields.raise_if_any()
    now = timezone.now()
    # The version moves too: a form loaded before the close cannot write after it.
    updated = await RaceSession.filter(id=session.id, status=SessionStatus.ACTIVE).update(
        status=SessionStatus.COMPLETED,
        summary=text,
        rating=stars,
        ended_at=now,
        updated_at=now,
        version=F("version") + 1,
    )
    if not updated:
        raise RuleError("This session is not active")
    return await get_session(profile_id, session.id)

"""Race sessions. A racer has at most one active session; every query is scoped by racer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models import (
    ChangeStatus,
    Message,
    RacerProfile,
    RaceSession,
    SessionStatus,
    SetupChange,
    Vehicle,
)
from models.vocabularies import words
from services import garage
from services.errors import NotFoundError, RuleError, ValidationError

TRACK_CONTEXT_FIELDS = {
    "size": "track_size",
    "traction": "track_traction",
    "surface": "track_surface",
    "condition": "track_condition",
}
MAX_ROUNDS = 20


@dataclass(frozen=True)
class ActiveSession:
    """What the racer is in the middle of: enough to warn before a switch or to resume."""

    id: int
    name: str
    vehicle_name: str
    pending_changes: int


def _clean_session(
    name: str, session_type: str, session_date: Any, track_context: dict[str, str],
    racing_classes: list[str], practice_rounds: Any, qualifying_rounds: Any,
) -> dict[str, Any]:  # fmt: skip
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "Give the session a name, e.g. the track and day"
    elif len(name) > 100:
        errors["name"] = "At most 100 characters"
    if session_type not in words("session_type"):
        errors["session_type"] = f"Choose one of: {', '.join(words('session_type'))}"
    try:
        day = session_date if isinstance(session_date, date) else date.fromisoformat(session_date)
    except (TypeError, ValueError):
        errors["session_date"] = "Pick the date of the session"
        day = None
    context: dict[str, str] = {}
    for key, vocabulary in TRACK_CONTEXT_FIELDS.items():
        value = (track_context or {}).get(key)
        if value in (None, ""):
            continue
        if value not in words(vocabulary):
            errors[key] = f"Choose one of: {', '.join(words(vocabulary))}"
        context[key] = value
    classes = [c.strip() for c in racing_classes or [] if c and c.strip()]
    if any(len(c) > 60 for c in classes):
        errors["racing_classes"] = "Each class at most 60 characters"
    rounds: dict[str, int] = {}
    for key, value in (
        ("practice_rounds", practice_rounds),
        ("qualifying_rounds", qualifying_rounds),
    ):
        try:
            number = int(value or 0)
        except (TypeError, ValueError):
            errors[key] = "Enter a whole number"
            continue
        if not 0 <= number <= MAX_ROUNDS:
            errors[key] = f"Between 0 and {MAX_ROUNDS}"
        rounds[key] = number
    if errors:
        raise ValidationError(errors)
    return {"name": name, "session_type": session_type, "session_date": day,
            "track_context": context, "racing_classes": classes, **rounds}  # fmt: skip


async def start_session(
    profile_id: int,
    vehicle_id: int | None,
    name: str,
    session_type: str,
    session_date: Any,
    track_context: dict[str, str] | None = None,
    racing_classes: list[str] | None = None,
    practice_rounds: Any = 0,
    qualifying_rounds: Any = 0,
) -> RaceSession:
    """Start the racer's active session; its actual setup is a copy of the car's reference."""
    errors: dict[str, str] = {}
    vehicle = None
    if not await RacerProfile.exists(id=profile_id):
        raise NotFoundError("That racer no longer exists")
    if vehicle_id is None:
        errors["vehicle"] = "Choose a car"
    else:
        try:
            vehicle = await garage.get_vehicle(profile_id, vehicle_id)
        except NotFoundError as exc:
            errors["vehicle"] = str(exc)
    try:
        clean = _clean_session(
            name, session_type, session_date, track_context or {}, racing_classes or [],
            practice_rounds, qualifying_rounds,
        )  # fmt: skip
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    assert vehicle is not None
    try:
        async with in_transaction():
            if await RaceSession.exists(profile_id=profile_id, status=SessionStatus.ACTIVE):
                raise RuleError("This racer already has an active session: end it first")
            return await RaceSession.create(
                profile_id=profile_id,
                vehicle=vehicle,
                actual_setup=dict(vehicle.reference_setup),
                status=SessionStatus.ACTIVE,
                **clean,
            )
    except IntegrityError:
        # The partial unique index (another tab started one just now), or the racer or car was
        # deleted a moment ago: say which.
        if not await RacerProfile.exists(id=profile_id):
            raise NotFoundError("That racer no longer exists") from None
        if not await Vehicle.exists(id=vehicle.id):
            raise ValidationError({"vehicle": "That car is not in this racer's garage"}) from None
        raise RuleError("This racer already has an active session: end it first") from None


async def get_session(profile_id: int, session_id: int) -> RaceSession:
    """One of the racer's sessions, with its car; NotFoundError for another racer's id."""
    session = (
        await RaceSession.filter(id=session_id, profile_id=profile_id)
        .select_related("vehicle")
        .first()
    )
    if session is None:
        raise NotFoundError("That session does not belong to this racer")
    return session


async def active_session(profile_id: int) -> ActiveSession | None:
    """The racer's active session with its pending-change count, or None."""
    session = (
        await RaceSession.filter(profile_id=profile_id, status=SessionStatus.ACTIVE)
        .select_related("vehicle")
        .first()
    )
    if session is None:
        return None
    pending = await SetupChange.filter(session_id=session.id, status=ChangeStatus.PENDING).count()
    vehicle = session.vehicle
    return ActiveSession(
        id=session.id,
        name=session.name,
        vehicle_name=vehicle.nickname or f"{vehicle.brand} {vehicle.model}",
        pending_changes=pending,
    )


async def end_session(profile_id: int, session_id: int) -> RaceSession:
    """Mark the racer's active session completed."""
    session = await get_session(profile_id, session_id)
    if session.status != SessionStatus.ACTIVE:
        raise RuleError("This session is not active")
    session.status = SessionStatus.COMPLETED
    await session.save(update_fields=["status", "updated_at"])
    return session


async def working_state(profile_id: int, session_id: int) -> dict[str, Any]:
    """What a tab works on for the racer's session: actual setup, track context, pending
    changes and the advisor conversation."""
    session = await get_session(profile_id, session_id)
    pending = await SetupChange.filter(session_id=session.id, status=ChangeStatus.PENDING).values(
        "id", "parameter", "old_value", "new_value", "source", "reasoning"
    )
    messages = (
        await Message.filter(session_id=session.id)
        .order_by("created_at", "id")
        .values("role", "content")
    )
    return {
        "active_session_id": session.id,
        "actual_setup": dict(session.actual_setup),
        "track_context": dict(session.track_context),
        "pending_changes": [dict(p) for p in pending],
        "messages": [dict(m) for m in messages],
    }

"""The digital twin: a session's actual setup, its drift from the car's reference, and the log
of every change to it (proposed, accepted, denied, undone).

Every write to the twin records a ``SetupChange`` with its old and new value, source, reason and
time (and has the scoreboard judge the accepted changes again from the laps), and bumps the
session's version, so a second tab's stale form is refused instead of
silently overwriting (``StaleWriteError``). Every function takes the racer's id first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise import timezone
from tortoise.transactions import in_transaction

from models import (
    ChangeSource,
    ChangeStatus,
    Message,
    RaceSession,
    SessionStatus,
    SetupChange,
    Vehicle,
)
from models.setup_sheet import PARAMETERS, PARAMETERS_BY_KEY, SetupParameter, SetupSheet
from services import results, sessions, validation
from services.errors import NotFoundError, RuleError, StaleWriteError, ValidationError

REASON_MAX_LENGTH = 2000
RULE_ID_MAX_LENGTH = 60
_CHANGE_NOT_FOUND = "That setup change is not in this racer's sessions"
_MESSAGE_NOT_FOUND = "That message is not in this session"
_REFERENCE_STALE = (
    "The car's reference setup was changed on another screen: check the differences again"
)
_STALE = (
    "The setup was changed on another screen: it has been reloaded with that change, "
    "check it and save again"
)


@dataclass(frozen=True)
class Drift:
    """One parameter where the twin differs from the car's reference."""

    parameter: SetupParameter
    reference: Any
    actual: Any


@dataclass(frozen=True)
class Twin:
    """A session's actual setup as the Setup tab shows it."""

    session_id: int
    session_name: str
    status: SessionStatus
    version: int
    vehicle_id: int
    vehicle_name: str
    vehicle_version: int
    actual: SetupSheet
    reference: SetupSheet

    @property
    def drift(self) -> list[Drift]:
        return [Drift(p, ref, act) for p, act, ref in self.actual.differences(self.reference)]

    @property
    def editable(self) -> bool:
        return self.status == SessionStatus.ACTIVE


def _changed(old: Any, new: Any) -> bool:
    # 2 and 2.0 are the same setting; "Green" and "Green" too.
    if isinstance(old, int | float) and isinstance(new, int | float):
        return float(old) != float(new)
    return old != new


async def get_twin(profile_id: int, session_id: int) -> Twin:
    """The session's actual setup beside its car's reference setup."""
    session = await sessions.get_session(profile_id, session_id)
    vehicle: Vehicle = session.vehicle
    return Twin(
        session_id=session.id,
        session_name=session.name,
        status=SessionStatus(session.status),
        version=session.version,
        vehicle_id=vehicle.id,
        vehicle_name=vehicle.display_name,
        vehicle_version=vehicle.version,
        actual=SetupSheet.of(session.actual_setup),
        reference=SetupSheet.of(vehicle.reference_setup),
    )


async def _active_session_for_update(profile_id: int, session_id: int) -> RaceSession:
    session = await sessions.get_session(profile_id, session_id)
    if session.status != SessionStatus.ACTIVE:
        raise RuleError("This session has ended: its setup can no longer be changed")
    return session


async def _write_twin(session: RaceSession, actual: dict[str, Any], expected: int) -> None:
    # Only while the session is still active: a close in another tab wins over a late edit.
    updated = await RaceSession.filter(
        id=session.id, version=expected, status=SessionStatus.ACTIVE
    ).update(actual_setup=actual, version=expected + 1, updated_at=timezone.now())
    if not updated:
        if not await RaceSession.exists(id=session.id, status=SessionStatus.ACTIVE):
            raise RuleError("This session has ended: its setup can no longer be changed")
        raise StaleWriteError(_STALE)
    session.actual_setup, session.version = actual, expected + 1


async def edit_twin(
    profile_id: int,
    session_id: int,
    values: dict[str, Any],
    *,
    expected_version: int,
    source: ChangeSource = ChangeSource.MANUAL,
    reason: str | None = None,
) -> list[SetupChange]:
    """Set some parameters of the twin; each real change is logged as an accepted change.

    ``values`` maps parameter keys to typed values (only the given ones change).
    ``expected_version`` is the twin's version the racer's form was loaded at.
    """
    expected_version = validation.version(expected_version, _STALE)
    clean = validation.setup_values(values, partial=True)
    fields = validation.Fields()
    reasoning = _clean_reason(fields, "reason", reason)
    fields.raise_if_any()
    async with in_transaction():
        session = await _active_session_for_update(profile_id, session_id)
        if session.version != expected_version:
            raise StaleWriteError(_STALE)
        actual = SetupSheet.of(session.actual_setup).to_json()
        now = timezone.now()
        changes = []
        for key, new in clean.items():
            old = actual.get(key)
            if not _changed(old, new):
                continue
            actual[key] = new
            change = await SetupChange.create(
                session_id=session.id, parameter=key, old_value=old, new_value=new,
                source=source, reasoning=reasoning, status=ChangeStatus.ACCEPTED, decided_at=now,
            )  # fmt: skip
            changes.append(change)
        if changes:
            await _write_twin(session, actual, expected_version)
            await results.refresh_outcomes(profile_id, session.id)
    return changes


async def copy_groups_into_twin(
    profile_id: int,
    session_id: int,
    setup: dict[str, Any],
    groups: list[str] | None,
    *,
    expected_version: int,
    reason: str,
) -> list[SetupChange]:
    """Copy the given groups (all when None) of another setup into the twin, as recorded
    changes with source "library" (a setup taken from the racer's own records)."""
    chosen = validation.setup_groups(groups)
    try:
        source = SetupSheet.of(validation.mapping(setup, "The setup"))
    except validation.InvalidValue as exc:
        raise ValidationError({"setup": str(exc)}) from None
    values = {p.key: source[p.key] for p in PARAMETERS if p.group in chosen}
    return await edit_twin(
        profile_id, session_id, values, expected_version=expected_version,
        source=ChangeSource.LIBRARY, reason=reason,
    )  # fmt: skip


def _clean_reason(fields: validation.Fields, key: str, reason: Any) -> str:
    return fields.text(key, reason, "Reason", max_length=REASON_MAX_LENGTH, multiline=True) or ""


async def propose_change(
    profile_id: int,
    session_id: int,
    parameter: str,
    new_value: Any,
    *,
    source: ChangeSource = ChangeSource.ADVISOR,
    reasoning: str = "",
    rule_id: str | None = None,
    message_id: int | None = None,
) -> SetupChange:
    """Add a pending change for the racer to accept or deny.

    Refused when the same parameter already has a pending change, or when the value is what
    the twin already holds.
    """
    if not isinstance(parameter, str) or parameter not in PARAMETERS_BY_KEY:
        raise ValidationError({"parameter": "Unknown setup parameter"})
    value = validation.setup_values({parameter: new_value}, partial=True)[parameter]
    if value is None:
        raise ValidationError({parameter: "A proposed change needs a value"})
    fields = validation.Fields()
    text = _clean_reason(fields, "reasoning", reasoning)
    rule = fields.text("rule_id", rule_id, "Rule", max_length=RULE_ID_MAX_LENGTH)
    fields.raise_if_any()
    if message_id is not None:
        message_id = validation.record_id(message_id, _MESSAGE_NOT_FOUND)
    async with in_transaction():
        session = await _active_session_for_update(profile_id, session_id)
        if message_id is not None and not await Message.exists(
            id=message_id, session_id=session.id
        ):
            raise NotFoundError(_MESSAGE_NOT_FOUND)
        current = SetupSheet.of(session.actual_setup)[parameter]
        if not _changed(current, value):
            raise RuleError(f"{PARAMETERS_BY_KEY[parameter].label} is already {value}")
        if await SetupChange.exists(
            session_id=session.id, parameter=parameter, status=ChangeStatus.PENDING
        ):
            raise RuleError(
                f"A change of {PARAMETERS_BY_KEY[parameter].label} is already waiting for you"
            )
        return await SetupChange.create(
            session_id=session.id, parameter=parameter, old_value=current, new_value=value,
            source=source, reasoning=text, status=ChangeStatus.PENDING, rule_id=rule,
            message_id=message_id,
        )  # fmt: skip


async def _get_change(profile_id: int, change_id: int) -> SetupChange:
    profile_id = validation.record_id(profile_id, "That racer no longer exists")
    change_id = validation.record_id(change_id, _CHANGE_NOT_FOUND)
    change = await SetupChange.get_or_none(id=change_id, session__profile_id=profile_id)
    if change is None:
        raise NotFoundError(_CHANGE_NOT_FOUND)
    return change


async def _decide_pending(profile_id: int, change_id: int) -> tuple[SetupChange, RaceSession]:
    change = await _get_change(profile_id, change_id)
    if change.status != ChangeStatus.PENDING:
        raise RuleError(f"This change was already {change.status.value}")
    session = await _active_session_for_update(profile_id, change.session_id)
    return change, session


async def _mark_decided(change: SetupChange, status: ChangeStatus, **values: Any) -> None:
    # Only a change still pending is decided: of two tabs deciding at once, the second is told.
    now = timezone.now()
    decided = await SetupChange.filter(id=change.id, status=ChangeStatus.PENDING).update(
        status=status, decided_at=now, **values
    )
    if not decided:
        current = await SetupChange.get(id=change.id)
        raise RuleError(f"This change was already {ChangeStatus(current.status).value}")
    change.status, change.decided_at = status, now
    for key, value in values.items():
        setattr(change, key, value)


async def accept_change(profile_id: int, change_id: int) -> SetupChange:
    """Apply a pending change to the twin; its old value becomes what the twin held then."""
    async with in_transaction():
        change, session = await _decide_pending(profile_id, change_id)
        actual = SetupSheet.of(session.actual_setup).to_json()
        old_value = actual.get(change.parameter)
        await _mark_decided(change, ChangeStatus.ACCEPTED, old_value=old_value)
        actual[change.parameter] = change.new_value
        await _write_twin(session, actual, session.version)
        await results.refresh_outcomes(profile_id, session.id)
    return change


async def deny_change(profile_id: int, change_id: int) -> SetupChange:
    """Record that the racer turned a pending change down; the twin stays as it is."""
    async with in_transaction():
        change, _ = await _decide_pending(profile_id, change_id)
        await _mark_decided(change, ChangeStatus.DENIED)
    return change


async def undo_last(profile_id: int, session_id: int) -> SetupChange:
    """Take back the most recent accepted change that is not undone yet, as a change of its own.

    Undoing again walks further back; an undo itself is not undone (change the value instead).
    """
    async with in_transaction():
        session = await _active_session_for_update(profile_id, session_id)
        undone = await SetupChange.filter(
            session_id=session.id, reverts_id__isnull=False
        ).values_list("reverts_id", flat=True)
        target = (
            await SetupChange.filter(
                session_id=session.id, status=ChangeStatus.ACCEPTED, reverts_id=None
            )
            .exclude(id__in=list(undone) or [0])
            .order_by("-decided_at", "-id")
            .first()
        )
        if target is None:
            raise RuleError("There is no change to undo")
        actual = SetupSheet.of(session.actual_setup).to_json()
        label = PARAMETERS_BY_KEY[target.parameter].label
        undo = await SetupChange.create(
            session_id=session.id, parameter=target.parameter,
            old_value=actual.get(target.parameter), new_value=target.old_value,
            source=ChangeSource.MANUAL, reasoning=f"Undo of the change to {label}",
            status=ChangeStatus.ACCEPTED, decided_at=timezone.now(), reverts_id=target.id,
        )  # fmt: skip
        actual[target.parameter] = target.old_value
        await _write_twin(session, actual, session.version)
        await results.refresh_outcomes(profile_id, session.id)
    return undo


async def pending_changes(profile_id: int, session_id: int) -> list[SetupChange]:
    """The session's changes waiting for the racer, oldest first."""
    session = await sessions.get_session(profile_id, session_id)
    return await SetupChange.filter(session_id=session.id, status=ChangeStatus.PENDING).order_by(
        "created_at", "id"
    )


async def change_log(profile_id: int, session_id: int) -> list[SetupChange]:
    """Every change of the session, newest first (pending ones included)."""
    session = await sessions.get_session(profile_id, session_id)
    return await SetupChange.filter(session_id=session.id).order_by("-created_at", "-id")


async def save_twin_as_reference(
    profile_id: int, session_id: int, *, expected_vehicle_version: int
) -> Vehicle:
    """Make the twin the car's new reference setup ("shop master")."""
    expected = validation.version(expected_vehicle_version, _REFERENCE_STALE)
    async with in_transaction():
        session = await sessions.get_session(profile_id, session_id)
        setup = SetupSheet.of(session.actual_setup).to_json()
        updated = await Vehicle.filter(
            id=session.vehicle_id, profile_id=profile_id, version=expected
        ).update(reference_setup=setup, version=expected + 1, updated_at=timezone.now())
        if not updated:
            raise StaleWriteError(_REFERENCE_STALE)
        return await Vehicle.get(id=session.vehicle_id)


@dataclass(frozen=True)
class Rebased:
    """A form's edits replayed on top of what another screen saved meanwhile."""

    values: dict[str, Any]
    # What the other screen changed, as the racer reads it: "Front shock oil 450 cSt → 500 cSt".
    their_changes: list[str]
    # Parameters both screens changed: the form keeps the racer's own value for these.
    conflicts: list[str]


def rebase_edits(base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]) -> Rebased:
    """Keep every value the racer changed in the form (``ours`` against ``base``, the values
    the form was loaded with) and take everything else from ``theirs``, the newer save."""
    merged = SetupSheet.of(theirs).to_json()
    their_changes, conflicts = [], []
    for parameter in PARAMETERS:
        key = parameter.key
        mine_changed = _changed(base.get(key), ours.get(key))
        theirs_changed = _changed(base.get(key), theirs.get(key))
        if theirs_changed:
            their_changes.append(
                f"{parameter.label} ({parameter.group}) "
                f"{parameter.format(base.get(key))} → {parameter.format(theirs.get(key))}"
            )
        if mine_changed:
            merged[key] = ours.get(key)
            if theirs_changed and _changed(ours.get(key), theirs.get(key)):
                conflicts.append(f"{parameter.label} ({parameter.group})")
    return Rebased(values=merged, their_changes=their_changes, conflicts=conflicts)

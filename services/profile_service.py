"""Racer profiles: exactly one default, the first racer is default, safe deletes.

Whenever profiles exist exactly one is default. The database holds "at most one" (a partial
unique index); these functions hold "at least one" inside transactions. On PostgreSQL the
transactions that touch the default also take one advisory lock, so concurrent calls queue
instead of failing on the index; on SQLite Tortoise already runs transactions one at a time.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from tortoise import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.functions import Count, Max
from tortoise.transactions import in_transaction

from models import (
    NAME_MAX_LENGTH,
    FormDraft,
    Message,
    RacerProfile,
    RaceSession,
    RunResult,
    SessionStatus,
    SetupChange,
    Vehicle,
)
from services import validation
from services.errors import NotFoundError, RuleError, ValidationError

DEFAULT_RACER_NAME = "Default Racer"
SOCIAL_MAX_LENGTH = 255
SPONSOR_MAX_LENGTH = 60
SPONSORS_MAX_COUNT = 20
EDITABLE_FIELDS = ("name", "email", "facebook", "instagram", "sponsors")

# Any 64-bit number unique to this purpose: serialises every change to the default profile.
_DEFAULT_PROFILE_LOCK = 0x5049_5442_4F58_0001
_RACER_GONE = "That racer no longer exists"
_NEW_DEFAULT_GONE = "The racer chosen as the new default no longer exists"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class ProfileSummary:
    """A racer as the selector shows it, with quick stats."""

    id: int
    name: str
    email: str | None
    is_default: bool
    vehicle_count: int = 0
    session_count: int = 0
    last_session_date: date | None = None
    active_session_id: int | None = None
    active_session_name: str | None = None
    sponsors: tuple[str, ...] = ()
    locked: bool = False  # the racer set a PIN (services/access.py)

    @property
    def in_session(self) -> bool:
        return self.active_session_id is not None

    @property
    def initials(self) -> str:
        return initials(self.name)


@dataclass(frozen=True)
class DeletionReport:
    """What went with a deleted racer, for the UI to say."""

    name: str
    vehicles: int
    sessions: int
    setup_changes: int
    messages: int
    run_results: int
    drafts: int
    new_default_id: int | None = None

    @property
    def counts(self) -> dict[str, int]:
        """The racer's data by the words the racer uses, drafts left out."""
        return {
            "cars": self.vehicles,
            "sessions": self.sessions,
            "setup changes": self.setup_changes,
            "messages": self.messages,
            "lap results": self.run_results,
        }


def initials(name: str) -> str:
    """Up to two letters for an avatar: "Max Power" -> "MP", "ricky" -> "R"."""
    words = [w for w in re.split(r"[\s\-_.]+", name) if w and w[0].isalnum()]
    if not words:
        return "?"
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return letters.upper()


# --- validation -------------------------------------------------------------------------------


def _clean_fields(values: dict[str, Any]) -> dict[str, Any]:
    """Validate the given profile fields; raise ValidationError naming every bad one."""
    fields = validation.Fields()
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if key == "name":
            clean[key] = fields.text(key, value, "Name", max_length=NAME_MAX_LENGTH, required=True)
        elif key in {"email", "facebook", "instagram"}:
            label = key.capitalize()
            clean[key] = fields.text(key, value, label, max_length=SOCIAL_MAX_LENGTH)
        elif key == "sponsors":
            clean[key] = fields.text_list(
                key, value, "Sponsors", max_items=SPONSORS_MAX_COUNT,
                max_length=SPONSOR_MAX_LENGTH, item_label="Each sponsor",
            )  # fmt: skip
        else:
            fields.add(str(key)[:40], "This field cannot be changed here")
    if clean.get("email") and not _EMAIL.match(clean["email"]):
        fields.add("email", "Enter an email address like name@example.com")
    fields.raise_if_any()
    return clean


async def _ensure_name_free(name: str, except_id: int | None = None) -> None:
    # Few racers per install: compare in Python so that case folding is the same on every
    # database (SQLite's LOWER() only folds ASCII).
    key = name.casefold()
    taken = await RacerProfile.exclude(id=except_id or 0).values_list("name", flat=True)
    if any(unicodedata.normalize("NFC", other).casefold() == key for other in taken):
        raise ValidationError({"name": f"There is already a racer called {name}"})


async def _lock_default(connection: BaseDBAsyncClient) -> None:
    if connection.capabilities.dialect == "postgres":
        await connection.execute_query("SELECT pg_advisory_xact_lock($1)", [_DEFAULT_PROFILE_LOCK])


async def hold_racer(profile_id: int) -> int:
    """Inside a transaction: hold the racer's row until it ends; NotFoundError when gone.

    Two tabs checking one of the racer's rules before writing (one car per brand and model
    ignoring capitals, one draft session) then take turns instead of both passing the check.
    SQLite runs transactions one at a time already.
    """
    profile_id = validation.record_id(profile_id, _RACER_GONE)
    # A model query: exists() and values_list() leave FOR UPDATE out of their SQL.
    held = await RacerProfile.select_for_update(no_key=True).filter(id=profile_id).only("id")
    if not held:
        raise NotFoundError(_RACER_GONE)
    return profile_id


# --- queries ----------------------------------------------------------------------------------


async def get_profile(profile_id: int) -> RacerProfile:
    """The racer with this id; NotFoundError if there is none."""
    profile_id = validation.record_id(profile_id, _RACER_GONE)
    profile = await RacerProfile.get_or_none(id=profile_id)
    if profile is None:
        raise NotFoundError(_RACER_GONE)
    return profile


async def get_default_profile() -> RacerProfile | None:
    """The default racer; None only when there are no racers at all."""
    return await RacerProfile.get_or_none(is_default=True)


async def list_profiles() -> list[ProfileSummary]:
    """Every racer, default first then by name, with quick stats for the selector cards.

    Four queries whatever the number of racers.
    """
    profiles = await RacerProfile.all().values(
        "id", "name", "email", "is_default", "sponsors", "pin_hash"
    )
    vehicles = await (
        Vehicle.annotate(n=Count("id")).group_by("profile_id").values_list("profile_id", "n")
    )
    sessions = await (
        RaceSession.annotate(n=Count("id"), last=Max("session_date"))
        .group_by("profile_id")
        .values_list("profile_id", "n", "last")
    )
    active = await RaceSession.filter(status=SessionStatus.ACTIVE).values_list(
        "profile_id", "id", "name"
    )
    vehicle_counts = dict(vehicles)
    session_stats = {pid: (n, last) for pid, n, last in sessions}
    active_sessions = {pid: (sid, name) for pid, sid, name in active}
    summaries = [
        ProfileSummary(
            id=p["id"],
            name=p["name"],
            email=p["email"],
            is_default=bool(p["is_default"]),
            vehicle_count=vehicle_counts.get(p["id"], 0),
            session_count=session_stats.get(p["id"], (0, None))[0],
            last_session_date=_as_date(session_stats.get(p["id"], (0, None))[1]),
            active_session_id=active_sessions.get(p["id"], (None, None))[0],
            active_session_name=active_sessions.get(p["id"], (None, None))[1],
            sponsors=tuple(p["sponsors"] or ()),
            locked=p["pin_hash"] is not None,
        )
        for p in profiles
    ]
    summaries.sort(key=lambda s: (not s.is_default, s.name.casefold(), s.id))
    return summaries


def _as_date(value: Any) -> date | None:
    # SQLite hands MAX() of a date column back as text.
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


# --- changes ----------------------------------------------------------------------------------


async def set_default_profile(profile_id: int) -> RacerProfile:
    """Make this racer the one default, in one transaction; NotFoundError changes nothing."""
    profile_id = validation.record_id(profile_id, _RACER_GONE)
    async with in_transaction() as connection:
        await _lock_default(connection)
        profile = await RacerProfile.get_or_none(id=profile_id)
        if profile is None:
            raise NotFoundError(_RACER_GONE)
        # Unset first: the partial unique index allows one TRUE row at any moment.
        await RacerProfile.filter(is_default=True).exclude(id=profile_id).update(is_default=False)
        if not profile.is_default:
            await RacerProfile.filter(id=profile_id).update(is_default=True)
            profile.is_default = True
    return profile


async def create_profile(
    name: str,
    email: str | None = None,
    facebook: str | None = None,
    instagram: str | None = None,
    sponsors: Iterable[str] = (),
) -> RacerProfile:
    """Create a racer. The first racer ever created becomes the default."""
    clean = _clean_fields(
        {"name": name, "email": email, "facebook": facebook, "instagram": instagram,
         "sponsors": sponsors}
    )  # fmt: skip
    try:
        async with in_transaction() as connection:
            await _lock_default(connection)
            await _ensure_name_free(clean["name"])
            is_first = not await RacerProfile.exists()
            return await RacerProfile.create(**clean, is_default=is_first)
    except IntegrityError:
        # Another request created the same name (or the first racer) a moment ago.
        raise ValidationError(
            {"name": f"There is already a racer called {clean['name']}"}
        ) from None


async def update_profile(profile_id: int, **fields: Any) -> RacerProfile:
    """Change a racer's name, email, social handles or sponsors."""
    clean = _clean_fields(fields)
    async with in_transaction():
        profile = await get_profile(profile_id)
        if "name" in clean:
            await _ensure_name_free(clean["name"], except_id=profile_id)
        for key, value in clean.items():
            setattr(profile, key, value)
        try:
            await profile.save(update_fields=[*clean, "updated_at"])
        except IntegrityError:
            raise ValidationError(
                {"name": f"There is already a racer called {clean['name']}"}
            ) from None
    return profile


async def delete_profile(profile_id: int, new_default_id: int | None = None) -> DeletionReport:
    """Delete a racer and everything they own; report what went.

    The only racer cannot be deleted. The default racer can be deleted while others exist only
    when ``new_default_id`` names the racer to become default, in the same transaction.
    """
    profile_id = validation.record_id(profile_id, _RACER_GONE)
    if new_default_id is not None:
        new_default_id = validation.record_id(new_default_id, _NEW_DEFAULT_GONE)
    async with in_transaction() as connection:
        await _lock_default(connection)
        profile = await get_profile(profile_id)
        others = await RacerProfile.exclude(id=profile_id).count()
        if others == 0:
            raise RuleError("The only racer cannot be deleted: create another racer first")
        if new_default_id is not None:
            if new_default_id == profile_id:
                raise RuleError("Choose another racer as the new default")
            if not await RacerProfile.exists(id=new_default_id):
                raise NotFoundError(_NEW_DEFAULT_GONE)
        elif profile.is_default:
            raise RuleError(
                f"{profile.name} is the default racer: choose a new default before deleting"
            )
        report = await _owned_counts(profile, new_default_id)
        # Foreign keys cascade from the profile down.
        await RacerProfile.filter(id=profile_id).delete()
        if new_default_id is not None:
            await (
                RacerProfile.filter(is_default=True)
                .exclude(id=new_default_id)
                .update(is_default=False)
            )
            await RacerProfile.filter(id=new_default_id).update(is_default=True)
    return report


async def deletion_preview(profile_id: int) -> DeletionReport:
    """What deleting this racer would remove, for the confirmation dialog."""
    return await _owned_counts(await get_profile(profile_id))


async def _owned_counts(profile: RacerProfile, new_default_id: int | None = None) -> DeletionReport:
    return DeletionReport(
        name=profile.name,
        vehicles=await Vehicle.filter(profile_id=profile.id).count(),
        sessions=await RaceSession.filter(profile_id=profile.id).count(),
        setup_changes=await SetupChange.filter(session__profile_id=profile.id).count(),
        messages=await Message.filter(session__profile_id=profile.id).count(),
        run_results=await RunResult.filter(session__profile_id=profile.id).count(),
        drafts=await FormDraft.filter(profile_id=profile.id).count(),
        new_default_id=new_default_id,
    )


async def get_or_create_default_profile() -> RacerProfile:
    """The default racer, creating "Default Racer" when there are no racers at all.

    Refactored for Phase 4.4 onto the functions above. Safe when two callers race on an empty
    database: both end with the same single default racer.
    """
    if (profile := await get_default_profile()) is not None:
        return profile
    async with in_transaction() as connection:
        await _lock_default(connection)
        if (profile := await get_default_profile()) is not None:
            return profile
        if (oldest := await RacerProfile.all().order_by("created_at", "id").first()) is not None:
            # Racers exist but none is default (e.g. restored by hand): repair, don't add.
            await RacerProfile.filter(id=oldest.id).update(is_default=True)
            oldest.is_default = True
            return oldest
    try:
        return await create_profile(DEFAULT_RACER_NAME)
    except ValidationError:
        # A concurrent caller created it between our check and our insert.
        profile = await get_default_profile()
        if profile is None:
            raise
        return profile


def check_profile_fields(values: dict[str, Any]) -> dict[str, Any]:
    """The given profile fields cleaned by the rules above, without writing (an import checks a
    whole file before it writes anything); ValidationError names every bad field."""
    return _clean_fields(values)

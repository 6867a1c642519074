"""Typed but unsubmitted form input, kept per racer in the database.

Only the forms named in ``FORMS`` keep drafts. A form that edits one record carries the record's
id after a colon (``setup.twin:42``), so two cars' setup sheets never share a draft. A draft is
small: text and numbers the racer typed, never more than ``MAX_DRAFT_BYTES`` as JSON.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tortoise import timezone
from tortoise.exceptions import IntegrityError

from models import FormDraft, RacerProfile
from services import validation
from services.errors import ValidationError

# Form name -> what the racer calls it (the switch warning lists unsaved input by these).
FORMS: dict[str, str] = {
    "garage.add_car": "Add a car",
    "garage.edit_car": "Edit a car",
    "garage.reference": "Reference setup",
    "event.session": "Start a session",
    "event.conditions": "Track conditions",
    "event.close": "End the session",
    "setup.twin": "Setup",
    "advisor.debrief": "Debrief",
    "scoreboard.heat": "Record a heat",
}
MAX_DRAFT_BYTES = 64 * 1024
_FORM_KEY = re.compile(r"^(?P<form>[a-z_]+\.[a-z_]+)(?::(?P<id>[1-9][0-9]{0,9}))?$")
_RACER_GONE = "That racer no longer exists"


def form_key(form: str, record_id: int | None = None) -> str:
    """The draft key of a form, with the record it edits (if any)."""
    return form if record_id is None else f"{form}:{record_id}"


def form_title(key: str) -> str:
    """What the racer calls the form of a draft key."""
    match = _FORM_KEY.match(key)
    return FORMS.get(match["form"], key) if match else key


def has_input(data: dict[str, Any]) -> bool:
    """Whether a draft holds anything typed (empty fields don't count)."""
    return any(v not in (None, "", [], {}) for v in data.values())


def check_form(form: Any) -> str:
    """A known form's draft key; ValidationError for anything else."""
    if (
        not isinstance(form, str)
        or not (match := _FORM_KEY.fullmatch(form))
        or (match["form"] not in FORMS)
    ):
        raise ValidationError({"form": "Unknown form"})
    return form


def check_draft(form: Any, data: Any) -> tuple[str, dict[str, Any]]:
    """A draft that may be kept: a known form, plain text and numbers, not too large."""
    form = check_form(form)
    if not isinstance(data, dict):
        raise ValidationError({"data": "A draft is a set of named values"})
    try:
        size = len(json.dumps(data, allow_nan=False, ensure_ascii=False).encode("utf-8"))
    except (TypeError, ValueError, UnicodeEncodeError, RecursionError):
        raise ValidationError({"data": "A draft holds only text and numbers"}) from None
    if size > MAX_DRAFT_BYTES:
        raise ValidationError({"data": "This draft is too large to keep"})
    if _holds_nul(data):  # PostgreSQL's JSON cannot store it
        raise ValidationError({"data": "A draft holds only text and numbers"})
    return form, data


def _holds_nul(data: Any) -> bool:
    waiting = [data]
    while waiting:
        item = waiting.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            waiting.extend(item.keys())
            waiting.extend(item.values())
        elif isinstance(item, list | tuple):
            waiting.extend(item)
    return False


async def save_draft(profile_id: int, form: str, data: dict[str, Any]) -> None:
    """Keep (or, when ``data`` has nothing typed, forget) the racer's draft of one form.

    Does nothing for a racer that no longer exists: there is nobody to keep it for.
    """
    profile_id = validation.record_id(profile_id, _RACER_GONE)
    form, data = check_draft(form, data)
    if not has_input(data):
        await FormDraft.filter(profile_id=profile_id, form=form).delete()
        return
    # One statement that inserts or replaces: two phones of the racer typing into the same form
    # at once (one of them clearing it) must not make a select-then-insert collide.
    draft = FormDraft(profile_id=profile_id, form=form, data=data, updated_at=timezone.now())
    try:
        await FormDraft.bulk_create(
            [draft], on_conflict=["profile_id", "form"], update_fields=["data", "updated_at"]
        )
    except IntegrityError:
        if await RacerProfile.exists(id=profile_id):
            raise
        # The racer was deleted meanwhile: there is nobody to keep it for.


async def load_drafts(profile_id: int) -> dict[str, dict[str, Any]]:
    """Every draft of the racer, by form key."""
    profile_id = validation.record_id(profile_id, _RACER_GONE)
    rows = await FormDraft.filter(profile_id=profile_id).values_list("form", "data")
    return {form: data for form, data in rows}


async def discard_draft(profile_id: int, form: str) -> None:
    """Forget the racer's draft of one form."""
    profile_id = validation.record_id(profile_id, _RACER_GONE)
    form = check_form(form)
    await FormDraft.filter(profile_id=profile_id, form=form).delete()

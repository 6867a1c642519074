"""Typed but unsubmitted form input, kept per racer in the database."""

from __future__ import annotations

from typing import Any

from models import FormDraft


async def save_draft(profile_id: int, form: str, data: dict[str, Any]) -> None:
    """Keep (or, when ``data`` has nothing typed, forget) the racer's draft of one form."""
    if not any(v not in (None, "", [], {}) for v in data.values()):
        await FormDraft.filter(profile_id=profile_id, form=form).delete()
        return
    await FormDraft.update_or_create(defaults={"data": data}, profile_id=profile_id, form=form)


async def load_drafts(profile_id: int) -> dict[str, dict[str, Any]]:
    """Every draft of the racer, by form name."""
    rows = await FormDraft.filter(profile_id=profile_id).values_list("form", "data")
    return {form: data for form, data in rows}


async def discard_draft(profile_id: int, form: str) -> None:
    await FormDraft.filter(profile_id=profile_id, form=form).delete()

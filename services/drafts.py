"""Typed but unsubmitted form input, kept per racer in the database."""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from models import FormDraft, RacerProfile


async def save_draft(profile_id: int, form: str, data: dict[str, Any]) -> None:
    """Keep (or, when ``data`` has nothing typed, forget) the racer's draft of one form.

    Does nothing for a racer that no longer exists: there is nobody to keep it for.
    """
    if not any(v not in (None, "", [], {}) for v in data.values()):
        await FormDraft.filter(profile_id=profile_id, form=form).delete()
        return
    async with in_transaction():
        if not await RacerProfile.exists(id=profile_id):
            return
        await FormDraft.update_or_create(defaults={"data": data}, profile_id=profile_id, form=form)


async def load_drafts(profile_id: int) -> dict[str, dict[str, Any]]:
    """Every draft of the racer, by form name."""
    rows = await FormDraft.filter(profile_id=profile_id).values_list("form", "data")
    return {form: data for form, data in rows}


async def discard_draft(profile_id: int, form: str) -> None:
    """Forget the racer's draft of one form."""
    await FormDraft.filter(profile_id=profile_id, form=form).delete()

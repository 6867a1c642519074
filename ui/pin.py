"""Asking for a racer's PIN before switching to them, editing or deleting them."""

from __future__ import annotations

from nicegui import ui

from services import access
from services.errors import RuleError, ValidationError
from ui import state
from ui.components import ask, named_dialog


async def unlock(racer_id: int, name: str) -> str | None:
    """The racer's PIN once typed right ("" when they have none); None if the racer cancelled.

    NotFoundError (the racer was deleted meanwhile) goes to the caller.
    """
    if not await access.is_locked(racer_id):
        return ""
    with (
        named_dialog(f"{name}'s PIN") as dialog,
        ui.card().classes("w-full max-w-sm pit-card gap-3").mark("pin-dialog"),
    ):
        with ui.row().classes("items-center gap-2 no-wrap"):
            ui.icon("lock", size="28px").classes("text-slate-700")
            ui.label(f"{name}'s PIN").classes("text-lg font-bold")
        field = (
            ui.input("PIN", password=True)
            .props("outlined inputmode=numeric autocomplete=off autofocus maxlength=8")
            .classes("w-full")
            .mark("pin-input")
        )

        async def check() -> None:
            try:
                await access.check_pin(racer_id, field.value)
            except ValidationError as exc:
                field.value = ""  # before the message: a new value clears it
                field.error = exc.errors.get("pin", str(exc))
                return
            except RuleError as exc:
                field.error = str(exc)
                return
            state.remember_unlocked(racer_id)
            dialog.submit(field.value)

        field.on("keydown.enter", check)
        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Cancel", on_click=dialog.close).props("flat").classes("tap")
            ui.button("Unlock", on_click=check).classes("tap").mark("unlock")
    return await ask(dialog)

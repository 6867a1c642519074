"""The racer selector: a card per racer, made for a thumb first.

Tap a card to switch, the star to make that racer the default; edit, delete, "+ New racer".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nicegui import ui

from services import access, profile_service
from services import workspace as workspaces
from services.errors import NotFoundError, PitboxError, RuleError, ValidationError
from services.profile_service import ProfileSummary
from ui import pin, state
from ui import transfer as transfer_ui
from ui.components import ask, avatar, named_dialog, plural

if TYPE_CHECKING:
    from ui.shell import AppShell


class RacerSelector:
    def __init__(self, shell: AppShell) -> None:
        self.shell = shell
        with (
            named_dialog("Racers") as self.dialog,
            ui.card().classes("w-full max-w-4xl p-0 bg-slate-100 pit-card").mark("racer-selector"),
        ):
            with ui.row().classes("w-full items-center px-4 pt-3 pb-1"):
                ui.label("Racers").classes("text-xl font-bold")
                ui.space()
                ui.button(icon="close", on_click=self.dialog.close).props("flat round").classes(
                    "tap"
                ).mark("close-selector")
            self.cards = ui.element("div").classes(
                "w-full grid grid-cols-1 sm:grid-cols-2 lg:grid-cols-3 gap-3 px-3 pb-4"
            )

    async def open(self) -> None:
        await self.refresh()
        self.dialog.open()

    async def refresh(self) -> None:
        profiles = await profile_service.list_profiles()
        self.cards.clear()
        with self.cards:
            for profile in profiles:
                self._card(profile, only_one=len(profiles) == 1)
            with (
                ui.button(on_click=lambda: self.edit(None))
                .props("outline no-caps")
                .classes("tap pit-card w-full min-h-[96px] text-base bg-white")
                .mark("new-racer")
            ):
                ui.icon("person_add", size="24px").classes("mr-2")
                ui.label("New racer")
            # A racer's file in: ui/transfer.py.
            transfer_ui.import_button(self.shell.root, self.shell.notify, self.refresh)

    def _card(self, profile: ProfileSummary, *, only_one: bool) -> None:
        current = profile.id == self.shell.workspace.racer_id
        border = "border-2 border-orange-700" if current else "border border-slate-300"
        with (
            ui.card()
            .classes(f"racer-card pit-card p-0 gap-0 bg-white {border}")
            .mark(f"racer-card-{profile.id}")
        ):
            with (
                ui.row()
                .classes("w-full items-center gap-3 p-3 cursor-pointer no-wrap")
                .on("click", lambda p=profile: self.choose(p))
                .mark(f"switch-to-{profile.id}")
            ):
                avatar(profile.initials, profile.is_default)
                with ui.column().classes("gap-0 grow min-w-0"):
                    ui.label(profile.name).classes("text-lg font-bold leading-tight break-words")
                    if profile.locked:
                        with ui.row().classes("items-center gap-1").mark(f"locked-{profile.id}"):
                            ui.icon("lock", size="16px").classes("text-slate-700")
                            ui.label("PIN").classes("text-sm text-slate-700")
                    stats = [
                        plural(profile.vehicle_count, "car"),
                        plural(profile.session_count, "session"),
                    ]
                    ui.label(" · ".join(stats)).classes("text-slate-700")
                    last = (
                        f"Last session {profile.last_session_date:%d %b %Y}"
                        if profile.last_session_date
                        else "No sessions yet"
                    )
                    ui.label(last).classes("text-sm text-slate-600")
                    with ui.row().classes("gap-1 mt-1"):
                        if current:
                            ui.badge("This tab", color="secondary").classes("text-xs")
                        if profile.in_session:
                            ui.badge("In session", color="positive").classes("text-xs").mark(
                                f"in-session-{profile.id}"
                            )
            ui.separator()
            with ui.row().classes("w-full items-center gap-1 px-1 py-1 no-wrap"):
                star = (
                    ui.button(
                        icon="star" if profile.is_default else "star_outline",
                        on_click=lambda p=profile: self.make_default(p),
                    )
                    .props(f"flat round color={'amber-9' if profile.is_default else 'grey-8'}")
                    .classes("tap")
                    .mark(f"star-{profile.id}")
                )
                star.tooltip("Default racer" if profile.is_default else "Make default")
                if profile.is_default:
                    ui.label("Default").classes("text-sm text-slate-700")
                ui.space()
                # A racer's file out: ui/transfer.py.
                transfer_ui.export_button(profile.id, profile.name, self.shell.notify)
                ui.button(icon="edit", on_click=lambda p=profile: self.edit(p)).props(
                    "flat round color=grey-9"
                ).classes("tap").mark(f"edit-{profile.id}").tooltip("Edit")
                delete = (
                    ui.button(icon="delete", on_click=lambda p=profile: self.confirm_delete(p))
                    .props("flat round color=red-9")
                    .classes("tap")
                    .mark(f"delete-{profile.id}")
                )
                if only_one:
                    delete.disable()
                    delete.tooltip("The only racer cannot be deleted")
                else:
                    delete.tooltip("Delete")

    # --- switching --------------------------------------------------------------------------

    async def choose(self, profile: ProfileSummary) -> None:
        if profile.id == self.shell.workspace.racer_id:
            self.dialog.close()
            return
        try:
            if await pin.unlock(profile.id, profile.name) is None:
                return
            impact = await workspaces.switch_impact(self.shell.workspace)
            if not impact.needs_warning:
                self.dialog.close()
                await self.shell.switch_to(profile.id, keep_drafts=False)
                return
            await self._warn_before_switch(profile, impact)
        except PitboxError as exc:  # e.g. that racer was deleted in another tab
            self.shell.notify(str(exc), type="warning")
            await self.refresh()

    async def _warn_before_switch(
        self, profile: ProfileSummary, impact: workspaces.SwitchImpact
    ) -> None:
        assert self.shell.racer is not None
        with (
            named_dialog(f"Switch to {profile.name}?") as warning,
            ui.card().classes("w-full max-w-md pit-card").mark("switch-warning"),
        ):
            ui.label(f"Switch to {profile.name}?").classes("text-lg font-bold")
            ui.label(f"This tab stops working on {self.shell.racer.name}'s:").classes(
                "text-slate-700"
            )
            with ui.column().classes("gap-1 pl-2"):
                if impact.session is not None:
                    pending = impact.session.pending_changes
                    waiting = f" ({plural(pending, 'change')} waiting for you)" if pending else ""
                    ui.label(f"• Session “{impact.session.name}”{waiting}").mark(
                        "switch-warning-session"
                    )
                for title in impact.unsaved_titles:
                    ui.label(f"• Unsaved input in “{title}”")
            keep = None
            if impact.unsaved_forms:
                keep = ui.checkbox("Keep the unsaved input as a draft", value=True).mark(
                    "keep-drafts"
                )
            if impact.session is not None:
                ui.label(
                    "The session stays saved. Switch back to resume it where you left off."
                ).classes("text-sm text-slate-600")
            with ui.row().classes("w-full justify-end gap-2 mt-2"):
                ui.button("Cancel", on_click=warning.close).props("flat").classes("tap").mark(
                    "cancel-switch"
                )
                ui.button(
                    f"Switch to {profile.name}", on_click=lambda: warning.submit("switch")
                ).classes("tap").mark("confirm-switch")
        choice = await ask(warning)
        keep_drafts = bool(keep and keep.value)
        if choice == "switch":
            self.dialog.close()
            await self.shell.switch_to(profile.id, keep_drafts=keep_drafts)

    # --- default ----------------------------------------------------------------------------

    async def make_default(self, profile: ProfileSummary) -> None:
        if profile.is_default:
            self.shell.notify(f"{profile.name} is already the default racer")
            return
        try:
            await profile_service.set_default_profile(profile.id)
        except NotFoundError as exc:
            self.shell.notify(str(exc), type="warning")
        else:
            self.shell.notify(f"{profile.name} is now the default racer: new tabs open on them",
                      type="positive")  # fmt: skip
        await self.refresh()
        await self.shell.refresh("racer")

    # --- create and edit --------------------------------------------------------------------

    async def edit(self, profile: ProfileSummary | None) -> None:
        current_pin = ""
        if profile is not None:
            try:
                current_pin = await pin.unlock(profile.id, profile.name)
            except NotFoundError as exc:
                self.shell.notify(str(exc), type="warning")
                await self.refresh()
                return
            if current_pin is None:
                return
        await RacerForm(self, profile, current_pin).open()

    # --- delete -----------------------------------------------------------------------------

    async def confirm_delete(self, profile: ProfileSummary) -> None:
        try:
            if await pin.unlock(profile.id, profile.name) is None:
                return
            preview = await profile_service.deletion_preview(profile.id)
        except NotFoundError as exc:
            self.shell.notify(str(exc), type="warning")
            await self.refresh()
            return
        others = [p for p in await profile_service.list_profiles() if p.id != profile.id]
        with (
            named_dialog(f"Delete {profile.name}?") as confirm,
            ui.card().classes("w-full max-w-md pit-card").mark("delete-dialog"),
        ):
            ui.label(f"Delete {profile.name}?").classes("text-lg font-bold")
            removed = [plural(n, w.rstrip("s")) for w, n in preview.counts.items() if n]
            ui.label(
                "This also deletes " + ", ".join(removed) + "."
                if removed
                else "This racer has no cars or sessions yet."
            ).mark("delete-summary")
            if profile.active_session_name:
                ui.label(f"Their session “{profile.active_session_name}” is in progress.")
            ui.label("This cannot be undone.").classes("text-red-700 font-semibold")
            new_default = None
            if profile.is_default:
                new_default = (
                    ui.select(
                        {p.id: p.name for p in others},
                        value=others[0].id,
                        label="New default racer",
                    )
                    .classes("w-full")
                    .mark("new-default")
                )
            with ui.row().classes("w-full justify-end gap-2 mt-2"):
                ui.button("Cancel", on_click=confirm.close).props("flat").classes("tap")

                ui.button(
                    "Delete", color="negative", on_click=lambda: confirm.submit("delete")
                ).classes("tap").mark("confirm-delete")
        choice = await ask(confirm)
        chosen_default = new_default.value if new_default else None
        if choice != "delete":
            return
        try:
            report = await profile_service.delete_profile(profile.id, chosen_default)
        except (RuleError, NotFoundError) as exc:
            self.shell.notify(str(exc), type="negative")
            await self.refresh()
            return
        self.shell.notify(f"Deleted {report.name}", type="positive")
        await self.refresh()
        if profile.id == self.shell.workspace.racer_id:
            default = await profile_service.get_or_create_default_profile()
            self.dialog.close()
            await self.shell.switch_to(default.id, keep_drafts=False)
        else:
            await self.shell.refresh("racer")


class RacerForm:
    """New racer or edit racer, with each error shown beside its field."""

    def __init__(
        self, selector: RacerSelector, profile: ProfileSummary | None, current_pin: str = ""
    ) -> None:
        self.selector = selector
        self.profile = profile
        self.current_pin = current_pin  # typed right just before: needed to change the PIN
        locked = profile is not None and profile.locked
        with (
            named_dialog("New racer" if profile is None else f"Edit {profile.name}") as self.dialog,
            ui.card().classes("w-full max-w-md pit-card").mark("racer-form"),
        ):
            ui.label("New racer" if profile is None else f"Edit {profile.name}").classes(
                "text-lg font-bold"
            )
            self.inputs = {
                "name": ui.input("Name", value=profile.name if profile else "").mark("racer-name"),
                "email": ui.input(
                    "Email (optional)", value=(profile.email or "") if profile else ""
                )
                .props("type=email")
                .mark("racer-email"),
                "instagram": ui.input("Instagram (optional)").mark("racer-instagram"),
                "facebook": ui.input("Facebook (optional)").mark("racer-facebook"),
                "sponsors": ui.input(
                    "Sponsors (optional, comma separated)",
                    value=", ".join(profile.sponsors) if profile else "",
                ).mark("racer-sponsors"),
            }
            for field in self.inputs.values():
                field.classes("w-full").props("outlined")
            self.new_pin = (
                ui.input("New PIN (empty keeps it)" if locked else "PIN lock (optional)",
                         password=True)
                .props("outlined inputmode=numeric autocomplete=new-password maxlength=8 "
                       'hint="4 to 8 digits, asked before switching to, editing or deleting"')
                .classes("w-full")
                .mark("racer-pin")
            )  # fmt: skip
            self.remove_pin = ui.checkbox("Remove the PIN").mark("remove-pin") if locked else None
            with ui.row().classes("w-full justify-end gap-2 mt-2"):
                ui.button("Cancel", on_click=self.dialog.close).props("flat").classes("tap")
                ui.button("Save", on_click=self.save).classes("tap").mark("save-racer")

    async def open(self) -> None:
        if self.profile is not None:
            try:
                full = await profile_service.get_profile(self.profile.id)
            except NotFoundError as exc:
                self.selector.shell.notify(str(exc), type="warning")
                return
            self.inputs["instagram"].value = full.instagram or ""
            self.inputs["facebook"].value = full.facebook or ""
        saved = await ask(self.dialog)
        if saved:
            await self.selector.refresh()
            await self.selector.shell.refresh("racer")

    async def save(self) -> None:
        values = {key: field.value for key, field in self.inputs.items()}
        values["sponsors"] = [s for s in (values["sponsors"] or "").split(",") if s.strip()]
        for field in self.inputs.values():
            field.error = None
        self.new_pin.error = None
        new_pin = (self.new_pin.value or "").strip()
        try:
            if new_pin:  # checked first, so that a bad PIN saves nothing
                access.clean_pin(new_pin)
        except ValidationError as exc:
            self.new_pin.error = exc.errors.get("new_pin", str(exc))
            return
        try:
            if self.profile is None:
                racer = await profile_service.create_profile(**values)
            else:
                racer = await profile_service.update_profile(self.profile.id, **values)
            if new_pin:
                await access.set_pin(racer.id, new_pin, current_pin=self.current_pin)
                state.remember_unlocked(racer.id)  # this browser was just given the PIN
            elif self.remove_pin is not None and self.remove_pin.value:
                await access.clear_pin(racer.id, current_pin=self.current_pin)
            message = "Saved" if self.profile is not None else f"Added {racer.name}"
            self.selector.shell.notify(message, type="positive")
        except ValidationError as exc:
            for key, message in exc.errors.items():
                self.inputs.get(key, self.inputs["name"]).error = message
            return
        except PitboxError as exc:
            self.selector.shell.notify(str(exc), type="negative")
            return
        self.dialog.submit(True)

"""The racer selector: a card per racer, made for a thumb first.

Tap a card to switch to that racer; that is all a card does. Making a racer the default,
editing, exporting and deleting sit behind "Manage racers", where each card shows them as
labelled buttons, so that a tap meant for choosing never lands on a delete. "New racer" and
"Import a racer" are there in both modes.

The cards are built once the tab has drawn its racer, while the racer looks at the page, and
kept, one per racer; a card is redrawn only when what it shows has changed. A tap on the chip
then only opens the dialog, and the cards are checked against the database right after it
shows (another tab may have added, renamed or deleted racers): one query round and the few
cards that changed, not thirty cards built while the racer waits.
"""

from __future__ import annotations

import asyncio
from html import escape
from typing import TYPE_CHECKING

from nicegui import ui

from services import access, profile_service
from services import workspace as workspaces
from services.errors import NotFoundError, PitboxError, RuleError, ValidationError
from services.profile_service import ProfileSummary
from ui import pin, state
from ui import transfer as transfer_ui
from ui.components import (
    Sheet,
    ask,
    named,
    named_dialog,
    once_at_a_time,
    plural,
    submit_on_enter,
)

if TYPE_CHECKING:
    from ui.shell import AppShell

_ACTIONS = "w-full grid grid-cols-4 gap-1 px-2 pb-2 mt-auto"
_ACTION = "tap w-full min-h-[56px] text-sm leading-tight"
_BUTTON = "outline no-caps stack padding='4px 2px'"

# The cards' own short classes: thirty cards repeat them, and the browser styles them once.
CARD_CSS = """
.rc { display: flex; flex-direction: column; background: white; border: 1px solid #CBD5E1;
      box-shadow: 0 1px 2px rgb(0 0 0 / 0.05);
      /* Only the cards on the screen are laid out and painted when the sheet opens. */
      content-visibility: auto; contain-intrinsic-size: auto 116px; }
.rc.here { border: 2px solid #C2410C; }
.rc-body { display: flex; align-items: center; gap: 12px; padding: 12px; width: 100%;
           text-align: left; font: inherit; color: inherit; background: none; border: 0;
           border-radius: 14px; cursor: pointer; }
.rc-body[aria-disabled=true] { cursor: default; }
.rc-text, .rc-name, .rc-stats, .rc-last { display: block; }
.rc-text { flex-grow: 1; min-width: 0; }
.rc-name { font-size: 1.125rem; font-weight: 700; line-height: 1.25; overflow-wrap: anywhere; }
.rc-stats { color: #334155; }
.rc-last { font-size: 0.875rem; color: #334155; }
.rc-tags { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 4px; }
.rc-tag { font-size: 0.75rem; font-weight: 600; padding: 2px 8px; border-radius: 9999px; }
.rc-tag.default { background: #FFEDD5; color: #7C2D12; }
.rc-tag.here { background: #1E293B; color: white; }
.rc-tag.session { background: #DCFCE7; color: #14532D; }
.rc-tag.pin { background: #E2E8F0; color: #0F172A; }
"""


def _tags(profile: ProfileSummary, *, current: bool) -> list[tuple[str, bool]]:
    """The words on a card under the racer's stats, and whether each is shown."""
    return [
        ("Default", profile.is_default),
        ("This tab", current),
        ("In session", profile.in_session),
        ("PIN lock", profile.locked),
    ]


def _body_html(profile: ProfileSummary, *, current: bool) -> str:
    """What a card shows, as HTML with every piece of the racer's text escaped (spans: the
    body is a button)."""
    stats = f"{plural(profile.vehicle_count, 'car')} · {plural(profile.session_count, 'session')}"
    last = (
        f"Last session {profile.last_session_date:%d %b %Y}"
        if profile.last_session_date
        else "No sessions yet"
    )
    tags = " ".join(
        f'<span class="rc-tag {kind}">{text}</span>'
        for (text, shown), kind in zip(
            _tags(profile, current=current), ("default", "here", "session", "pin"), strict=True
        )
        if shown
    )
    default = " default" if profile.is_default else ""
    return (
        # Named by what it shows (a screen reader hears the card as it reads), after what it does.
        '<span class="sr-only">Switch to </span>'
        f'<span class="avatar{default}" aria-hidden="true">{escape(profile.initials)}</span>'
        '<span class="rc-text">'
        # Spaces between the pieces: what a screen reader says is "Lena 1 car", not "Lena1 car".
        f'<span class="rc-name">{escape(profile.name)}</span> '
        f'<span class="rc-stats">{stats}</span> '
        f'<span class="rc-last">{last}</span>'
        + (f' <span class="rc-tags">{tags}</span>' if tags else "")
        + "</span>"
    )


class RacerCard:
    """One racer's card, kept while the racer exists; redrawn only when what it shows changes.

    The card's body (avatar, name, stats, tags) is the switch, drawn as one element of escaped
    HTML: thirty cards are thirty small updates, not three hundred elements. The row of actions
    exists only in manage mode.
    """

    def __init__(self, selector: RacerSelector, profile: ProfileSummary) -> None:
        self.selector = selector
        self.profile = profile
        self._body_shows: tuple | None = None
        self._actions_shows: tuple | None = None
        self.actions: ui.element | None = None
        with ui.element("div").mark(f"racer-card-{profile.id}") as self.element:
            # A native button: Enter and Space work, and it says what it does.
            self.body = (
                ui.html("", sanitize=False, tag="button")  # the text is escaped in _body_html
                .classes("rc-body")
                .props("type=button")
                .on("click", self._tapped)
            )

    async def _tapped(self) -> None:
        if not self.selector.managing:
            await self.selector.choose(self.profile)

    def show(self, profile: ProfileSummary, *, current: bool, managing: bool, only_one: bool):
        """Bring the card up to date; nothing is sent when nothing it shows changed."""
        self.profile = profile
        body_shows = (profile, current, managing)
        if body_shows != self._body_shows:
            self._body_shows = body_shows
            self._draw_body(profile, current=current, managing=managing)
        actions_shows = (profile, only_one) if managing else None
        if actions_shows != self._actions_shows:
            self._actions_shows = actions_shows
            if self.actions is not None:
                self.actions.delete()
                self.actions = None
            if managing:
                self._draw_actions(profile, only_one=only_one)

    def _draw_body(self, profile: ProfileSummary, *, current: bool, managing: bool) -> None:
        self.element.classes(replace="racer-card rc pit-card" + (" here" if current else ""))
        tags = [
            f"{tag}-{profile.id}"
            for tag, shown in (
                ("default", profile.is_default),
                ("in-session", profile.in_session),
                ("locked", profile.locked),
            )
            if shown
        ]
        self.body.mark(f"switch-to-{profile.id}", *tags)
        if managing:  # the actions below are the buttons now: this one does nothing
            self.body.props('aria-disabled=true tabindex="-1"')
        else:
            self.body.props(remove="aria-disabled tabindex")
        self.body.set_content(_body_html(profile, current=current))

    def _draw_actions(self, profile: ProfileSummary, *, only_one: bool) -> None:
        """Four labelled actions side by side, icon over word: readable without guessing."""
        selector = self.selector
        name = profile.name
        with self.element, ui.element("div").classes(_ACTIONS) as self.actions:
            if profile.is_default:
                with (
                    ui.element("div")
                    .classes(
                        "flex flex-col items-center justify-center min-h-[56px] text-sm "
                        "font-semibold text-slate-900 text-center leading-tight"
                    )
                    .mark(f"is-default-{profile.id}")
                ):
                    ui.icon("star", size="22px").classes("text-amber-700").props(
                        'aria-hidden="true"'
                    )
                    ui.label("Default")
            else:
                star = ui.button(
                    "Make default", icon="star_outline",
                    on_click=lambda p=profile: selector.make_default(p),
                )  # fmt: skip
                named(star, f"Make default: {name}").props(f"{_BUTTON} color=grey-9")
                star.classes(_ACTION).mark(f"star-{profile.id}")
            edit = ui.button("Edit", icon="edit", on_click=lambda p=profile: selector.edit(p))
            named(edit, f"Edit {name}").props(f"{_BUTTON} color=grey-9").classes(_ACTION)
            edit.mark(f"edit-{profile.id}")
            # A racer's file out: ui/transfer.py (its button is named "Export <racer>").
            export = transfer_ui.export_button(profile.id, profile.name, selector.shell.notify)
            export.set_text("Export")
            export.props(remove="flat round").props(_BUTTON).classes(_ACTION)
            delete = (
                ui.button(
                    "Delete", icon="delete",
                    on_click=lambda p=profile: selector.confirm_delete(p),
                )
                .props(f"{_BUTTON} color=red-9")
                .classes(_ACTION)
                .mark(f"delete-{profile.id}")
            )  # fmt: skip
            named(delete, f"Delete {name}")
            if only_one:
                delete.disable()
                ui.label("The only racer cannot be deleted").classes(
                    "col-span-4 text-sm text-slate-700 text-center"
                )


class RacerSelector:
    def __init__(self, shell: AppShell) -> None:
        self.shell = shell
        self.managing = False
        ui.add_css(CARD_CSS)
        self.ready = asyncio.Event()  # set by the shell once the tab knows its racer
        self._cards: dict[int, RacerCard] = {}
        self._profiles: list[ProfileSummary] | None = None  # what the cards show now
        self._built = False

    def _build(self) -> None:
        """The sheet and what it always shows, built after the tab has drawn its racer (not
        with the page, whose first paint it would delay) and kept.

        A sheet, not a dialog: kept while closed, so a tap on the chip only shows it (see
        Sheet). At the layout's level, above the header and the tab bar.
        """
        self._built = True
        with (
            self.shell.root,
            Sheet("Racers") as self.dialog,
            ui.card().classes("w-full max-w-4xl p-0 bg-slate-100 pit-card").mark("racer-selector"),
        ):
            with ui.row().classes("w-full items-center px-4 pt-3 pb-1 gap-2 no-wrap"):
                self.title = ui.label("Racers").classes("text-xl font-bold grow")
                self.manage_button = (
                    ui.button("Manage racers", icon="manage_accounts", on_click=self.toggle_manage)
                    .props("outline no-caps color=grey-9")
                    .classes("tap")
                    .mark("manage-racers")
                )
                close = ui.button(icon="close", on_click=self.dialog.close).props("flat round")
                named(close, "Close").classes("tap").mark("close-selector")
            self.hint = (
                ui.label(
                    "Make a racer the default, edit, export or delete them. Tap Done to go back "
                    "to choosing."
                )
                .classes("px-4 pb-1 text-slate-800")
                .mark("manage-hint")
            )
            self.hint.set_visibility(False)
            with ui.element("div").classes(
                "w-full grid grid-cols-1 sm:grid-cols-2 lg:grid-cols-3 gap-3 px-3 pb-4"
            ) as self.cards:
                with (
                    ui.button(on_click=lambda: self.edit(None))
                    .props("outline no-caps")
                    .classes("tap pit-card w-full min-h-[96px] text-base bg-white")
                    .mark("new-racer") as self.new_button
                ):
                    ui.icon("person_add", size="24px").classes("mr-2")
                    ui.label("New racer")
                # A racer's file in: ui/transfer.py.
                transfer_ui.import_button(self.shell.root, self.shell.notify, self.refresh)

    async def prepare(self) -> None:
        """Build the sheet and its cards ahead of the first tap on the chip (it stays closed)."""
        if self._profiles is None:
            await self.refresh()

    async def open(self) -> None:
        """Open in choose mode at once, then bring the cards up to date."""
        if not self.ready.is_set():  # a tap on the chip sent with the page: wait for the tab
            try:
                async with asyncio.timeout(10):
                    await self.ready.wait()
            except TimeoutError:
                return
        self._set_managing(False)
        if self._profiles is None:  # not prepared yet: built now, from the database
            await self.refresh()
            self.dialog.open()
            return
        self.show(self._profiles)  # out of manage mode, "This tab" on the tab's racer
        self.dialog.open()
        await self.refresh()

    async def toggle_manage(self) -> None:
        self._set_managing(not self.managing)
        await self.refresh()

    def _set_managing(self, managing: bool) -> None:
        if managing == self.managing:
            return
        self.managing = managing
        self.title.set_text("Manage racers" if managing else "Racers")
        self.manage_button.set_text("Done" if managing else "Manage racers")
        self.manage_button.props(f"icon={'check' if managing else 'manage_accounts'}")
        self.hint.set_visibility(managing)

    async def refresh(self) -> None:
        profiles = await profile_service.list_profiles()
        if not self._built:
            self._build()
        self.show(profiles)

    def show(self, profiles: list[ProfileSummary]) -> None:
        """Keep a card per racer in the racers' order; redraw only the cards that changed."""
        self._profiles = profiles
        only_one = len(profiles) == 1
        wanted = {p.id for p in profiles}
        for racer_id in [i for i in self._cards if i not in wanted]:
            self._cards.pop(racer_id).element.delete()
        current = self.shell.workspace.racer_id
        children = self.cards.default_slot.children
        for index, profile in enumerate(profiles):
            card = self._cards.get(profile.id)
            if card is None:
                with self.cards:
                    card = self._cards[profile.id] = RacerCard(self, profile)
            card.show(
                profile, current=profile.id == current, managing=self.managing, only_one=only_one
            )
            if children[index] is not card.element:
                card.element.move(target_index=index)

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
                await self._switch(profile.id, keep_drafts=False)
                return
            await self._warn_before_switch(profile, impact)
        except PitboxError as exc:  # e.g. that racer was deleted in another tab
            self.shell.notify(str(exc), type="warning")
            await self.refresh()

    async def _switch(self, racer_id: int, *, keep_drafts: bool) -> None:
        """Switch, then close: the new racer is painted before the dialog's cards are taken
        off the page (which costs the browser more than drawing the racer)."""
        try:
            await self.shell.switch_to(racer_id, keep_drafts=keep_drafts)
        finally:
            self.dialog.close()
            if self._profiles is not None:  # "This tab" moves to the new racer's card
                self.show(self._profiles)

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
            await self._switch(profile.id, keep_drafts=keep_drafts)

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
            await self._switch(default.id, keep_drafts=False)
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
                submit = ui.button("Save", on_click=once_at_a_time(self.save))
                submit.classes("tap").mark("save-racer")
            # Go on the phone's keyboard saves, from any field: a new racer is often one name.
            submit_on_enter(submit, *self.inputs.values(), self.new_pin)

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

"""Setup tab: the session's digital twin, its drift from the reference, pending changes and the
change log."""

from __future__ import annotations

from typing import Any

from nicegui import ui

from models import ChangeStatus, SetupChange
from services import drafts, results, sessions, setups
from services.errors import PitboxError, StaleWriteError, ValidationError
from ui.components import (
    Keyed,
    KeyedList,
    confirm,
    describe,
    once_at_a_time,
    plural,
    submit_on_enter,
    verdict,
)
from ui.forms import DraftKeeper
from ui.printing import print_sheet
from ui.setup_sheet import SetupSheetEditor, setup_table, show_rebase
from ui.tabs.context import Panel

TWIN_FORM = "setup.twin"
SOURCE_WORDS = {"advisor": "Advisor", "manual": "You", "library": "Copied"}


class SetupPanel(Panel):
    watches = frozenset({"session", "setup", "cars", "laps", "racer"})

    async def badge(self) -> str | None:
        active = await sessions.active_session(self.ctx.racer.id)
        if active is None:
            return None
        twin = await setups.get_twin(self.ctx.racer.id, active.id)
        count = len(twin.drift) + active.pending_changes
        return str(count) if count else None

    async def build(self) -> None:
        racer_id = self.ctx.racer.id
        active = await sessions.active_session(racer_id)
        if active is None:
            self.no_session(
                "tune",
                "The setup you tune lives in a session: start one on the Event tab, from your "
                "car's reference setup.",
                marker="setup-no-session",
            )
            return
        self.twin = await setups.get_twin(racer_id, active.id)
        self.log = await setups.change_log(racer_id, active.id)
        self.summary()
        self._editor()
        self._change_log()

    @ui.refreshable_method
    def summary(self) -> None:
        """The session's twin at a glance: drift, what waits for the racer, the drift table."""
        twin = self.twin
        with ui.card().classes("w-full pit-card gap-1").mark("twin-header"):
            ui.label(twin.session_name).classes("text-lg font-bold break-words")
            ui.label(f"{twin.vehicle_name} · actual setup").classes("text-slate-800")
            drift = twin.drift
            ui.label(
                f"{plural(len(drift), 'parameter')} changed from the reference"
                if drift
                else "Same as the car's reference setup"
            ).classes("font-semibold").mark("drift-count")
            with ui.row().classes("w-full gap-2 mt-1"):
                ui.button("Undo last", icon="undo", on_click=once_at_a_time(self.undo)).props(
                    "outline no-caps"
                ).classes("tap grow").mark("undo-last")
                ui.button("Print", icon="print", on_click=self.print_twin).props(
                    "outline no-caps"
                ).classes("tap").mark("print-twin")
        self._pending([c for c in self.log if c.status == ChangeStatus.PENDING])
        if drift:
            with (
                ui.expansion(
                    f"Drift from the reference ({len(drift)})", icon="compare_arrows", value=True
                )
                .classes("w-full pit-card bg-white")
                .mark("drift")
            ):
                setup_table(
                    twin.actual.to_json(),
                    reference=twin.reference.to_json(),
                    only_differences=True,
                    marker="drift",
                )
                ui.button(
                    "Make this the car's reference",
                    icon="save_as",
                    on_click=once_at_a_time(self.save_as_reference),
                ).props("outline no-caps").classes("tap w-full mt-2").mark("save-as-reference")

    async def changed(self) -> None:
        """The twin or its changes were written from this tab: redraw what they touch here (the
        summary, the editor's values, the log), not the whole tab, and tell the other tabs."""
        try:
            self.twin = await setups.get_twin(self.ctx.racer.id, self.twin.session_id)
            self.log = await setups.change_log(self.ctx.racer.id, self.twin.session_id)
        except PitboxError:  # the session or racer went in another tab meanwhile
            await self.ctx.refresh("setup")
            return
        actual = self.twin.actual.to_json()
        if self.keeper.draft.get("values"):  # unsaved edits stay, on top of the new values
            rebased = setups.rebase_edits(self.base, self.editor.values(), actual)
            self.base = actual
            self.editor.set_values(rebased.values)
            self._typed(self.editor.values())
        else:
            self.base = actual
            self.editor.set_values(actual)
        await self.summary.refresh()
        self._show_log()
        await self.ctx.refresh("setup", source=self)

    # --- pending changes ------------------------------------------------------------------------

    def _pending(self, pending: list[SetupChange]) -> None:
        if not pending:
            return
        ui.label(f"Waiting for you ({len(pending)})").classes("text-lg font-bold px-1 mt-1")
        for change in reversed(pending):  # oldest first, as they were proposed
            with (
                ui.card()
                .classes("w-full pit-card gap-1 border-l-4 border-amber-600")
                .mark(f"pending-{change.id}")
            ):
                ui.label(describe(change)).classes("font-bold text-base break-words")
                ui.label(f"From: {SOURCE_WORDS.get(change.source, change.source)}").classes(
                    "text-sm text-slate-700"
                )
                if change.reasoning:
                    ui.label(change.reasoning).classes("text-slate-800 break-words")
                with ui.row().classes("w-full gap-2 no-wrap"):
                    ui.button(
                        "Deny",
                        icon="close",
                        on_click=once_at_a_time(lambda c=change: self.decide(c, False)),
                    ).props("outline").classes("tap grow").mark(f"deny-{change.id}")
                    ui.button(
                        "Accept",
                        icon="check",
                        on_click=once_at_a_time(lambda c=change: self.decide(c, True)),
                    ).classes("tap grow").mark(f"accept-{change.id}")

    async def decide(self, change: SetupChange, accept: bool) -> None:
        racer_id = self.ctx.racer.id
        try:
            if accept:
                await setups.accept_change(racer_id, change.id)
            else:
                await setups.deny_change(racer_id, change.id)
        except PitboxError as exc:
            self.ctx.notify(str(exc), type="warning")
        else:
            word = "Accepted" if accept else "Denied"
            self.ctx.notify(f"{word}: {describe(change)}", type="positive" if accept else "info")
        await self.changed()

    # --- editing the twin ---------------------------------------------------------------------

    def _editor(self) -> None:
        twin = self.twin
        self.keeper = DraftKeeper(self.ctx, drafts.form_key(TWIN_FORM, twin.session_id))
        actual = twin.actual.to_json()
        self.base, typed = actual, None
        restored_note = None
        if self.keeper.draft.get("values"):
            typed = self.keeper.draft["values"]
            base = self.keeper.draft.get("base") or actual
            if self.keeper.draft.get("version") != twin.version:
                rebased = setups.rebase_edits(base, typed, actual)
                typed = rebased.values
                restored_note = "Your unsaved edits are back, on top of changes made since."
            else:
                restored_note = "Your unsaved edits are back: save them or discard them."
        with (
            ui.expansion("Edit the setup", icon="edit", value=typed is not None)
            .classes("w-full pit-card bg-white")
            .props("header-class='text-base font-semibold'")
            .mark("twin-editor")
        ):
            if restored_note:
                ui.label(restored_note).classes(
                    "text-amber-900 bg-amber-100 rounded p-2 w-full"
                ).mark("twin-restored")
            ui.label("Each saved change is logged with its old and new value.").classes(
                "text-sm text-slate-700"
            )
            self.editor = SetupSheetEditor(
                typed if typed is not None else actual,
                reference=twin.reference.to_json(),
                on_change=self._typed,
                marker="twin",
            )
            self.reason = ui.input("Why (optional)", value=self.keeper.draft.get("reason", ""))
            self.reason.props("outlined").classes("w-full").mark("twin-reason")
            for key, field in self.editor.inputs.items():
                self.keeper.keep_locally(field, key)
            self.keeper.keep_locally(self.reason, "reason")
            self.reason.on_value_change(lambda _e: self._typed(self.editor.values()))
            with ui.row().classes("w-full gap-2 no-wrap sticky-action"):
                ui.button("Discard", on_click=once_at_a_time(self.discard)).props("flat").classes(
                    "tap"
                ).mark("twin-discard")
                submit = ui.button("Save changes", icon="save", on_click=once_at_a_time(self.save))
                submit.classes("tap grow").mark("twin-save")
                submit_on_enter(submit, self.reason)

    def _typed(self, values: dict[str, Any]) -> None:
        self.keeper.keep(
            {
                "values": values,
                "base": self.base,
                "version": self.twin.version,
                "reason": self.reason.value if hasattr(self, "reason") else "",
            }
        )

    async def save(self) -> None:
        if errors := self.editor.errors():
            self.ctx.notify(
                f"{plural(len(errors), 'value')} to fix first (marked in red)", type="negative"
            )
            return
        racer_id = self.keeper.racer_id
        try:
            changes = await setups.edit_twin(
                racer_id,
                self.twin.session_id,
                self.editor.values(),
                expected_version=self.twin.version,
                reason=self.reason.value,
            )
        except ValidationError as exc:
            self.editor.show_errors(exc.errors)
            if "reason" in exc.errors:
                self.reason.error = exc.errors["reason"]
            return
        except StaleWriteError:
            newer = await setups.get_twin(racer_id, self.twin.session_id)
            rebased = setups.rebase_edits(self.base, self.editor.values(), newer.actual.to_json())
            self.twin, self.base = newer, newer.actual.to_json()
            self.editor.set_values(rebased.values)
            show_rebase(self.ctx, rebased)
            return
        except PitboxError as exc:
            self.ctx.notify(str(exc), type="warning")
            await self.ctx.refresh("setup")
            return
        await self.keeper.submitted()
        self.reason.set_value("")
        self.ctx.notify(
            f"Saved {plural(len(changes), 'change')}" if changes else "Nothing changed",
            type="positive" if changes else "info",
        )
        await self.changed()

    async def discard(self) -> None:
        await self.keeper.submitted()
        self.reason.set_value("")
        await self.changed()

    async def undo(self) -> None:
        try:
            change = await setups.undo_last(self.ctx.racer.id, self.twin.session_id)
        except PitboxError as exc:
            self.ctx.notify(str(exc), type="warning")
        else:
            self.ctx.notify(f"Undone: {describe(change)}", type="positive")
        await self.changed()

    async def save_as_reference(self) -> None:
        twin = self.twin
        lines = [f"{twin.vehicle_name}'s reference setup becomes this session's setup:"]
        lines += [
            f"• {d.parameter.label} ({d.parameter.group}): "
            f"{d.parameter.format(d.reference)} → {d.parameter.format(d.actual)}"
            for d in twin.drift
        ]
        with self.dialog():
            sure = await confirm(
                "Make this the car's reference?",
                lines,
                action="Save as reference",
                marker="save-reference",
            )
        if not sure:
            return
        try:
            await setups.save_twin_as_reference(
                self.ctx.racer.id, twin.session_id, expected_vehicle_version=twin.vehicle_version
            )
        except PitboxError as exc:
            self.ctx.notify(str(exc), type="warning")
        else:
            self.ctx.notify(f"{twin.vehicle_name}'s reference setup saved", type="positive")
        await self.ctx.refresh("cars", "setup")

    async def print_twin(self) -> None:
        twin = self.twin
        with self.dialog():
            await print_sheet(
                title=twin.vehicle_name,
                subtitle=f"{twin.session_name} · actual setup",
                values=twin.actual.to_json(),
            )

    # --- the log --------------------------------------------------------------------------------

    def _change_log(self) -> None:
        with (
            ui.expansion(icon="history")
            .classes("w-full pit-card bg-white")
            .mark("change-log") as self.log_expansion
        ):
            self.no_changes = ui.label("No changes yet.").classes("text-slate-700")
            self.log_list = KeyedList().classes("w-full gap-0")
        self._show_log()

    def _show_log(self) -> None:
        """The change log, newest first; only new or re-judged entries are drawn again."""
        decided = [c for c in self.log if c.status != ChangeStatus.PENDING]
        self.log_expansion.text = f"Change log ({len(decided)})"
        self.no_changes.set_visibility(not decided)
        self.log_list.show(
            Keyed(
                change.id,
                (change.status, change.verdict, change.average_lap_after),
                lambda c=change: _log_entry(c),
            )
            for change in decided
        )


def _log_entry(change: SetupChange) -> ui.column:
    with (
        ui.column()
        .classes("w-full gap-0 py-2 border-b border-slate-200")
        .mark(f"log-{change.id}") as entry
    ):
        ui.label(describe(change)).classes("font-semibold break-words")
        when = (change.decided_at or change.created_at).astimezone()
        status = "denied" if change.status == ChangeStatus.DENIED else "applied"
        if change.reverts_id:
            status = "undo"
        ui.label(
            f"{when:%H:%M} · {SOURCE_WORDS.get(change.source, change.source)} · {status}"
        ).classes("text-sm text-slate-700")
        if change.reasoning:
            ui.label(change.reasoning).classes("text-sm text-slate-800 break-words")
        if (outcome := results.outcome_of(change)) is not None:
            verdict(outcome, marker=f"log-verdict-{change.id}")
    return entry

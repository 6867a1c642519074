"""Garage tab: the racer's cars, each with its reference ("shop master") setup."""

from __future__ import annotations

from html import escape

from nicegui import ui

from models import Vehicle
from models.setup_sheet import GROUPS
from services import drafts, garage, setups
from services.errors import NotFoundError, PitboxError, StaleWriteError, ValidationError
from ui.components import (
    FullScreenDialog,
    ask,
    confirm,
    dialog_card,
    empty_state,
    light_button,
    named,
    once_at_a_time,
    plural,
    submit_on_enter,
)
from ui.forms import DraftForm, DraftKeeper
from ui.printing import print_sheet
from ui.setup_sheet import SetupSheetEditor, show_rebase
from ui.tabs.context import Panel

ADD_FORM = "garage.add_car"
EDIT_FORM = "garage.edit_car"
REFERENCE_FORM = "garage.reference"


class GaragePanel(Panel):
    watches = frozenset({"cars", "racer"})

    async def build(self) -> None:
        racer = self.ctx.racer
        cars = await garage.list_vehicles(racer.id)
        ui.label(f"{racer.name}'s garage").classes("text-lg font-bold px-1 break-words").mark(
            "garage-title"
        )
        if not cars:
            empty_state(
                "directions_car",
                "No cars yet",
                "Add your first car below, then set its reference setup and start a session.",
                marker="garage-empty",
            )
        for car in cars:
            self._car_card(car, others=[c for c in cars if c.id != car.id])
        self._add_form(open_=not cars)

    # --- the list ---------------------------------------------------------------------------

    def _car_card(self, car: Vehicle, others: list[Vehicle]) -> None:
        """A car: what it is, its less frequent actions and its reference setup. Four light
        elements (a card's look, escaped HTML, plain buttons), not a dozen components: the
        garage is drawn again at every switch of racer."""
        details = [car.full_name] if car.nickname else []
        if car.transponder:
            details.append(f"Transponder {car.transponder}")
        more_text = (
            f'<span class="block text-slate-700 text-sm">{escape(" · ".join(details))}</span>'
            if details
            else ""
        )
        with (
            ui.element("div")
            .classes("q-card w-full pit-card p-4 grid grid-cols-[1fr_auto] items-center gap-x-3")
            .mark(f"car-{car.id}")
        ):
            ui.html(
                '<span class="flex items-center gap-3 no-wrap">'
                '<i class="q-icon notranslate material-icons text-slate-600 text-[32px]" '
                'aria-hidden="true">directions_car</i><span class="block min-w-0 grow">'
                f'<span class="block font-bold text-base break-words">'
                f"{escape(car.display_name)}</span>{more_text}</span></span>",
                sanitize=False,  # the car's texts are escaped
            ).classes("min-w-0")
            more = light_button(
                None, "more_vert", on_click=lambda c=car: self.car_actions(c, others), look="round"
            )
            named(more, f"More for {car.display_name}").classes("tap").mark(f"car-menu-{car.id}")
            light_button(
                "Reference setup", "tune", on_click=lambda c=car: self.edit_reference(c),
                look="outline",
            ).classes("tap w-full col-span-2 mt-1").mark(f"reference-{car.id}")  # fmt: skip

    def _add_form(self, *, open_: bool) -> None:
        """The "Add a car" form, folded once the racer has a car. Folded, its fields are built
        only when it is unfolded: the garage is drawn again at every switch of racer, and four
        text fields are most of what the phone has to draw. Input typed into it that never
        reached the server (a dropped Wi-Fi) unfolds it by itself when the page opens again
        (``data-draft-form``, ``ui/static/pitbox.js``), and the fields take their copies back."""
        form = DraftForm(self.ctx, ADD_FORM)
        expansion = (
            ui.expansion("Add a car", icon="add", value=open_ or form.has_draft)
            .classes("w-full pit-card bg-white")
            .props(f"header-class='text-base font-semibold' {form.local_copies_prop}")
            .mark("add-car")
        )

        def unfolded() -> None:
            if expansion.value and not form.fields:
                with expansion:
                    self._add_fields(form)

        expansion.on_value_change(unfolded)
        unfolded()

    def _add_fields(self, form: DraftForm) -> None:
        car_fields(form)

        async def add() -> None:
            form.clear_errors()
            try:
                car = await garage.add_vehicle(form.keeper.racer_id, **form.values())
            except ValidationError as exc:
                form.show_errors(exc.errors)
                return
            except NotFoundError:  # the racer was deleted in another tab
                await self.ctx.refresh("racer")
                return
            await form.submitted()
            self.ctx.notify(f"Added {car.full_name}", type="positive")
            await self.ctx.refresh("cars")

        submit = ui.button("Add car", icon="add", on_click=once_at_a_time(add))
        submit.classes("tap w-full mt-2").mark("add-car-submit")
        submit_on_enter(submit, *form.fields.values())

    def car_actions(self, car: Vehicle, others: list[Vehicle]) -> None:
        """A car's less frequent actions as a sheet of big buttons, built only when asked for:
        five cars do not carry five menus on every drawing of the garage."""
        with self.dialog():
            dialog, card = dialog_card(car.display_name, marker=f"car-actions-{car.id}")
        actions = [
            ("edit", "Edit name and transponder", "edit-car", lambda: self.edit_car(car)),
            ("content_copy", "Copy setup from another car", "copy-car",
             lambda: self.copy_setup(car, others)),
            ("print", "Print setup sheet", "print-car", lambda: self.print_car(car)),
            ("delete", "Delete car", "delete-car", lambda: self.delete_car(car)),
        ]  # fmt: skip
        with card:
            for icon, label, marker, action in actions:
                if marker == "copy-car" and not others:
                    continue

                async def chosen(action=action) -> None:
                    dialog.close()
                    await action()

                colour = "red-9" if icon == "delete" else "grey-10"
                button = ui.button(label, icon=icon, on_click=chosen)
                button.props(f"flat no-caps align=left color={colour}").classes(
                    "tap w-full text-base"
                )
                button.mark(f"{marker}-{car.id}")
            ui.button("Cancel", on_click=dialog.close).props("flat").classes("tap w-full")
        dialog.on("hide", dialog.delete)
        dialog.open()

    # --- edit and delete --------------------------------------------------------------------

    async def edit_car(self, car: Vehicle) -> None:
        with self.dialog():
            dialog, card = dialog_card(f"Edit {car.display_name}", marker="edit-car")
        form = DraftForm(self.ctx, drafts.form_key(EDIT_FORM, car.id))
        with card:
            car_fields(form, car)

            async def save() -> None:
                form.clear_errors()
                try:
                    await garage.update_vehicle(form.keeper.racer_id, car.id, **form.values())
                except ValidationError as exc:
                    form.show_errors(exc.errors)
                    return
                except NotFoundError as exc:
                    self.ctx.notify(str(exc), type="warning")
                    dialog.submit(False)
                    return
                await form.submitted()
                dialog.submit(True)

            with ui.row().classes("w-full justify-end gap-2 mt-2"):
                ui.button("Cancel", on_click=dialog.close).props("flat").classes("tap")
                submit = ui.button("Save", on_click=once_at_a_time(save))
                submit.classes("tap").mark("save-car")
                submit_on_enter(submit, *form.fields.values())
        if await ask(dialog):
            self.ctx.notify("Car saved", type="positive")
            await self.ctx.refresh("cars")

    async def delete_car(self, car: Vehicle) -> None:
        try:
            preview = await garage.deletion_preview(self.ctx.racer.id, car.id)
        except NotFoundError as exc:
            self.ctx.notify(str(exc), type="warning")
            await self.ctx.refresh("cars")
            return
        taken = [plural(n, w.rstrip("s")) for w, n in preview.counts.items() if n]
        lines = [
            f"This also deletes {', '.join(taken)}." if taken else "It has no sessions yet.",
            "This cannot be undone.",
        ]
        with self.dialog():
            sure = await confirm(
                f"Delete {preview.name}?",
                lines,
                action="Delete car",
                danger=True,
                marker="delete-car",
            )
        if not sure:
            return
        try:
            await garage.delete_vehicle(self.ctx.racer.id, car.id)
        except NotFoundError as exc:
            self.ctx.notify(str(exc), type="warning")
        else:
            self.ctx.notify(f"Deleted {preview.name}", type="positive")
        await self.ctx.refresh("cars", "session", "setup")

    # --- the reference setup ------------------------------------------------------------------

    async def edit_reference(self, car: Vehicle) -> None:
        await ReferenceEditor(self, car).open()

    async def copy_setup(self, car: Vehicle, others: list[Vehicle]) -> None:
        with self.dialog():
            dialog, card = dialog_card(f"Copy a setup into {car.display_name}", marker="copy-setup")
        with card:
            source = (
                ui.select({c.id: c.display_name for c in others}, value=others[0].id, label="From")
                .props("outlined")
                .classes("w-full")
                .mark("copy-from")
            )
            ui.label("Groups to copy").classes("font-semibold mt-1")
            boxes = {
                g: ui.checkbox(g, value=True).classes("tap").mark(f"copy-group-{g}") for g in GROUPS
            }
            ui.label("The other groups of this car's reference setup stay as they are.").classes(
                "text-sm text-slate-700"
            )
            with ui.row().classes("w-full justify-end gap-2 mt-2"):
                ui.button("Cancel", on_click=dialog.close).props("flat").classes("tap")
                ui.button("Copy", on_click=lambda: dialog.submit(True)).classes("tap").mark(
                    "copy-ok"
                )
        if not await ask(dialog):
            return
        groups = [g for g, box in boxes.items() if box.value]
        try:
            await garage.copy_reference_setup(
                self.ctx.racer.id, car.id, source.value, groups, expected_version=car.version
            )
        except ValidationError as exc:
            self.ctx.notify(" ".join(exc.errors.values()), type="negative")
            return
        except (StaleWriteError, NotFoundError) as exc:
            self.ctx.notify(str(exc), type="warning")
        else:
            self.ctx.notify(f"Copied {', '.join(groups)} into {car.display_name}", type="positive")
        await self.ctx.refresh("cars")

    async def print_car(self, car: Vehicle) -> None:
        with self.dialog():
            await print_sheet(
                title=car.display_name,
                subtitle=f"{car.full_name} · reference setup"
                + (f" · transponder {car.transponder}" if car.transponder else ""),
                values=car.reference_setup or {},
            )


def car_fields(form: DraftForm, car: Vehicle | None = None) -> None:
    """Brand, model, nickname and transponder, kept as a draft while typed."""
    form.add("brand", ui.input, "Brand", default=car.brand if car else "").props("autocomplete=off")
    form.add("model", ui.input, "Model", default=car.model if car else "").props("autocomplete=off")
    form.add(
        "nickname", ui.input, "Nickname (optional)", default=(car.nickname or "") if car else ""
    )
    form.add(
        "transponder",
        ui.input,
        "Transponder (optional)",
        default=(car.transponder or "") if car else "",
    ).props("inputmode=numeric")


class ReferenceEditor:
    """The car's reference setup in a full-screen dialog, kept as a draft while typed."""

    def __init__(self, panel: GaragePanel, car: Vehicle) -> None:
        self.panel = panel
        self.ctx = panel.ctx
        self.car = car
        self.keeper = DraftKeeper(self.ctx, drafts.form_key(REFERENCE_FORM, car.id))

    async def open(self) -> None:
        saved = dict(self.car.reference_setup or {})
        self.base = saved
        typed = self.keeper.draft.get("values") if self.keeper.draft else None
        with self.panel.dialog():
            dialog = FullScreenDialog(
                self.car.display_name, subtitle="Reference setup", marker="reference-editor",
                close_label="Close, keeping what you typed for later",
            )  # fmt: skip
        with dialog.body:
            if typed is not None:
                ui.label(
                    "Unsaved changes from before are back. Save them or discard them."
                ).classes("text-amber-900 bg-amber-100 rounded p-2 w-full").mark(
                    "reference-restored"
                )
            self.editor = SetupSheetEditor(
                typed if typed is not None else saved,
                on_change=lambda values: self.keeper.keep({"values": values}),
                marker="reference",
            )
            for key, field in self.editor.inputs.items():
                self.keeper.keep_locally(field, key)
        with dialog.footer():
            ui.button("Discard", on_click=lambda: dialog.submit("discard")).props("flat").classes(
                "tap"
            ).mark("reference-discard")
            ui.button(
                "Save setup", icon="save", on_click=once_at_a_time(lambda: self.save(dialog))
            ).classes("tap grow").mark("reference-save")
        result = await ask(dialog)
        if result == "discard":
            await self.keeper.submitted()
        elif result == "saved":
            self.ctx.notify("Reference setup saved", type="positive")
            await self.ctx.refresh("cars")

    async def save(self, dialog: ui.dialog) -> None:
        if errors := self.editor.errors():
            self.ctx.notify(
                f"{plural(len(errors), 'value')} to fix before saving (marked in red)",
                type="negative",
            )
            return
        try:
            self.car = await garage.save_reference_setup(
                self.keeper.racer_id,
                self.car.id,
                self.editor.values(),
                expected_version=self.car.version,
            )
        except ValidationError as exc:
            self.editor.show_errors(exc.errors)
            return
        except StaleWriteError:
            # Another screen saved first: reload theirs with the racer's own edits on top.
            newer = await garage.get_vehicle(self.keeper.racer_id, self.car.id)
            rebased = setups.rebase_edits(
                self.base, self.editor.values(), newer.reference_setup or {}
            )
            self.car, self.base = newer, dict(newer.reference_setup or {})
            self.editor.set_values(rebased.values)
            show_rebase(self.ctx, rebased)
            return
        except PitboxError as exc:
            self.ctx.notify(str(exc), type="warning")
            dialog.submit(None)
            return
        await self.keeper.submitted()
        dialog.submit("saved")

"""Garage tab: the racer's cars."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nicegui import ui

from services import garage
from services.errors import NotFoundError, ValidationError
from ui.dialogs import once_at_a_time
from ui.forms import DraftForm

if TYPE_CHECKING:
    from ui.shell import AppShell

FORM = "garage.add_car"


class GaragePanel:
    def __init__(self, shell: AppShell) -> None:
        self.shell = shell

    async def build(self) -> None:
        assert self.shell.racer is not None
        cars = await garage.list_vehicles(self.shell.racer.id)
        ui.label(f"{self.shell.racer.name}'s garage").classes("text-lg font-bold px-1")
        if not cars:
            with ui.card().classes("w-full pit-card text-slate-700").mark("garage-empty"):
                ui.label("No cars yet. Add your first car below to start a session with it.")
        for car in cars:
            with ui.card().classes("w-full pit-card").mark(f"car-{car.id}"):
                with ui.row().classes("items-center gap-3 no-wrap w-full"):
                    ui.icon("directions_car", size="32px").classes("text-slate-600")
                    with ui.column().classes("gap-0 min-w-0"):
                        ui.label(car.nickname or f"{car.brand} {car.model}").classes(
                            "font-bold text-base truncate"
                        )
                        details = [f"{car.brand} {car.model}"] if car.nickname else []
                        if car.transponder:
                            details.append(f"Transponder {car.transponder}")
                        if details:
                            ui.label(" · ".join(details)).classes("text-slate-600 text-sm")
        with (
            ui.expansion(
                "Add a car", icon="add", value=not cars or FORM in self.shell.workspace.form_drafts
            )
            .classes("w-full pit-card bg-white")
            .mark("add-car")
        ):
            form = DraftForm(self.shell, FORM)
            form.add("brand", ui.input, "Brand", default="")
            form.add("model", ui.input, "Model", default="")
            form.add("nickname", ui.input, "Nickname (optional)", default="")
            form.add("transponder", ui.input, "Transponder (optional)", default="")

            async def add() -> None:
                assert self.shell.racer is not None
                form.clear_errors()
                try:
                    car = await garage.add_vehicle(self.shell.racer.id, **form.values())
                except ValidationError as exc:
                    form.show_errors(exc.errors)
                    return
                except NotFoundError:
                    # The racer was deleted in another tab: fall back to the default racer.
                    await self.shell.render()
                    return
                await form.submitted()
                self.shell.notify(f"Added {car.brand} {car.model}", type="positive")
                await self.shell.render()

            ui.button("Add car", icon="add", on_click=once_at_a_time(add)).classes(
                "tap w-full mt-2"
            ).mark("add-car-submit")

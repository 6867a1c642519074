"""Event tab: start a session, or see the one in progress."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from nicegui import ui

from models.vocabularies import words
from services import garage, sessions
from services import workspace as workspaces
from services.errors import NotFoundError, PitboxError, ValidationError
from services.workspace import Workspace
from ui.dialogs import ask, once_at_a_time
from ui.forms import DraftForm

if TYPE_CHECKING:
    from ui.shell import AppShell

FORM = "event.start_session"


class EventPanel:
    def __init__(self, shell: AppShell) -> None:
        self.shell = shell

    async def build(self) -> None:
        racer = self.shell.racer
        assert racer is not None
        workspace = self.shell.workspace
        if workspace.active_session_id is not None:
            try:
                session = await sessions.get_session(racer.id, workspace.active_session_id)
            except PitboxError:
                session = None
            if session is not None and session.status == "active":
                await self._active(session)
                return
            workspace.active_session_id = None
            self.shell.save()
        if self.shell.active is not None:
            with ui.card().classes("w-full pit-card text-slate-700"):
                ui.label("A session is in progress: resume it above to carry on.")
            return
        await self._start_form()

    async def _active(self, session) -> None:
        car = session.vehicle.nickname or f"{session.vehicle.brand} {session.vehicle.model}"
        with (
            ui.card().classes("w-full pit-card border-l-4 border-green-700").mark("active-session")
        ):
            ui.badge("Active session", color="positive")
            ui.label(session.name).classes("text-xl font-bold").mark("active-session-name")
            ui.label(f"{session.session_type} · {session.session_date:%d %b %Y} · {car}").classes(
                "text-slate-700"
            )
            context = " · ".join(str(v) for v in session.track_context.values())
            if context:
                ui.label(f"Track: {context}").classes("text-slate-700")
            if session.racing_classes:
                ui.label("Classes: " + ", ".join(session.racing_classes)).classes("text-slate-700")

            async def end() -> None:
                assert self.shell.racer is not None
                with (
                    self.shell.root,
                    ui.dialog() as confirm,
                    ui.card().classes("w-full max-w-md pit-card"),
                ):
                    ui.label(f"End “{session.name}”?").classes("text-lg font-bold")
                    ui.label("It is saved to History and can't be restarted.").classes(
                        "text-slate-700"
                    )
                    with ui.row().classes("w-full justify-end gap-2 mt-2"):
                        ui.button("Keep racing", on_click=confirm.close).props("flat").classes(
                            "tap"
                        )
                        ui.button("End session", on_click=lambda: confirm.submit(True)).classes(
                            "tap"
                        ).mark("confirm-end-session")
                if not await ask(confirm):
                    return
                try:
                    await sessions.end_session(self.shell.racer.id, session.id)
                except PitboxError as exc:  # already ended in another tab
                    self.shell.notify(str(exc), type="warning")
                else:
                    self.shell.notify("Session ended and saved", type="positive")
                self.shell.workspace = Workspace(
                    racer_id=self.shell.racer.id, form_drafts=self.shell.workspace.form_drafts
                )
                self.shell.save()
                await self.shell.render()

            ui.button("End session", icon="stop", on_click=once_at_a_time(end)).props(
                "outline"
            ).classes("tap w-full mt-2").mark("end-session")

    async def _start_form(self) -> None:
        racer = self.shell.racer
        assert racer is not None
        cars = await garage.list_vehicles(racer.id)
        with ui.card().classes("w-full pit-card gap-2").mark("start-session-form"):
            ui.label("Start a session").classes("text-lg font-bold")
            if not cars:
                ui.label("Add a car in the Garage first.").classes("text-slate-700")
                ui.button(
                    "Go to Garage", on_click=lambda: self.shell.tabs.set_value("garage")
                ).props("outline").classes("tap")
                return
            form = DraftForm(self.shell, FORM)
            car_options = {c.id: c.nickname or f"{c.brand} {c.model}" for c in cars}
            form.add(
                "vehicle_id",
                ui.select,
                car_options,
                label="Car",
                default=cars[0].id if len(cars) == 1 else None,
            )
            form.add("name", ui.input, "Session name", default="").props(
                'placeholder="e.g. Club race, Sunday"'
            )
            form.add(
                "session_type",
                ui.select,
                list(words("session_type")),
                label="Type",
                default="Practice",
            )
            form.add("session_date", ui.input, "Date", default=date.today().isoformat()).props(
                "type=date"
            )
            ui.label("Track").classes("font-semibold mt-2")
            with ui.element("div").classes("grid grid-cols-2 gap-2 w-full"):
                for key, vocabulary in sessions.TRACK_CONTEXT_FIELDS.items():
                    form.add(
                        key,
                        ui.select,
                        list(words(vocabulary)),
                        label=key.capitalize(),
                        clearable=True,
                    )
            form.add("racing_classes", ui.input, "Racing classes (comma separated)", default="")
            with ui.element("div").classes("grid grid-cols-2 gap-2 w-full"):
                form.add(
                    "practice_rounds",
                    ui.number,
                    "Practice rounds",
                    default=2,
                    min=0,
                    max=20,
                    precision=0,
                )
                form.add(
                    "qualifying_rounds",
                    ui.number,
                    "Qualifying rounds",
                    default=3,
                    min=0,
                    max=20,
                    precision=0,
                )

            async def start() -> None:
                assert self.shell.racer is not None
                form.clear_errors()
                v = form.values()
                try:
                    session = await sessions.start_session(
                        self.shell.racer.id,
                        v["vehicle_id"],
                        name=v["name"],
                        session_type=v["session_type"],
                        session_date=v["session_date"],
                        track_context={k: v[k] for k in sessions.TRACK_CONTEXT_FIELDS},
                        racing_classes=(v["racing_classes"] or "").split(","),
                        practice_rounds=v["practice_rounds"],
                        qualifying_rounds=v["qualifying_rounds"],
                    )
                except ValidationError as exc:
                    errors = dict(exc.errors)
                    if "vehicle" in errors:
                        errors["vehicle_id"] = errors.pop("vehicle")
                    form.show_errors(errors)
                    return
                except NotFoundError:
                    # The racer was deleted in another tab: fall back to the default racer.
                    await self.shell.render()
                    return
                except PitboxError as exc:
                    self.shell.notify(str(exc), type="negative")
                    return
                await form.submitted()
                self.shell.workspace = await workspaces.resume_session(self.shell.workspace)
                self.shell.save()
                self.shell.notify(f"Session “{session.name}” started", type="positive")
                await self.shell.render()

            ui.button("Start session", icon="play_arrow", on_click=once_at_a_time(start)).classes(
                "tap w-full mt-2"
            ).mark("start-session")

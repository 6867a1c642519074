"""Event tab: prepare and start a session, keep its conditions current, close it."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from nicegui import background_tasks, ui

from models import RaceSession
from models.vocabularies import words
from services import drafts, garage, sessions
from services.errors import NotFoundError, PitboxError, StaleWriteError, ValidationError
from ui.components import ask, dialog_card, empty_state, once_at_a_time
from ui.forms import SAVE_DELAY, DraftForm
from ui.tabs.context import Panel

START_FORM = "event.session"
CONDITIONS_FORM = "event.conditions"
CLOSE_FORM = "event.close"
_ALIASES = {"vehicle": "vehicle_id"}


def _classes(text: Any) -> list[str]:
    return [c for c in (text or "").split(",") if c.strip()]


def context_fields(form: DraftForm, context: dict[str, str] | None = None) -> None:
    """Size, traction, surface and condition as four selects, two by two."""
    with ui.element("div").classes("grid grid-cols-2 gap-2 w-full"):
        for key, vocabulary in sessions.TRACK_CONTEXT_FIELDS.items():
            form.add(
                key,
                ui.select,
                list(words(vocabulary)),
                label=key.capitalize(),
                clearable=True,
                default=(context or {}).get(key),
            )


def rounds_fields(form: DraftForm, practice: int | None, qualifying: int | None) -> None:
    # No min/max on the fields: the browser would silently change what was typed; the
    # service's message says what is wrong instead.
    with ui.element("div").classes("grid grid-cols-2 gap-2 w-full"):
        form.add(
            "practice_rounds",
            ui.number,
            "Practice rounds",
            default=practice,
        ).props("inputmode=numeric")
        form.add(
            "qualifying_rounds",
            ui.number,
            "Qualifying rounds",
            default=qualifying,
        ).props("inputmode=numeric")


class EventPanel(Panel):
    watches = frozenset({"session", "cars", "racer"})

    async def build(self) -> None:
        racer = self.ctx.racer
        active = await sessions.active_session(racer.id)
        if active is not None:
            session = await sessions.get_session(racer.id, active.id)
            self._active(session)
        else:
            await self._start_form()

    # --- an active session -------------------------------------------------------------------

    def _active(self, session: RaceSession) -> None:
        with (
            ui.card().classes("w-full pit-card border-l-4 border-green-700").mark("active-session")
        ):
            ui.badge("Active session", color="positive").classes("text-sm")
            ui.label(session.name).classes("text-xl font-bold break-words").mark(
                "active-session-name"
            )
            where = f" · {session.track_name}" if session.track_name else ""
            ui.label(
                f"{session.session_type} · {session.session_date:%d %b %Y} · "
                f"{session.vehicle.display_name}{where}"
            ).classes("text-slate-800")
            if session.racing_classes:
                ui.label("Classes: " + ", ".join(session.racing_classes)).classes("text-slate-800")
        self._conditions(session)
        ui.button(
            "End session", icon="flag", on_click=once_at_a_time(lambda: self.close(session))
        ).props("outline").classes("tap w-full").mark("end-session")

    def _conditions(self, session: RaceSession) -> None:
        form = DraftForm(self.ctx, drafts.form_key(CONDITIONS_FORM, session.id))
        with ui.card().classes("w-full pit-card gap-2").mark("conditions"):
            ui.label("Track conditions now").classes("font-bold")
            ui.label("Conditions change during a day: keep them current for the advisor.").classes(
                "text-sm text-slate-700"
            )
            context_fields(form, session.track_context)
            rounds_fields(form, session.practice_rounds, session.qualifying_rounds)

            async def save() -> None:
                form.clear_errors()
                values = form.values()
                try:
                    await sessions.update_conditions(
                        form.keeper.racer_id,
                        session.id,
                        expected_version=session.version,
                        track_context={k: values[k] for k in sessions.TRACK_CONTEXT_FIELDS},
                        practice_rounds=values["practice_rounds"],
                        qualifying_rounds=values["qualifying_rounds"],
                    )
                except ValidationError as exc:
                    form.show_errors(exc.errors)
                    return
                except StaleWriteError as exc:
                    self.ctx.notify(str(exc), type="warning")
                    await form.submitted()
                    await self.ctx.refresh("session")
                    return
                except PitboxError as exc:
                    self.ctx.notify(str(exc), type="warning")
                    await self.ctx.refresh("session")
                    return
                await form.submitted()
                self.ctx.notify("Conditions saved", type="positive")
                await self.ctx.refresh("session")

            ui.button("Save conditions", icon="save", on_click=once_at_a_time(save)).props(
                "outline"
            ).classes("tap w-full").mark("save-conditions")

    async def close(self, session: RaceSession) -> None:
        with self.dialog():
            dialog, card = dialog_card(f"End “{session.name}”?", marker="close-session")
        form = DraftForm(self.ctx, drafts.form_key(CLOSE_FORM, session.id))
        with card:
            ui.label("It is kept in History with its setup, changes and laps.").classes(
                "text-slate-800"
            )
            ui.label("How did the car feel?").classes("font-semibold mt-1")
            form.add(
                "rating", ui.toggle, {1: "1", 2: "2", 3: "3", 4: "4", 5: "5"}, clearable=True
            ).props('spread no-caps toggle-color=primary aria-label="How the car felt, 1 to 5"')
            ui.label("1 undriveable · 5 perfect").classes("text-sm text-slate-700")
            form.add("summary", ui.textarea, "Summary (optional)", default="").props("autogrow")
            with ui.row().classes("w-full justify-end gap-2 mt-2"):
                ui.button("Keep racing", on_click=dialog.close).props("flat").classes("tap")

                async def end() -> None:
                    form.clear_errors()
                    try:
                        await sessions.close_session(
                            form.keeper.racer_id, session.id, **form.values()
                        )
                    except ValidationError as exc:
                        form.show_errors(exc.errors)
                        return
                    except PitboxError as exc:  # already ended in another tab
                        self.ctx.notify(str(exc), type="warning")
                        dialog.submit(False)
                        return
                    await form.submitted()
                    dialog.submit(True)

                ui.button("End session", on_click=once_at_a_time(end)).classes("tap").mark(
                    "confirm-end-session"
                )
        if await ask(dialog):
            self.ctx.notify("Session ended and kept in History", type="positive")
        await self.ctx.refresh("session")

    # --- preparing a session ------------------------------------------------------------------

    async def _start_form(self) -> None:
        racer_id = self.ctx.racer.id
        cars = await garage.list_vehicles(racer_id)
        if not cars:
            with empty_state(
                "flag",
                "Start a session",
                "Add a car in the Garage first: a session runs one car.",
                marker="event-no-cars",
            ):
                ui.button("Go to Garage", on_click=lambda: self.ctx.show_tab("garage")).props(
                    "outline"
                ).classes("tap")
            return
        draft = await sessions.draft_session(racer_id)
        tracks = await sessions.track_names(racer_id)
        form = DraftForm(self.ctx, START_FORM)
        start = _draft_values(draft) if draft is not None else {}
        if not form.has_draft and start:
            form.keeper.draft = start
        with ui.card().classes("w-full pit-card gap-2").mark("start-session-form"):
            ui.label("Start a session").classes("text-lg font-bold")
            if draft is not None:
                ui.label("Your session in preparation is kept as you type.").classes(
                    "text-sm text-slate-700"
                ).mark("draft-session-note")
            form.add(
                "vehicle_id",
                ui.select,
                {c.id: c.display_name for c in cars},
                label="Car",
                default=cars[0].id if len(cars) == 1 else None,
            )
            form.add("name", ui.input, "Session name", default="").props(
                'placeholder="e.g. Club race, Sunday" autocomplete=off'
            )
            track = form.add(
                "track_name", ui.input, "Track", default="", autocomplete=[t.name for t in tracks]
            ).props("autocomplete=off")
            with ui.element("div").classes("grid grid-cols-2 gap-2 w-full"):
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
            ui.label("Track conditions").classes("font-semibold mt-1")
            context_fields(form)
            form.add("racing_classes", ui.input, "Racing classes (comma separated)", default="")
            rounds_fields(form, 2, 3)

            known = {t.name.casefold(): t for t in tracks}

            def track_chosen() -> None:
                memory = known.get((track.value or "").strip().casefold())
                if memory is None:
                    return
                for key in sessions.TRACK_CONTEXT_FIELDS:
                    if not form.fields[key].value and key in memory.track_context:
                        form.set(key, memory.track_context[key])

            track.on("blur", track_chosen)
            track.on_value_change(track_chosen)
            self._autosave(form)

            async def start() -> None:
                form.clear_errors()
                values = form.values()
                try:
                    session = await sessions.start_session(
                        form.keeper.racer_id, values["vehicle_id"], **_session_fields(values)
                    )
                except ValidationError as exc:
                    form.show_errors(exc.errors, aliases=_ALIASES)
                    return
                except NotFoundError:  # the racer was deleted in another tab
                    await self.ctx.refresh("racer")
                    return
                except PitboxError as exc:
                    self.ctx.notify(str(exc), type="negative")
                    await self.ctx.refresh("session")
                    return
                await form.submitted()
                self.ctx.notify(f"Session “{session.name}” started", type="positive")
                await self.ctx.refresh("session")

            with ui.row().classes("w-full gap-2 no-wrap sticky-action"):
                ui.button("Clear", on_click=once_at_a_time(lambda: self._clear(form))).props(
                    "flat"
                ).classes("tap").mark("clear-session-form")
                ui.button(
                    "Start session", icon="play_arrow", on_click=once_at_a_time(start)
                ).classes("tap grow").mark("start-session")

    def _autosave(self, form: DraftForm) -> None:
        """Keep the session in preparation as a draft once it has a car and a name."""
        pending: dict[str, asyncio.Task | None] = {"task": None}

        async def save_soon() -> None:
            await asyncio.sleep(SAVE_DELAY)
            if not form.keeper.current:
                return
            values = form.values()
            if values.get("vehicle_id") in (None, "") or not (values.get("name") or "").strip():
                return
            try:
                await sessions.save_draft_session(
                    form.keeper.racer_id, values["vehicle_id"], **_session_fields(values)
                )
            except ValidationError as exc:
                form.show_errors(exc.errors, aliases=_ALIASES)
            except PitboxError:
                pass  # the racer or car went meanwhile: the typed input stays in the form
            else:
                form.clear_errors()

        def changed() -> None:
            if pending["task"] is None or pending["task"].done():
                pending["task"] = background_tasks.create(save_soon(), name="save session draft")

        for field in form.fields.values():
            field.on_value_change(changed)

    async def _clear(self, form: DraftForm) -> None:
        await sessions.discard_draft_session(form.keeper.racer_id)
        await form.submitted()
        await self.ctx.refresh("session")


def _session_fields(values: dict[str, Any]) -> dict[str, Any]:
    """The start form's values as the sessions service takes them."""
    return {
        "name": values["name"],
        "session_type": values["session_type"],
        "session_date": values["session_date"],
        "track_context": {k: values[k] for k in sessions.TRACK_CONTEXT_FIELDS},
        "racing_classes": _classes(values["racing_classes"]),
        "practice_rounds": values["practice_rounds"],
        "qualifying_rounds": values["qualifying_rounds"],
        "track_name": values["track_name"],
    }


def _draft_values(draft: RaceSession) -> dict[str, Any]:
    return {
        "vehicle_id": draft.vehicle_id,
        "name": draft.name,
        "track_name": draft.track_name or "",
        "session_type": draft.session_type,
        "session_date": draft.session_date.isoformat(),
        **{k: draft.track_context.get(k) for k in sessions.TRACK_CONTEXT_FIELDS},
        "racing_classes": ", ".join(draft.racing_classes),
        "practice_rounds": draft.practice_rounds,
        "qualifying_rounds": draft.qualifying_rounds,
    }

"""The app shell: header with the racer chip, the racer's loop as tabs, and switching racers."""

from __future__ import annotations

from nicegui import ui

from services import profile_service, sessions
from services import workspace as workspaces
from services.errors import NotFoundError, PitboxError
from services.workspace import Workspace
from ui import state
from ui.dialogs import once_at_a_time
from ui.event import EventPanel
from ui.garage import GaragePanel
from ui.selector import RacerSelector

TABS = (
    ("garage", "Garage", "garage"),
    ("event", "Event", "flag"),
    ("setup", "Setup", "tune"),
    ("advisor", "Advisor", "forum"),
    ("scoreboard", "Scoreboard", "timer"),
    ("history", "History", "history"),
)

COMING_LATER = {
    "setup": (
        "tune",
        "The setup sheet",
        "Your session's actual setup, all 24 parameters, and how far it has drifted from the "
        "car's reference setup. Changes waiting for your decision will be listed here.",
    ),
    "advisor": (
        "forum",
        "The advisor",
        "Tell it what the car is doing wrong — loose on entry, pushing mid-corner, bottoming "
        "on landings — and it proposes setup changes with its reasoning.",
    ),
    "scoreboard": (
        "timer",
        "Lap times",
        "Best lap, average and consistency for every run and heat, so you can tell whether "
        "the last change worked.",
    ),
    "history": (
        "history",
        "History",
        "Past sessions with their setups and changes, and two setups side by side.",
    ),
}


class AppShell:
    """One per browser tab. Holds the tab's workspace and rebuilds everything on a switch."""

    def __init__(self) -> None:
        self.workspace = Workspace()
        self.racer: profile_service.RacerProfile | None = None
        # The racer's active session in the database (None if none), read once per render.
        self.active: sessions.ActiveSession | None = None
        # Dialogs and notifications are created here, never inside content that a refresh
        # may delete while a handler is still running.
        self.root = ui.context.client.layout
        self.selector = RacerSelector(self)
        with ui.header().classes("bg-slate-900 text-white items-center px-3 py-2 gap-2"):
            ui.icon("sports_motorsports", size="28px").classes("text-orange-400")
            ui.label("Pitbox").classes("text-xl font-bold tracking-wide")
            ui.space()
            self.chip_area = ui.row().classes("items-center")
        with ui.footer().classes("bg-white text-slate-900 p-0 border-t border-slate-300"):
            with (
                ui.tabs(value="garage")
                .classes("w-full")
                .props(
                    "dense no-caps active-color=primary indicator-color=primary mobile-arrows"
                ) as self.tabs
            ):
                for key, label, icon in TABS:
                    ui.tab(key, label=label, icon=icon).classes("tap").mark(f"tab-{key}")
        self.main = ui.column().classes("w-full max-w-3xl mx-auto p-3 gap-3")

    # --- loading ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the tab on its racer: the one it had, or the default for a new tab."""
        self.workspace = state.load_workspace()
        await self.render()

    async def _resolve_racer(self) -> None:
        """Make sure the workspace points at an existing racer, falling back to the default."""
        if self.workspace.racer_id is not None:
            try:
                self.racer = await profile_service.get_profile(self.workspace.racer_id)
                return
            except NotFoundError:
                self.notify(
                    "The racer this tab was using has been deleted; switched to the default racer.",
                    type="warning",
                )
        self.racer = await profile_service.get_or_create_default_profile()
        self.workspace = await workspaces.open_workspace(self.racer.id)
        self.save()

    async def render(self) -> None:
        await self._resolve_racer()
        assert self.racer is not None
        self.active = await sessions.active_session(self.racer.id)
        self._render_chip()
        self.main.clear()
        with self.main:
            self._render_resume_banner()
            with (
                ui.tab_panels(self.tabs, value=self.tabs.value)
                .classes("w-full bg-transparent")
                .props("animated")
            ):
                with ui.tab_panel("garage").classes("p-0"):
                    await GaragePanel(self).build()
                with ui.tab_panel("event").classes("p-0"):
                    await EventPanel(self).build()
                for key, (icon, title, text) in COMING_LATER.items():
                    with ui.tab_panel(key).classes("p-0"):
                        empty_state(icon, title, text)

    def _render_chip(self) -> None:
        assert self.racer is not None
        self.chip_area.clear()
        with self.chip_area:
            with (
                ui.button(on_click=self.selector.open)
                .props("flat no-caps rounded")
                .classes("tap text-white bg-slate-800 px-2")
                .mark("racer-chip")
            ):
                with ui.row().classes("items-center gap-2 no-wrap"):
                    avatar(
                        profile_service.initials(self.racer.name), self.racer.is_default, small=True
                    )
                    ui.label(self.racer.name).classes(
                        "font-semibold max-w-[9rem] sm:max-w-xs truncate"
                    ).mark("current-racer-name")
                    if self.racer.is_default:
                        ui.icon("star", size="20px").classes("text-amber-400").mark(
                            "current-racer-star"
                        )
                    ui.icon("expand_more", size="20px")

    def _render_resume_banner(self) -> None:
        current = self.active
        if current is None or self.workspace.active_session_id == current.id:
            return
        with (
            ui.card()
            .classes("w-full pit-card bg-amber-50 border border-amber-300")
            .mark("resume-banner")
        ):
            with ui.row().classes("w-full items-center gap-3 no-wrap"):
                ui.icon("play_circle", size="32px").classes("text-amber-700")
                with ui.column().classes("gap-0 grow min-w-0"):
                    ui.label("Session in progress").classes("font-bold")
                    ui.label(f"{current.name} · {current.vehicle_name}").classes(
                        "text-slate-700 truncate"
                    )
                ui.button("Resume", on_click=once_at_a_time(self.resume)).classes("tap").mark(
                    "resume-session"
                )

    # --- actions ----------------------------------------------------------------------------

    def notify(self, message: str, **kwargs) -> None:
        # At the top and brief: the bottom of a phone screen is the tab bar, under the thumb.
        kwargs.setdefault("position", "top")
        kwargs.setdefault("timeout", 2500)
        kwargs.setdefault("classes", "below-header")
        with self.root:
            ui.notify(message, **kwargs)

    def save(self) -> None:
        with self.root:
            state.store_workspace(self.workspace)

    async def resume(self) -> None:
        try:
            self.workspace = await workspaces.resume_session(self.workspace)
        except PitboxError as exc:  # ended in another tab meanwhile
            self.notify(str(exc), type="warning")
            await self.render()
            return
        self.save()
        self.tabs.value = "event"
        await self.render()
        self.notify("Session resumed", type="positive")

    async def switch_to(self, racer_id: int, *, keep_drafts: bool) -> None:
        """Replace the whole workspace with the racer's and rebuild every tab."""
        self.workspace = await workspaces.switch_to(
            self.workspace, racer_id, keep_drafts=keep_drafts
        )
        self.save()
        await self.render()
        assert self.racer is not None
        self.notify(f"Now working as {self.racer.name}", type="positive")


def avatar(initials: str, is_default: bool, *, small: bool = False) -> None:
    size = "width:36px;height:36px;font-size:0.9rem" if small else ""
    ui.label(initials).classes("avatar" + (" default" if is_default else "")).style(size)


def empty_state(icon: str, title: str, text: str) -> None:
    with ui.card().classes("w-full pit-card items-center text-center py-8 px-4 gap-2"):
        ui.icon(icon, size="48px").classes("text-slate-400")
        ui.label(title).classes("text-lg font-bold")
        ui.label(text).classes("text-slate-600 max-w-md")
        ui.label("Coming in a later version of Pitbox.").classes("text-sm text-slate-500")

"""The app shell: header with the racer chip, the racer's loop as tabs, and switching racers.

The shell loops over the tab registry (``ui/tabs``). A panel is built when its tab is shown, and
the visible panel is rebuilt only when a topic it watches changes (``TabContext.refresh``);
hidden panels are not built at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from nicegui import ui

from models import RacerProfile
from services import profile_service
from services import workspace as workspaces
from services.errors import NotFoundError
from services.workspace import Workspace
from ui import browser, pin, state
from ui.components import avatar, empty_state
from ui.selector import RacerSelector
from ui.tabs import TABS, Panel, TabContext


class PanelHost:
    """One tab's panel, built when its tab is shown and rebuilt when stale.

    The panel's container and the tab's badge are made when first needed: a page opens with
    one tab drawn and no badges, and a phone mounts what the racer sees first, not six tabs'
    worth of empty panels.
    """

    def __init__(self, panel: Panel, label: str, key: str, area: ui.element, tab: ui.tab) -> None:
        self.panel = panel
        self.label = label
        self.key = key
        self.area = area  # where the container goes
        self.tab = tab  # where the badge goes
        self.container: ui.element | None = None
        self.badge: ui.badge | None = None
        self.stale = True
        self._latest: ui.element | None = None  # the content being built or shown last

    def _container(self) -> ui.element:
        if self.container is None:
            with self.area:
                self.container = (
                    ui.column()
                    .classes("w-full gap-3")
                    .props(f'role=tabpanel aria-label="{self.label}"')
                    .mark(f"panel-{self.key}")
                )
        return self.container

    def show(self, shown: bool) -> None:
        if self.container is not None:
            self.container.set_visibility(shown)

    async def build(self) -> None:
        """Build the new content hidden beside the old one, then swap them at once: the browser
        draws the panel in one step, never empty or half built while the database answers."""
        self.stale = False
        container = self._container()
        with container:
            fresh = ui.column().classes("w-full gap-3")
            fresh.set_visibility(False)
        self._latest = fresh
        try:
            with fresh:
                await self.panel.build()
        except BaseException:
            _discard(fresh)
            raise
        if fresh is not self._latest:  # cleared, or a newer build started (two quick taps)
            _discard(fresh)
            return
        for child in list(container):
            if child is not fresh:
                child.delete()
        fresh.set_visibility(True)

    def clear(self) -> None:
        self.stale = True
        self._latest = None  # a build on its way is for what was cleared: it does not show
        if self.container is not None and list(self.container):
            self.container.clear()  # a tab never opened has nothing to clear (and sends nothing)

    async def update_badge(self) -> None:
        text = await self.panel.badge()
        if self.badge is None:
            if not text:
                return
            with self.tab:
                self.badge = (
                    ui.badge("", color="accent").props("floating").mark(f"badge-{self.key}")
                )
        self.badge.set_text(text or "")
        self.badge.set_visibility(bool(text))


def _discard(element: ui.element) -> None:
    """Delete content whose build was overtaken, with what was built into it after a clear
    had already deleted it (the build was awaiting the database)."""
    if element.is_deleted:
        element.client.remove_elements(list(element.descendants()))
    else:
        element.delete()


class AppShell:
    """One per browser tab: the tab's workspace, its racer, and the panels of the tabs."""

    def __init__(self) -> None:
        self.workspace = Workspace()
        self.racer: RacerProfile | None = None
        self._lock_card: ui.card | None = None
        self._chip_shows: tuple | None = None  # what the racer chips show now
        self._chips: RacerChips | None = None
        # Dialogs and notifications are created here, never inside content that a refresh
        # may delete while a handler is still running.
        self.root = ui.context.client.layout
        self.selector = RacerSelector(self)
        with ui.header().classes("bg-slate-900 text-white items-center px-3 py-1 gap-2"):
            ui.icon("sports_motorsports", size="28px").classes("text-orange-400").props(
                'aria-hidden="true"'
            )
            ui.label("Pitbox").classes("text-xl font-bold tracking-wide")
            ui.space()
            self.chip_area = ui.row().classes("items-center")
        self.context = TabContext(
            _racer=self._current_racer,
            _workspace=lambda: self.workspace,
            save_workspace=self.save,
            notify=self.notify,
            refresh=self.refresh,
            show_tab=self.show_tab,
            dialog_host=self.root,
        )
        with (
            ui.footer().classes("bg-white text-slate-900 p-0 border-t border-slate-300"),
            ui.row().classes("w-full no-wrap gap-0 items-stretch"),
        ):
            # On a phone the racer is switched from here too, under the thumb (see theme.py).
            self.thumb_chip = ui.element("div").classes("thumb-racer")
            with (
                ui.tabs(value=TABS[0].key, on_change=self._tab_shown)
                .classes("grow min-w-0")
                .props(
                    "dense no-caps active-color=primary indicator-color=primary mobile-arrows"
                ) as self.tabs
            ):
                tabs = {
                    tab.key: ui.tab(tab.key, label=tab.label, icon=tab.icon)
                    .classes("tap")
                    .mark(f"tab-{tab.key}")
                    for tab in TABS
                }
        self.main = ui.column().classes("w-full max-w-3xl mx-auto p-3 gap-3")
        with self.main:
            self.notice = ui.column().classes("notice-area w-full gap-2")
            panels = ui.element("div").classes("w-full")
        self.hosts: dict[str, PanelHost] = {
            tab.key: PanelHost(tab.panel(self.context), tab.label, tab.key, panels, tabs[tab.key])
            for tab in TABS
        }

    def _current_racer(self) -> RacerProfile:
        assert self.racer is not None
        return self.racer

    # --- opening -----------------------------------------------------------------------------

    @staticmethod
    async def device_racer() -> RacerProfile | None:
        """The racer this browser used last, else the default; None when the database does
        not answer at once (``start`` reports that)."""
        try:
            async with asyncio.timeout(1.0):  # the longest the HTML waits for it
                if (wanted := state.device_racer()) is not None:
                    try:
                        return await profile_service.get_profile(wanted)
                    except NotFoundError:
                        pass
                return await profile_service.get_default_profile()
        except Exception:  # only a head start: start() says what is wrong
            return None

    async def pre_render(self, lookup: Awaitable[RacerProfile | None]) -> None:
        """Put the racer chip into the page's first HTML, before the browser tab connects.

        ``lookup`` is ``device_racer()``, started before the shell was built so that the
        database answers while the page is being built. Tab storage does not exist yet, so
        this is the racer this browser used last (or the default); ``start`` corrects it once
        the tab is known. Only the chip: a racer's notebook is drawn by ``start``, after the
        PIN check. A database that does not answer at once leaves the header empty, for
        ``start`` to report.
        """
        racer = await lookup
        if racer is not None:
            self.racer = racer
            self._render_chip()
            assert self._chips is not None
            self._chips.header.mark("racer-chip-early")  # "racer-chip" once start() knows

    async def start(self) -> None:
        """Open the tab on its racer: the one it had, else this device's last, else the default.

        Tab storage is lost when the server restarts; the browser tab still knows its racer.
        """
        self.workspace = state.load_workspace()
        had = self.workspace.racer_id
        if had is None:
            had = await state.tab_racer()
            if had is not None:
                self.workspace = Workspace(racer_id=had)
        wanted = had if had is not None else state.device_racer()
        self.racer = await self._racer_or_default(wanted)
        if self.workspace.racer_id != self.racer.id or not self.workspace.form_drafts:
            self.workspace = await workspaces.open_workspace(self.racer.id)
        if had is not None and had != self.racer.id:
            self._say_racer_gone()
        self.save()
        self.selector.ready.set()  # a tap on the chip sent with the page opens it from now on
        await self.render()
        await self.selector.prepare()  # while the racer looks at the page, not after a tap

    async def _racer_or_default(self, racer_id: int | None) -> RacerProfile:
        if racer_id is not None:
            try:
                return await profile_service.get_profile(racer_id)
            except NotFoundError:
                pass
        return await profile_service.get_or_create_default_profile()

    def _say_racer_gone(self) -> None:
        assert self.racer is not None
        self._say_once(
            f"The racer this tab was using has been deleted: it now works as {self.racer.name}."
        )

    def _say_once(self, text: str) -> None:
        self.notice.clear()
        with (
            self.notice,
            ui.card()
            .classes("w-full pit-card bg-amber-50 border border-amber-400")
            .props("role=status")
            .mark("racer-notice") as card,
        ):
            with ui.row().classes("w-full items-center no-wrap gap-2"):
                ui.icon("info", size="24px").classes("text-amber-800")
                ui.label(text).classes("grow text-slate-900")
                ui.button(icon="close", on_click=card.delete).props(
                    'flat round aria-label="Dismiss"'
                ).classes("tap")

    # --- drawing -----------------------------------------------------------------------------

    async def render(self) -> None:
        """Show the racer: the chip, the visible panel now, the hidden ones when opened.

        The visible panel is swapped for the racer's when it is built, and the chip changes
        right then, so that the browser draws the header and the tab in one update."""
        visible = self.hosts.get(self.tabs.value)
        for host in self.hosts.values():
            # Nothing of the previous racer stays on the page, not even in a hidden tab.
            if host is visible:
                host.stale = True
            else:
                host.clear()
        if not self._may_show():
            if visible is not None:
                visible.clear()
            self._render_chip()
            self._locked_out()
            return
        await self._build_visible()
        self._render_chip()
        for host in self.hosts.values():
            await host.update_badge()

    def _may_show(self) -> bool:
        """A racer with a PIN shows only in a browser that was given the PIN: a tab that lands
        on them (a new tab, the default after a delete) asks first."""
        assert self.racer is not None
        return self.racer.pin_hash is None or state.unlocked_here(self.racer.id)

    def _locked_out(self) -> None:
        assert self.racer is not None
        racer = self.racer
        if self._lock_card is not None and not self._lock_card.is_deleted:
            self._lock_card.delete()
        with self.notice, empty_state(
            "lock", f"{racer.name}'s notebook is locked",
            "Type their PIN to open it, or choose another racer.", marker="locked-out",
        ) as self._lock_card:  # fmt: skip
            with ui.row().classes("gap-2 justify-center"):
                ui.button("Choose a racer", on_click=self.selector.open).props("outline").classes(
                    "tap"
                ).mark("locked-choose")
                ui.button("Unlock", icon="lock_open", on_click=self._unlock).classes("tap").mark(
                    "locked-unlock"
                )

    async def _unlock(self) -> None:
        assert self.racer is not None
        try:
            typed = await pin.unlock(self.racer.id, self.racer.name)
        except NotFoundError:
            await self._check_racer()
            return
        if typed is not None:
            if self._lock_card is not None and not self._lock_card.is_deleted:
                self._lock_card.delete()
            await self.render()

    async def _build_visible(self) -> None:
        if not self._may_show():
            return
        host = self.hosts.get(self.tabs.value)
        if host is not None and host.stale:
            await host.build()

    async def _tab_shown(self) -> None:
        # Always fresh from the database: another tab or phone may have changed the racer's
        # data meanwhile. Typed input comes back from the drafts.
        for key, host in self.hosts.items():
            host.show(key == self.tabs.value)
        host = self.hosts.get(self.tabs.value)
        if host is not None:
            host.stale = True
        await self._build_visible()

    async def refresh(self, *topics: str, source: Panel | None = None) -> None:
        """Rebuild the panels that watch any of ``topics``; "racer" re-reads the racer first.

        ``source`` is the panel that made the change and has already redrawn what it touched:
        it is left as it is (its badge is updated).
        """
        if "racer" in topics:
            await self._check_racer()
            return
        for host in self.hosts.values():
            if host.panel.watches & set(topics):
                host.stale = host.stale or host.panel is not source
                await host.update_badge()
        await self._build_visible()

    async def _check_racer(self) -> None:
        """The racer was renamed, or deleted in another tab: show the racer as it is now."""
        assert self.racer is not None
        try:
            self.racer = await profile_service.get_profile(self.racer.id)
        except NotFoundError:
            self.racer = await profile_service.get_or_create_default_profile()
            self.workspace = await workspaces.open_workspace(self.racer.id)
            self.save()
            self._say_racer_gone()
        await self.render()

    def show_tab(self, key: str) -> None:
        self.tabs.set_value(key)

    def _render_chip(self) -> None:
        """The racer on the header's chip and on the bottom bar's Racer button: built once,
        then only their texts change."""
        assert self.racer is not None
        if self._chips is None:
            self._chips = RacerChips(self.chip_area, self.thumb_chip, self.selector.open)
        shows = (self.racer.id, self.racer.name, self.racer.is_default)
        if shows != self._chip_shows:
            self._chip_shows = shows
            self._chips.show(self.racer.name, self.racer.is_default)
        # The one sent with the page is kept when right, so that a tap on its way is not lost.
        self._chips.header.mark("racer-chip")

    # --- actions -----------------------------------------------------------------------------

    def notify(self, message: str, *, timeout: float | None = 3, **kwargs) -> None:
        """One short message at a time, at the top, below the header: the bottom of a phone
        screen is the tab bar under the thumb. A new message replaces the one showing (one
        Quasar group; its count badge hidden). ``timeout`` is in seconds; None keeps it until
        dismissed. A message, not an element: nothing to build or load before the browser
        draws what the racer tapped for."""
        kwargs.setdefault("position", "top")
        kwargs.setdefault("classes", "below-header")
        with self.root:
            ui.notify(
                message,
                timeout=0 if timeout is None else round(timeout * 1000),
                group="pitbox",
                badgeClass="hidden",
                **kwargs,
            )

    def save(self) -> None:
        client = self.root.client
        if client.is_deleted or not client.has_socket_connection:
            # The tab closed or lost its connection while this awaited the database: there is
            # no tab storage to write; the next save after a reconnect writes the workspace.
            return
        with self.root:
            state.store_workspace(self.workspace)

    async def switch_to(self, racer_id: int, *, keep_drafts: bool) -> None:
        """Replace the whole workspace with the racer's and show the racer."""
        left = self.workspace.racer_id
        if not keep_drafts and left is not None:
            browser.forget_locally_kept(self.root.client, left)
        self.workspace = await workspaces.switch_to(
            self.workspace, racer_id, keep_drafts=keep_drafts
        )
        self.racer = await profile_service.get_profile(racer_id)
        self.notice.clear()
        self.save()
        await self.render()
        self.notify(f"Now working as {self.racer.name}", type="positive")


class RacerChips:
    """The racer chip in the header and the Racer button of a phone's bottom bar."""

    def __init__(self, header_area: ui.element, thumb_area: ui.element, on_click) -> None:
        with (
            thumb_area,
            ui.button(on_click=on_click)
            .props("flat no-caps stack color=grey-10")
            .classes("tap h-full px-1")
            .mark("thumb-racer"),
        ):
            self.thumb_avatar = avatar("", False, small=True)
            ui.label("Racer").classes("q-tab__label")
            # Named by what it shows, plus whose and what it does for screen readers.
            self.thumb_name = ui.label().classes("sr-only")
        with header_area:
            with (
                ui.button(on_click=on_click)
                .props("flat no-caps rounded")
                .classes("tap text-white bg-slate-800 px-2")
                .mark("racer-chip") as self.header
            ):
                with ui.row().classes("items-center gap-2 no-wrap"):
                    # The name follows; initials would be noise to a screen reader.
                    self.avatar = avatar("", False, small=True)
                    self.name = (
                        ui.label()
                        .classes("font-semibold max-w-[9rem] sm:max-w-xs truncate")
                        .mark("current-racer-name")
                    )
                    # Named by what it shows (the name), plus what it does for screen readers.
                    ui.label(": switch racer").classes("sr-only")
                    self.star = (
                        ui.icon("star", size="20px")
                        .classes("text-amber-400")
                        .mark("current-racer-star")
                    )
                    ui.icon("expand_more", size="20px")

    def show(self, name: str, is_default: bool) -> None:
        initials = profile_service.initials(name)
        for circle in (self.avatar, self.thumb_avatar):
            circle.set_text(initials)
            circle.classes(add="default") if is_default else circle.classes(remove="default")
        self.name.set_text(name)
        self.thumb_name.set_text(f" {name}: switch racer")
        self.star.set_visibility(is_default)

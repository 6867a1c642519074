"""What a tab's panel gets from the shell: a narrow context, never the shell itself."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from nicegui import ui

from models import RacerProfile
from services.workspace import Workspace
from ui.components import empty_state


@dataclass(frozen=True)
class TabContext:
    """The racer and workspace of the browser tab, and the few things a panel may ask for.

    ``racer`` and ``workspace`` are read live: after a switch they are the new racer's, so a
    handler of a form built for the previous racer can tell that it no longer belongs.
    """

    _racer: Callable[[], RacerProfile]
    _workspace: Callable[[], Workspace]
    save_workspace: Callable[[], None]
    notify: Callable[..., None]
    # Rebuild the panels that watch any of these topics ("cars", "session", "setup", ...);
    # ``source=panel`` leaves the panel that made the change (and redrew it) as it is.
    refresh: Callable[..., Awaitable[None]]
    show_tab: Callable[[str], None]
    # Where dialogs are created: outside any panel content that a refresh may delete.
    dialog_host: ui.element

    @property
    def racer(self) -> RacerProfile:
        return self._racer()

    @property
    def workspace(self) -> Workspace:
        return self._workspace()


class Panel:
    """One tab's content. The shell builds it when it is first shown and rebuilds it when a
    topic it watches changes; a panel refreshes its own parts with ``@ui.refreshable``."""

    # Topics whose change makes this panel rebuild (see TabContext.refresh).
    watches: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, ctx: TabContext) -> None:
        self.ctx = ctx

    async def build(self) -> None:
        """Create the panel's elements in the current container."""
        raise NotImplementedError

    async def badge(self) -> str | None:
        """A short count shown on the tab (e.g. changed parameters), or None."""
        return None

    def no_session(self, icon: str, text: str, *, marker: str) -> None:
        """The empty state of a tab that works on the running session, with a way to start one."""
        with empty_state(icon, "No session running", text, marker=marker):
            ui.button("Go to Event", on_click=lambda: self.ctx.show_tab("event")).props(
                "outline"
            ).classes("tap")

    def dialog(self) -> Any:
        """Enter the dialog host: ``with self.dialog(): ...`` creates a dialog safely."""
        return self.ctx.dialog_host

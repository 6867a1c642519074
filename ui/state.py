"""Where a browser tab keeps what it works on; the only module that touches NiceGUI's storage.

- The workspace (racer and typed input) lives in tab storage: it survives a reload of the tab.
- The tab's racer is also kept in the browser tab itself (``sessionStorage``), which survives a
  server restart that empties tab storage.
- The racer a device used last lives in user storage (a signed cookie and a file per browser),
  so a new tab on the same phone opens on that racer; so do the racers whose PIN this browser
  was given, so that opening a tab on a locked racer asks for the PIN once per device.
"""

from __future__ import annotations

from nicegui import app, ui

from services.workspace import Workspace

_WORKSPACE = "workspace"
_DEVICE_RACER = "racer_id"
_TAB_RACER_KEY = "pitbox.racer"
_UNLOCKED = "unlocked_racers"
_UNLOCKED_KEPT = 50


def load_workspace() -> Workspace:
    """The tab's workspace (empty for a new tab). Call after the client has connected."""
    return Workspace.from_storage(app.storage.tab.get(_WORKSPACE))


def store_workspace(workspace: Workspace) -> None:
    """Replace the tab's workspace as a whole, and remember its racer for this device.

    Called on every keystroke of a draft form: the racer is written to the device and the
    browser tab only when it is not the one they already hold.
    """
    before = app.storage.tab.get(_WORKSPACE) or {}
    app.storage.tab[_WORKSPACE] = workspace.to_storage()
    racer_id = workspace.racer_id
    if racer_id is None:
        return
    if app.storage.user.get(_DEVICE_RACER) != racer_id:
        app.storage.user[_DEVICE_RACER] = racer_id
    if before.get("racer_id") != racer_id:
        ui.run_javascript(f"sessionStorage.setItem('{_TAB_RACER_KEY}', '{racer_id}')")


def unlocked_here(racer_id: int) -> bool:
    """Whether this browser was given the racer's PIN before."""
    return racer_id in app.storage.user.get(_UNLOCKED, [])


def remember_unlocked(racer_id: int) -> None:
    """This browser knows the racer's PIN: it may open on that racer without asking again."""
    unlocked = [i for i in app.storage.user.get(_UNLOCKED, []) if i != racer_id]
    app.storage.user[_UNLOCKED] = [racer_id, *unlocked][:_UNLOCKED_KEPT]


def device_racer() -> int | None:
    """The racer this browser used last, if any."""
    value = app.storage.user.get(_DEVICE_RACER)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def tab_racer() -> int | None:
    """The racer this browser tab worked as before the server lost its tab storage."""
    try:
        value = await ui.run_javascript(f"sessionStorage.getItem('{_TAB_RACER_KEY}')", timeout=3)
    except TimeoutError:
        return None
    return int(value) if isinstance(value, str) and value.isdigit() else None

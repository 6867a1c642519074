"""The tab's workspace in NiceGUI's tab storage: the only place that touches ``app.storage.tab``."""

from nicegui import app

from services.workspace import Workspace

_KEY = "workspace"


def load_workspace() -> Workspace:
    """The tab's workspace (empty for a new tab). Call after the client has connected."""
    return Workspace.from_storage(app.storage.tab.get(_KEY))


def store_workspace(workspace: Workspace) -> None:
    """Replace the tab's workspace as a whole."""
    app.storage.tab[_KEY] = workspace.to_storage()

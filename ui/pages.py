"""Pages of the app."""

from nicegui import ui

from ui import theme
from ui.shell import AppShell


def register_pages() -> None:
    @ui.page("/", title="Pitbox")
    async def index() -> None:
        theme.apply()
        shell = AppShell()
        # Tab storage exists only once the browser tab has connected.
        await ui.context.client.connected()
        await shell.start()

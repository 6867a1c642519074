"""Pages of the app."""

from nicegui import app, ui
from nicegui.client import ClientConnectionTimeout

from ui import theme
from ui.shell import AppShell


def register_pages() -> None:
    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        """For container health checks: answers without building a page."""
        return {"status": "ok"}

    @ui.page("/", title="Pitbox")
    async def index() -> None:
        theme.apply()
        shell = AppShell()
        # Tab storage exists only once the browser tab has connected. A request that never
        # connects (a link preview, a script) is dropped here.
        client = ui.context.client
        try:
            await client.connected(timeout=app.config.reconnect_timeout)
        except ClientConnectionTimeout:
            return
        if client.is_deleted:
            return
        await shell.start()

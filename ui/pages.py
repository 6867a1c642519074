"""Pages of the app."""

import asyncio

from fastapi.responses import JSONResponse
from nicegui import app, ui
from nicegui.client import ClientConnectionTimeout

from services import database
from ui import devices, faults, theme
from ui.shell import AppShell


def register_pages() -> None:
    @app.get("/healthz", include_in_schema=False)
    async def health() -> JSONResponse:
        """For container health checks: a cheap query, answered without building a page."""
        if await database.ping():
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "database unreachable"}, status_code=503)

    devices.register()

    @ui.page("/", title="Pitbox")
    async def index() -> None:
        # The racer chip goes out with the page's HTML (the racer this browser used last);
        # start() below checks it against the tab's own racer once the tab has connected.
        # The database is asked first and answers while the page is built.
        lookup = asyncio.ensure_future(AppShell.device_racer())
        await asyncio.sleep(0)  # let the query go out
        theme.apply()
        faults.report_errors_on_this_page()
        shell = AppShell()
        await shell.pre_render(lookup)
        # Tab storage exists only once the browser tab has connected. A request that never
        # connects (a link preview, a script) is dropped here.
        client = ui.context.client
        try:
            await client.connected(timeout=app.config.reconnect_timeout)
        except ClientConnectionTimeout:
            return
        if client.is_deleted:
            return
        await faults.open_when_database_answers(shell.start)
        # After the racer chip, so that the chip is always the header's first button.
        devices.add_devices_button(beside=shell.chip_area)

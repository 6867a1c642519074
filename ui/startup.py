"""Wiring between NiceGUI's lifespan and the database."""

from contextlib import asynccontextmanager

from nicegui import app

from services import database

# NiceGUI's own lifespan, captured once: main.py may be executed several times in one process
# (the test fixtures do), and each run must wrap the original, not the previous wrapper.
_NICEGUI_LIFESPAN = app.router.lifespan_context


def connect_database_before_serving(database_url: str) -> None:
    """Open the database before NiceGUI starts and close it after NiceGUI stops.

    NiceGUI starts async ``on_startup`` handlers without awaiting them, so a request could
    arrive before the database is ready; a lifespan completes before the first request.
    """

    @asynccontextmanager
    async def lifespan(asgi_app):
        await database.connect(database_url)
        try:
            async with _NICEGUI_LIFESPAN(asgi_app) as state:
                yield state
        finally:
            await database.disconnect()

    app.router.lifespan_context = lifespan

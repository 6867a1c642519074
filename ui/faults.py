"""What a page says when something fails: never nothing.

A racer's own mistake (a ``PitboxError``) shows its message. Anything else shows a short
message that nothing was saved (or that the database is unreachable or read-only), and NiceGUI
logs it with its traceback. A page that cannot reach the database when it opens says so and
retries until it can.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from nicegui import ui

from services import database
from services.errors import PitboxError

log = logging.getLogger("pitbox.faults")
RETRY_SECONDS = 5.0


def report_errors_on_this_page() -> None:
    """Show every error raised by this page's handlers (NiceGUI logs the traceback)."""

    async def report(error: Exception) -> None:
        if isinstance(error, PitboxError):
            message, kind = str(error), "warning"
        else:
            message, kind = await database.explain_failure(error), "negative"
        ui.notify(message, type=kind, position="top", timeout=6000, classes="below-header",
                  multi_line=True)  # fmt: skip

    ui.on_exception(report)


async def open_when_database_answers(start: Callable[[], Awaitable[None]]) -> None:
    """Run ``start``; if it fails because the database is unreachable, say so and retry."""
    try:
        await start()
    except Exception as error:
        if isinstance(error, PitboxError) or await database.ping():
            raise
        log.warning("The database cannot be reached: %s", error)
        _wait_for_database()


def _wait_for_database() -> None:
    with (
        ui.dialog().props('persistent aria-label="The database cannot be reached"') as dialog,
        ui.card().classes("pit-card max-w-md items-center text-center gap-3").mark("db-down"),
    ):
        ui.icon("cloud_off", size="48px").classes("text-red-800")
        ui.label("The database cannot be reached").classes("text-lg font-bold")
        ui.label(
            f"Pitbox tries again every {RETRY_SECONDS:.0f} seconds and opens by itself when it "
            "answers. Nothing you saved is lost."
        ).classes("text-slate-700")
        ui.spinner(size="32px")
    dialog.open()

    async def retry() -> None:
        if await database.ping():
            timer.deactivate()
            ui.navigate.reload()

    timer = ui.timer(RETRY_SECONDS, retry)

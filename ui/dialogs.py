"""Small UI helpers shared by the panels: one-shot dialogs and buttons that run once at a time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui
from nicegui.events import ClickEventArguments


async def ask(dialog: ui.dialog) -> Any:
    """Open a one-shot dialog, wait for its answer (None if dismissed), then remove it."""
    client = dialog.client
    result = await dialog
    # The page may have closed while the dialog was open: then it is already gone.
    if not client.is_deleted and not dialog.is_deleted:
        dialog.delete()
    return result


def once_at_a_time(
    handler: Callable[[], Awaitable[None]],
) -> Callable[[ClickEventArguments], Awaitable[None]]:
    """A click handler whose button shows a spinner and ignores taps until it has finished.

    A gloved double tap must not start two sessions or add the same car twice.
    """

    # No functools.wraps: NiceGUI reads the signature to decide whether to pass the event.
    async def run(event: ClickEventArguments) -> None:
        button = event.sender
        if button.props.get("loading"):
            return
        button.props("loading")
        try:
            await handler()
        finally:
            if not button.is_deleted:
                button.props(remove="loading")

    return run

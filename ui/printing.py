"""A printable setup sheet: racers pin paper sheets in the pits.

The sheet opens full screen with a Print button; the print style sheet (``ui/theme.py``) prints
only the sheet, in black on white, on one page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nicegui import ui

from ui.components import ask
from ui.setup_sheet import setup_table


async def print_sheet(
    *, title: str, subtitle: str, values: Mapping[str, Any], extra: list[str] | None = None
) -> None:
    """Show a setup sheet ready to print (or to save as PDF from the print dialog)."""
    with ui.dialog().props("maximized") as dialog:
        with (
            ui.card()
            .classes("w-full h-full p-0 bg-white no-shadow")
            .props(f'role=dialog aria-label="Setup sheet of {title}"')
            .mark("print-view")
        ):
            with ui.row().classes("w-full items-center no-wrap px-3 py-2 no-print border-b"):
                ui.button(icon="close", on_click=dialog.close).props(
                    'flat round aria-label="Close the sheet"'
                ).classes("tap")
                ui.label("Setup sheet").classes("font-bold grow")
                ui.button(
                    "Print", icon="print", on_click=lambda: ui.run_javascript("window.print()")
                ).classes("tap").mark("print-now")
            with ui.scroll_area().classes("grow w-full"):
                with ui.column().classes("print-sheet w-full max-w-3xl mx-auto p-4 gap-1"):
                    ui.label(title).classes("text-2xl font-bold")
                    ui.label(subtitle).classes("text-slate-800")
                    for line in extra or []:
                        ui.label(line).classes("text-slate-800")
                    setup_table(values, marker="print")
    await ask(dialog)

"""A printable setup sheet: racers pin paper sheets in the pits.

The sheet opens full screen with a Print button; the print style sheet (``ui/theme.py``) prints
only the sheet, in black on white, on one page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nicegui import ui

from ui.components import FullScreenDialog, ask
from ui.setup_sheet import setup_table


async def print_sheet(
    *, title: str, subtitle: str, values: Mapping[str, Any], extra: list[str] | None = None
) -> None:
    """Show a setup sheet ready to print (or to save as PDF from the print dialog)."""
    dialog = FullScreenDialog(title, subtitle="Setup sheet", marker="print-view",
                              close_label="Close the sheet")  # fmt: skip
    with dialog.header:
        ui.button(
            "Print", icon="print", on_click=lambda: ui.run_javascript("window.print()")
        ).classes("tap").mark("print-now")
    dialog.card.classes(replace="w-full h-full p-0 bg-white no-shadow gap-0")
    with dialog.body.classes(add="print-sheet"):
        ui.label(title).classes("text-2xl font-bold")
        ui.label(subtitle).classes("text-slate-800")
        for line in extra or []:
            ui.label(line).classes("text-slate-800")
        setup_table(values, marker="print")
    await ask(dialog)

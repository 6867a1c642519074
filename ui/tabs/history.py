"""History tab (being built)."""

from __future__ import annotations

from ui.components import empty_state
from ui.tabs.context import Panel


class HistoryPanel(Panel):
    async def build(self) -> None:
        empty_state(
            "history",
            "History",
            "Past sessions with their setups and changes, and two setups side by side.",
            marker="history-coming",
        )

"""The advisor tab (being built)."""

from __future__ import annotations

from ui.components import empty_state
from ui.tabs.context import Panel


class AdvisorPanel(Panel):
    async def build(self) -> None:
        empty_state(
            "forum",
            "The advisor",
            "Tell it what the car is doing wrong and it proposes setup changes with its reasoning.",
            marker="advisor-coming",
        )

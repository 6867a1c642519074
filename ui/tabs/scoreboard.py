"""Lap times tab (being built)."""

from __future__ import annotations

from ui.components import empty_state
from ui.tabs.context import Panel


class ScoreboardPanel(Panel):
    async def build(self) -> None:
        empty_state(
            "timer",
            "Lap times",
            "Best lap, average and consistency for every run and heat.",
            marker="scoreboard-coming",
        )

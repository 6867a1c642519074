"""The racer's loop as tabs: one module per tab, and the registry the shell loops over.

Adding a tab is one line here and one module beside this file.
"""

from __future__ import annotations

from dataclasses import dataclass

from ui.tabs.advisor import AdvisorPanel
from ui.tabs.context import Panel, TabContext
from ui.tabs.event import EventPanel
from ui.tabs.garage import GaragePanel
from ui.tabs.history import HistoryPanel
from ui.tabs.scoreboard import ScoreboardPanel
from ui.tabs.setup import SetupPanel


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    icon: str
    panel: type[Panel]


TABS: tuple[Tab, ...] = (
    Tab("garage", "Garage", "garage", GaragePanel),
    Tab("event", "Event", "flag", EventPanel),
    Tab("setup", "Setup", "tune", SetupPanel),
    Tab("advisor", "Advisor", "forum", AdvisorPanel),
    Tab("scoreboard", "Scoreboard", "timer", ScoreboardPanel),
    Tab("history", "History", "history", HistoryPanel),
)

__all__ = ["TABS", "Panel", "Tab", "TabContext"]

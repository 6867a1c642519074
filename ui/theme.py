"""Colours, type and shared styles: high contrast for sunlight, 48 px touch targets."""

from nicegui import ui

PRIMARY = "#C2410C"  # burnt orange: 5.2:1 against white
INK = "#0F172A"

CSS = """
body { background: #F1F5F9; color: #0F172A; }
.tap { min-width: 48px; min-height: 48px; }
.pit-card { border-radius: 14px; }
.avatar { width: 48px; height: 48px; border-radius: 9999px; display: flex; align-items: center;
          justify-content: center; font-weight: 700; font-size: 1.05rem; color: white;
          background: #475569; flex-shrink: 0; }
.avatar.default { background: #C2410C; }
.q-tab__label { font-size: 0.82rem; font-weight: 600; }
.below-header { margin-top: 64px; }
.q-field__messages { font-size: 0.8rem; }
"""


def apply() -> None:
    ui.colors(primary=PRIMARY, secondary="#1E293B", accent="#0369A1", dark=INK)
    ui.add_css(CSS)

"""Colours, type and shared styles: high contrast for sunlight, 48 px touch targets."""

from pathlib import Path

from nicegui import app, ui

from ui import browser
from ui.components import SHEET_CSS

# Tailwind's classes, compiled at build time (scripts/build-css.sh): the browser loads one small
# stylesheet instead of running Tailwind's compiler at every page load and after every change
# that brings new classes onto the page (which restyled the whole page, a dialog's first
# opening included).
TAILWIND_CSS = Path(__file__).parent / "static" / "tailwind.css"

PRIMARY = "#C2410C"  # burnt orange: 5.2:1 against white
INK = "#0F172A"
BACKGROUND = "#F1F5F9"  # the page behind the cards (also the installed app's splash screen)

CSS = (
    f"body {{ background: {BACKGROUND}; color: {INK}; }}\n"
    + """
.tap { min-width: 48px; min-height: 48px; }
.pit-card { border-radius: 14px; }
.avatar { width: 48px; height: 48px; border-radius: 9999px; display: flex; align-items: center;
          justify-content: center; font-weight: 700; font-size: 1.05rem; color: white;
          background: #475569; flex-shrink: 0; }
.avatar.default { background: #C2410C; }
.q-tab__label { font-size: 0.82rem; font-weight: 600; }
.below-header { margin-top: 64px; }
/* One message at a time: the one replaced goes at once instead of fading under the new one. */
.q-notification--top-leave-active { transition: none !important; opacity: 0 !important; }
.q-field__messages { font-size: 0.8rem; }
.pre-line { white-space: pre-line; }
/* The setup sheet: a row per parameter, drift marked in amber with the reference value. */
.setup-row { padding: 2px 4px; border-left: 4px solid transparent; border-radius: 6px; }
.setup-row.drifted { border-left-color: #B45309; background: #FFFBEB; }
.ref-note { font-size: 0.85rem; color: #78350F; padding-left: 12px; min-height: 0; }
.ref-note:empty { display: none; }
.stepper { margin-top: 4px; }
.setup-grid { display: grid; grid-template-columns: 1fr; gap: 8px 16px; }
@media (min-width: 768px) { .setup-grid { grid-template-columns: 1fr 1fr; } }
.sheet-group { font-weight: 700; margin-top: 10px; color: #0F172A; }
.sheet-grid { display: grid; grid-template-columns: minmax(8rem, 1fr) 2fr; gap: 2px 12px;
              border-top: 1px solid #CBD5E1; padding-top: 4px; }
.sheet-label { color: #334155; }
.sheet-value { color: #000; font-weight: 700; font-variant-numeric: tabular-nums; }
.sheet-value.changed { color: #7C2D12; }
/* The main action of a long form stays within the thumb's reach. */
.sticky-action { position: sticky; bottom: 0; z-index: 2; background: white; padding: 8px 0; }
.sticky-top { position: sticky; top: 0; z-index: 2; }
.sticky-bottom { position: sticky; bottom: 0; z-index: 2; }
/* One thumb on a phone: the racer is switched from the bottom bar, beside the tabs. */
.notice-area:empty { display: none; }
.thumb-racer { display: none; }
.thumb-racer .avatar { width: 30px !important; height: 30px !important; font-size: 0.8rem; }
@media (max-width: 599px), (max-height: 500px) {
  .nicegui-content { padding: 8px 4px; }
  .thumb-racer { display: flex; border-right: 1px solid #CBD5E1; }
  .q-footer .q-tab { padding: 0 2px; min-width: 0; }
  .q-footer .q-tab__label { font-size: 0.74rem; }
}
/* A phone on its side: the header goes (the racer is in the bottom bar) and the tabs put
   their labels beside their icons, so that the screen is left to the content. */
@media (max-height: 500px) and (orientation: landscape) and (pointer: coarse) {
  .q-header { display: none; }
  .q-footer .q-tab { min-height: 48px; }
  .q-footer .q-tab__content { flex-direction: row; gap: 6px; min-width: 0; }
  .q-footer .q-tab__icon { font-size: 20px; }
  .thumb-racer button .q-btn__content { flex-direction: row; gap: 6px; }
}
@media print {
  .q-layout, .q-header, .q-footer, .no-print, .q-notifications { display: none !important; }
  .q-dialog__backdrop { display: none !important; }
  .q-dialog__inner { position: static !important; padding: 0 !important; }
  .q-scrollarea, .q-scrollarea__container, .q-scrollarea__content {
    position: static !important; height: auto !important; overflow: visible !important; }
  .print-sheet { max-width: none !important; padding: 0 !important; font-size: 11pt; }
  body { background: white !important; }
}
"""
)


def apply() -> None:
    ui.add_css(CSS + SHEET_CSS)
    # Sentence case reads faster than capitals on a small screen.
    ui.button.default_props("no-caps")
    browser.install()


def register() -> None:
    """Serve the compiled Tailwind stylesheet and link it from every page, and set the colours
    of every page (once, at startup): in the page's HTML, not an element each page builds.

    The stylesheet's address carries its hash, so a phone's cached copy is never stale.
    """
    # Darker than Quasar's defaults so white text on them reads in sunlight (WCAG AA or better).
    app.colors(
        primary=PRIMARY,
        secondary="#1E293B",
        accent="#0369A1",
        dark=INK,
        positive="#166534",
        negative="#B91C1C",
        info="#1E40AF",
    )
    address = browser.serve(TAILWIND_CSS, "/tailwind.css")
    ui.add_head_html(f'<link rel="stylesheet" href="{address}">', shared=True)

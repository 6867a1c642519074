"""Pieces every tab uses: dialogs that ask once, buttons that run once at a time, the avatar,
the empty state and the confirm dialog."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Iterable
from html import escape
from typing import Any, NamedTuple, TypeVar

from nicegui import ui
from nicegui.element import Element
from nicegui.events import ClickEventArguments

from models import SetupChange
from models.setup_sheet import PARAMETERS_BY_KEY
from services.results import ChangeOutcome, Verdict

E = TypeVar("E", bound=Element)

# (text, background, chart line) per verdict; text on background is at least 7:1 (AAA).
VERDICT_STYLE = {
    Verdict.FASTER: ("text-green-900", "bg-green-100", "#15803D"),
    Verdict.SLOWER: ("text-red-900", "bg-red-100", "#B91C1C"),
    Verdict.NO_DIFFERENCE: ("text-slate-900", "bg-slate-200", "#475569"),
    Verdict.TOO_FEW_LAPS: ("text-amber-950", "bg-amber-100", "#92400E"),
}
VERDICT_ICON = {
    Verdict.FASTER: "trending_down",
    Verdict.SLOWER: "trending_up",
    Verdict.NO_DIFFERENCE: "trending_flat",
    Verdict.TOO_FEW_LAPS: "hourglass_empty",
}


def describe(change: SetupChange) -> str:
    """ "Shock oil (Front): 450 cSt → 500 cSt"."""
    parameter = PARAMETERS_BY_KEY.get(change.parameter)
    if parameter is None:
        return f"{change.parameter}: {change.old_value} → {change.new_value}"
    return (
        f"{parameter.label} ({parameter.group}): "
        f"{parameter.format(change.old_value)} → {parameter.format(change.new_value)}"
    )


def verdict(outcome: ChangeOutcome, *, marker: str) -> None:
    """Did the change work: the verdict in its colour, and the laps behind it."""
    text, background, _ = VERDICT_STYLE[outcome.verdict]
    with (
        ui.row()
        .classes(f"items-center gap-2 no-wrap rounded px-2 py-1 {background} {text}")
        .mark(marker)
    ):
        ui.icon(VERDICT_ICON[outcome.verdict], size="22px").props('aria-hidden="true"')
        ui.label(outcome.label).classes("font-bold")
    if outcome.summary:
        ui.label(outcome.summary).classes("text-sm text-slate-900 tabular-nums")


async def ask(dialog: ui.dialog) -> Any:
    """Open a one-shot dialog, wait for its answer (None if dismissed), then remove it."""
    client = dialog.client
    result = await dialog
    # The page may have closed while the dialog was open: then it is already gone.
    if not client.is_deleted and not dialog.is_deleted:
        dialog.delete()
    return result


def submit_on_enter(button: ui.button, *fields: ui.input) -> None:
    """Enter, or "Go" on a phone's keyboard, in any of the fields taps the button: the same
    handler, the same guard against a double tap. Text areas keep Enter for new lines."""
    for field in fields:
        if isinstance(field, ui.textarea):
            continue
        field.props("enterkeyhint=go")
        field.on("keydown.enter", js_handler=f"() => getHtmlElement({button.id})?.click()")


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


def named_dialog(name: str) -> ui.dialog:
    """A dialog named for screen readers (Quasar's dialog element has the dialog role)."""
    return named(ui.dialog(), name)


_BUTTON_LOOKS = {
    "outline": "q-btn--outline q-btn--rectangle text-primary",
    "round": "q-btn--flat q-btn--round text-grey-9",
}


def light_button(label: str | None, icon: str, *, on_click: Callable, look: str) -> ui.html:
    """A button with ``ui.button``'s look (Quasar's own classes: focus, hover, the outline) as
    a plain ``<button>``, without a Vue component behind it: for buttons repeated in lists that
    are drawn again at every switch of racer (the garage's cars). ``label`` is escaped; ``look``
    is "outline" or "round" (an icon only: name it with ``named``)."""
    text = f'<span class="block">{escape(label)}</span>' if label else ""
    side = " on-left" if label else ""
    button = ui.html(
        '<span class="q-focus-helper"></span>'
        '<span class="q-btn__content text-center col items-center q-anchor--skip justify-center '
        f'row"><i class="q-icon notranslate material-icons{side}" aria-hidden="true">{icon}</i>'
        f"{text}</span>",
        sanitize=False,  # only the escaped label is not ours
        tag="button",
    )
    button.classes(
        "q-btn q-btn-item non-selectable no-outline q-btn--actionable q-focusable q-hoverable "
        f"q-btn--no-uppercase {_BUTTON_LOOKS[look]}"
    ).props("type=button")
    button.on("click", on_click)
    return button


class Sheet(ui.element):
    """A dialog over the whole page that stays built while closed, only hidden.

    For what a racer opens often and that holds many elements (the racer selector): opening it
    changes one class in the browser instead of mounting a dialog and its content, so it shows
    about as fast as a label changes. It behaves as a dialog: it has the role and a name, it
    takes the focus and gives it back (``ui/static/pitbox.js``), Escape, the phone's Back
    button and a tap beside the content close it. Dialogs opened from it show above it.
    """

    def __init__(self, name: str) -> None:
        super().__init__("div")
        named(self.classes("pit-sheet"), name).props('role=dialog aria-modal=true tabindex="-1"')
        self.set_visibility(False)
        # A tap on the dimmed page around the content, as on a dialog's backdrop (Escape and
        # Back "tap" it too, in ui/static/pitbox.js).
        self.on("click", self.close, js_handler="(e) => e.target === e.currentTarget && emit()")

    @property
    def value(self) -> bool:
        """Whether it is open, as ``ui.dialog.value``."""
        return self.visible

    def open(self) -> None:
        self.set_visibility(True)

    def close(self) -> None:
        self.set_visibility(False)


# What is open over the page, for the browser tests and the benchmark: Quasar's dialogs, and
# sheets that are not hidden.
OPEN_DIALOGS = ".q-dialog, .pit-sheet:not(.hidden)"

SHEET_CSS = """
.pit-sheet { position: fixed; inset: 0; z-index: 5000; overflow-y: auto;
             overscroll-behavior: contain; background: rgb(15 23 42 / 0.5);
             display: flex; justify-content: center; align-items: flex-start; padding: 12px; }
.pit-sheet:focus { outline: none; }
/* Closed, a sheet stays laid out, only invisible (and out of reach of taps, the keyboard and
   screen readers): opening it is a paint, not a layout of everything it holds. In a layer
   above Quasar's `.hidden { display: none !important }`. */
@layer overrides {
  .pit-sheet.hidden { display: flex !important; visibility: hidden; pointer-events: none; }
}
"""


def dialog_card(title: str, *, marker: str, wide: bool = False) -> tuple[ui.dialog, ui.card]:
    """A dialog with a titled card, named for screen readers by its title."""
    with named_dialog(title) as dialog:
        card = (
            ui.card().classes(f"w-full {'max-w-3xl' if wide else 'max-w-md'} pit-card").mark(marker)
        )
        with card:
            ui.label(title).classes("text-lg font-bold")
    return dialog, card


class FullScreenDialog(ui.dialog):
    """A dialog over the whole phone screen: a header with a close button and a title, a
    scrolling body (``body``), and an optional bar of actions at the bottom (``footer()``)."""

    def __init__(
        self, title: str, *, subtitle: str | None = None, marker: str, close_label: str = "Close"
    ) -> None:
        super().__init__()
        self.props("maximized")
        named(self, title)  # Quasar's dialog element has the dialog role
        with (
            self,
            ui.card()
            .classes("w-full h-full p-0 bg-slate-100 no-shadow gap-0")
            .mark(marker) as self.card,
        ):
            with ui.row().classes(
                "w-full items-center no-wrap px-3 py-2 bg-white sticky-top no-print"
            ) as self.header:
                close = ui.button(icon="close", on_click=self.close).props("flat round")
                named(close, close_label).classes("tap")
                with ui.column().classes("gap-0 min-w-0 grow"):
                    if subtitle:
                        ui.label(subtitle).classes("text-sm text-slate-700")
                    ui.label(title).classes("font-bold truncate")
            with ui.scroll_area().classes("grow w-full"):
                self.body = ui.column().classes("w-full max-w-3xl mx-auto p-3 gap-2")

    def footer(self) -> ui.row:
        """The bar of actions under the body, always within the thumb's reach."""
        with self.card, ui.element("div").classes("w-full p-3 bg-white sticky-bottom no-print"):
            return ui.row().classes("w-full max-w-3xl mx-auto justify-end gap-2 no-wrap")


def named(element: E, name: str) -> E:
    """Give an element its accessible name. Set as a value, never inside a props string: a
    racer's text may hold any quote."""
    element.props["aria-label"] = name
    return element


async def confirm(
    title: str,
    lines: list[str] | str,
    *,
    action: str,
    cancel: str = "Cancel",
    danger: bool = False,
    marker: str = "confirm",
) -> bool:
    """Ask a yes/no question in a dialog; True when the racer taps ``action``."""
    dialog, card = dialog_card(title, marker=f"{marker}-dialog")
    with card:
        for line in [lines] if isinstance(lines, str) else lines:
            ui.label(line).classes("text-slate-800")
        with ui.row().classes("w-full justify-end gap-2 mt-2"):
            ui.button(cancel, on_click=dialog.close).props("flat").classes("tap").mark(
                f"{marker}-cancel"
            )
            ui.button(
                action,
                color="negative" if danger else "primary",
                on_click=lambda: dialog.submit(True),
            ).classes("tap").mark(f"{marker}-ok")
    return bool(await ask(dialog))


def avatar(initials: str, is_default: bool, *, small: bool = False) -> ui.label:
    """A racer's initials in a circle; the default racer's is orange."""
    label = ui.label(initials).classes("avatar" + (" default" if is_default else ""))
    if small:
        label.style("width:36px;height:36px;font-size:0.9rem")
    return label.props('aria-hidden="true"')


def empty_state(icon: str, title: str, text: str, *, marker: str | None = None) -> ui.card:
    """A card that says why a place is empty and what to do; add an action button inside."""
    card = ui.card().classes("w-full pit-card items-center text-center py-8 px-4 gap-2")
    if marker:
        card.mark(marker)
    with card:
        ui.icon(icon, size="48px").classes("text-slate-500")
        ui.label(title).classes("text-lg font-bold")
        ui.label(text).classes("text-slate-700 max-w-md")
    return card


def plural(count: int, word: str) -> str:
    """ "1 car", "3 cars"."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def section_title(text: str) -> ui.label:
    return ui.label(text).classes("text-lg font-bold px-1")


class Keyed(NamedTuple):
    """One entry of a ``KeyedList``: its identity, what it shows, and how to build it."""

    key: Hashable
    look: Hashable  # rebuilt only when this changes (e.g. the record's id and update time)
    build: Callable[[], Any]


class KeyedList(ui.column):
    """A column whose entries are kept between updates: ``show`` builds only the entries that
    are new or look different and moves the others into place. A saved heat adds one card
    instead of rebuilding every heat of the day."""

    def __init__(self) -> None:
        super().__init__()
        self._entries: dict[Hashable, tuple[Hashable, ui.element]] = {}

    def element(self, key: Hashable) -> ui.element | None:
        """The element shown for ``key``, if any."""
        kept = self._entries.get(key)
        return None if kept is None else kept[1]

    def show(self, entries: Iterable[Keyed]) -> None:
        """Show these entries in this order; each ``build`` creates one element in the list."""
        wanted: list[ui.element] = []
        for entry in entries:
            kept = self._entries.get(entry.key)
            if kept is None or kept[0] != entry.look:
                if kept is not None:
                    kept[1].delete()
                with self:
                    element = entry.build()
                self._entries[entry.key] = (entry.look, element)
            wanted.append(self._entries[entry.key][1])
        keep = {id(element) for element in wanted}
        for key, (_, element) in list(self._entries.items()):
            if id(element) not in keep:
                element.delete()
                del self._entries[key]
        children = self.default_slot.children
        if children != wanted:  # reorder only when the order changed
            children[:] = wanted
            self.update()

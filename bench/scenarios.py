"""What the benchmark measures: each interaction a racer waits for, and the floor beside it.

A scenario finds what it taps by marker (``.mark()`` in ``ui/``) and says, as a JavaScript
condition on the page, what the racer waits to see. A scenario whose markers are not on the
page is skipped with a note naming them, so the Setup and Scoreboard tabs join the table as
soon as their elements carry the markers listed here.

Conditions read text, not layout: the header (``.q-header``) and the page body
(``.q-page-container``) are NiceGUI's layout and stay whatever the tabs look like.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.browser import BenchError, Measurement, Phone
from ui.components import OPEN_DIALOGS

FLOOR_PATH = "/bench/floor"  # NiceGUI's default page, with its Tailwind runtime
FLOOR_LEAN_PATH = "/bench/floor-lean"  # the same without it, as Pitbox runs

SHOWS_IN_HEADER_AND_PAGE = """(name) =>
  document.querySelector('.q-header')?.textContent.includes(name) &&
  document.querySelector('.q-page-container')?.textContent.includes(name)"""

SHOWS_IN_HEADER = """(name) => document.querySelector('.q-header')?.textContent.includes(name)"""

SHOWS_IN_DIALOG = (
    """(names) => {
  const text = [...document.querySelectorAll('"""
    + OPEN_DIALOGS
    + """')].map(d => d.textContent).join(' ');
  return names.every(name => text.includes(name));
}"""
)

SHOWS_IN_PAGE = """(text) =>
  document.querySelector('.q-page-container')?.textContent.includes(text)"""

FLOOR_LABEL_IS = """(text) => document.querySelector('.floor-label')?.textContent === text"""


@dataclass
class Racer:
    id: int
    name: str
    in_session: bool = False


@dataclass
class AppState:
    """What the benchmark knows of the app tab it drives."""

    racers: list[Racer]
    current: Racer
    turn: int = 0

    def next_racer(self) -> Racer:
        """A fixed walk over the racers without a session that never lands on the current one.

        Leaving a racer in the middle of a session asks first (a second tap); the benchmark's
        switch is the single tap.
        """
        quiet = [r for r in self.racers if not r.in_session] or self.racers
        while True:
            self.turn += 1
            racer = quiet[(self.turn * 7) % len(quiet)]
            if racer.id != self.current.id or len(quiet) == 1:
                return racer


class Floor:
    """The bare NiceGUI page in a tab of its own: one label changed by a click, and its first
    render (``path``: NiceGUI's default page, or the same without the Tailwind runtime)."""

    def __init__(self, phone: Phone, path: str = FLOOR_PATH) -> None:
        self.phone = phone
        self.path = path
        self.taps = 0

    async def click(self) -> Measurement:
        self.taps += 1
        return await self.phone.measure_tap_at(".floor-button", FLOOR_LABEL_IS, str(self.taps))

    async def first_render(self) -> Measurement:
        """One navigation of this tab. Each floor page has its own tab, navigated once per
        round as the app's tab is: a second navigation of the same tab right after a first
        one is 15 to 25 ms faster, which would flatter whichever page is measured second."""
        self.taps = 0
        return await self.phone.measure_navigation(self.path, FLOOR_LABEL_IS, "0")


@dataclass
class Scenario:
    key: str
    title: str
    floor: str  # "click" or "first_render": the floor interaction it is compared with
    needs: tuple[str, ...] = ()  # markers that must be on the page (after prepare)
    # A tab of its own: a scenario that loads a session into its tab would make every later
    # switch in that tab ask first.
    own_tab: bool = False

    async def prepare(self, app: Phone, state: AppState) -> str | None:
        """Get the tab ready; return why the scenario cannot run here, or None."""
        missing = [m for m in self.needs if not await app.find(m)]
        if missing:
            return f"markers not on the page: {', '.join(missing)}"
        return None

    async def sample(self, app: Phone, state: AppState, index: int) -> Measurement:
        raise NotImplementedError


class OpenSelector(Scenario):
    def __init__(self) -> None:
        super().__init__(
            "selector", "open the racer selector (every card painted)", "click", ("racer-chip",)
        )

    async def sample(self, app: Phone, state: AppState, index: int) -> Measurement:
        names = [r.name for r in state.racers]
        return await app.measure_tap("racer-chip", SHOWS_IN_DIALOG, names)


class SwitchRacer(Scenario):
    def __init__(self) -> None:
        super().__init__(
            "switch", "tap a racer card (new name and tab content painted)", "click",
            ("racer-chip",),
        )  # fmt: skip

    async def sample(self, app: Phone, state: AppState, index: int) -> Measurement:
        target = state.next_racer()
        await _open_selector(app, target)
        try:
            measurement = await app.measure_tap(
                f"switch-to-{target.id}", SHOWS_IN_HEADER_AND_PAGE, target.name
            )
        except BenchError:
            if await _visible(app, "confirm-switch"):
                raise BenchError(
                    f"switching from {state.current.name} asked first: the benchmark expects "
                    "a racer without a session or unsaved input"
                ) from None
            raise
        state.current = target
        return measurement


async def _open_selector(app: Phone, target: Racer) -> None:
    """The selector open with the target's card (not measured)."""
    if not await _visible(app, f"switch-to-{target.id}"):
        await app.tap("racer-chip")
        await app.page.wait_for_function(SHOWS_IN_DIALOG, arg=[target.name])
        await app.settle()


async def switch_to(app: Phone, state: AppState, target: Racer) -> None:
    """Switch the tab to ``target``, confirming a warning if one comes (not measured)."""
    await _open_selector(app, target)
    await app.tap(f"switch-to-{target.id}")
    await app.settle()
    if await _visible(app, "confirm-switch"):
        await app.tap("confirm-switch")
    await app.page.wait_for_function(SHOWS_IN_HEADER_AND_PAGE, arg=target.name)
    await app.settle()
    state.current = target


class FirstRender(Scenario):
    def __init__(self) -> None:
        super().__init__(
            "first_render", "first render (navigation until the racer is in the header)",
            "first_render",
        )  # fmt: skip

    async def sample(self, app: Phone, state: AppState, index: int) -> Measurement:
        return await app.measure_navigation("/", SHOWS_IN_HEADER, state.current.name)


class FormSave(Scenario):
    """Open a tab, type into fields, tap save, wait until the saved value shows on the page.

    Declared by markers only: ``tab`` opens the tab, ``opens`` (if given) unfolds the part of
    it that holds the fields, ``fields`` maps markers to the text typed (``{n}`` is replaced
    per sample), ``submit`` saves, and ``shows`` is the text that must then appear as text in
    the page body (typed values sit in inputs, which are not text, so it is what the tab shows
    after saving).
    """

    def __init__(
        self, key: str, title: str, *, tab: str, fields: dict[str, str], submit: str, shows: str,
        opens: str | None = None,
    ) -> None:  # fmt: skip
        needs = (tab, *([opens] if opens else []), *fields, submit)
        super().__init__(key, title, "click", needs, own_tab=True)
        self.tab = tab
        self.opens = opens
        self.fields = fields
        self.submit = submit
        self.shows = shows

    async def prepare(self, app: Phone, state: AppState) -> str | None:
        if not await app.find(self.tab):
            return f"markers not on the page: {self.tab}"
        if not state.current.in_session:  # these tabs work on the racer's session
            racer = next((r for r in state.racers if r.in_session), None)
            if racer is None:
                return "no racer in the middle of a session (seed at least two racers)"
            await switch_to(app, state, racer)
        await app.tap(self.tab)
        await app.settle()
        return await super().prepare(app, state)

    async def sample(self, app: Phone, state: AppState, index: int) -> Measurement:
        n = 11 + index % 80
        for marker, text in self.fields.items():
            field = await app.field(marker)
            if self.opens and not await app.page.locator(field).first.is_visible():
                await app.page.tap(f"{await app.selector(self.opens)} .q-item")
            await app.page.fill(field, text.format(n=n))
        await app.settle()
        return await app.measure_tap(self.submit, SHOWS_IN_PAGE, self.shows.format(n=n))


def scenarios() -> list[Scenario]:
    """Every interaction in the table, in the order of a round."""
    return [
        OpenSelector(),
        SwitchRacer(),
        FirstRender(),
        # Declared by the markers of ui/tabs/setup.py and ui/tabs/scoreboard.py; skipped with
        # a note if those markers change.
        FormSave(
            "setup_edit", "a setup edit in the Setup tab (new value shown)",
            tab="tab-setup", opens="twin-editor", fields={"twin.front_shock_oil": "6{n}"},
            submit="twin-save", shows="6{n}",
        ),
        FormSave(
            "heat_save", "save a pasted heat of laps (best lap shown)",
            tab="tab-scoreboard",
            fields={"scoreboard.heat.laps_text": "1 31.2{n}\n2 30.8{n}\n3 29.4{n}\n4 30.1{n}"},
            submit="save-heat", shows="29.4{n}",
        ),
    ]  # fmt: skip


async def _visible(app: Phone, marker: str) -> bool:
    for dom_id in await app.find(marker):
        if await app.page.locator(f"#{dom_id}").is_visible():
            return True
    return False

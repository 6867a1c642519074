"""Advisor tab: a one-hand debrief (what the car does, where, how it felt) and the conversation
with the advisor, whose proposals wait as pending changes in the Setup tab.

Everything shown is plain text: a racer's note appears exactly as typed, never as HTML.
"""

from __future__ import annotations

from nicegui import ui

from models import ChangeStatus, MessageRole
from models.advisor_rules import rule_book
from services import debriefs, sessions
from services.debriefs import DebriefSetting, ProposalView, ThreadMessage
from services.errors import PitboxError, ValidationError
from ui.components import once_at_a_time, plural
from ui.forms import DraftKeeper
from ui.tabs.context import Panel

DEBRIEF_FORM = "advisor.debrief"
FEEL_WORDS = {1: "Awful", 2: "Poor", 3: "OK", 4: "Good", 5: "Great"}
STATUS_WORDS = {
    ChangeStatus.PENDING: "Waiting for you in Setup",
    ChangeStatus.ACCEPTED: "Accepted",
    ChangeStatus.DENIED: "Denied",
}
_SMALL_TITLE = "text-xs font-bold uppercase tracking-wide text-slate-600 pt-1"


class AdvisorPanel(Panel):
    watches = frozenset({"session", "setup", "racer"})
    show_answer = False

    async def build(self) -> None:
        active = await sessions.active_session(self.ctx.racer.id)
        if active is None:
            self.no_session(
                "forum",
                "Start a session on the Event tab. After each run, tap here what the car did "
                "wrong and the advisor suggests setup changes, each with its source.",
                marker="advisor-no-session",
            )
            return
        racer_id = self.ctx.racer.id
        setting = await debriefs.debrief_setting(racer_id, active.id)
        thread = await debriefs.conversation(racer_id, active.id)
        self.session_id = active.id
        self.keeper = DraftKeeper(self.ctx, f"{DEBRIEF_FORM}:{active.id}")
        draft = self.keeper.draft
        known = {s.key for s in rule_book().symptoms}
        self.picked = {k for k in draft.get("symptoms") or () if k in known}
        self.rating = draft.get("rating") if draft.get("rating") in FEEL_WORDS else None
        self.chips: dict[str, ui.button] = {}
        self.feel: dict[int, ui.button] = {}
        self._debrief(setting, str(draft.get("note") or ""))
        self._thread(thread)

    # --- the debrief ---------------------------------------------------------------------------

    def _debrief(self, setting: DebriefSetting, note: str) -> None:
        book = rule_book()
        with ui.card().classes("w-full pit-card gap-2").mark("debrief"):
            ui.label("What is the car doing?").classes("text-lg font-bold")
            ui.label(_setting_line(setting)).classes("text-sm text-slate-700 break-words").mark(
                "debrief-setting"
            )
            if setting.few_rounds_left:
                ui.label("Few practice rounds left: only quick, small changes.").classes(
                    "text-sm font-semibold text-amber-900"
                ).mark("few-rounds")
            for where, label in book.where:
                ui.label(label).classes(_SMALL_TITLE)
                with ui.row().classes("w-full gap-2"):
                    for symptom in (s for s in book.symptoms if s.where == where):
                        chip = (
                            ui.button(symptom.label,
                                      on_click=lambda _e, k=symptom.key: self._toggle(k))
                            .props("no-caps rounded unelevated")
                            .classes("tap px-3")
                            .mark(f"symptom-{symptom.key}")
                        )  # fmt: skip
                        self.chips[symptom.key] = chip
                        _paint(chip, symptom.key in self.picked)
            ui.label("How did it feel?").classes(_SMALL_TITLE)
            with ui.row().classes("w-full gap-2 no-wrap"):
                for value, word in FEEL_WORDS.items():
                    button = (
                        ui.button(str(value), on_click=lambda _e, v=value: self._rate(v))
                        .props(f'rounded unelevated aria-label="Feel {value} of 5: {word}"')
                        .classes("tap grow text-lg font-bold")
                        .mark(f"feel-{value}")
                    )
                    self.feel[value] = button
                    _paint(button, value == self.rating)
            with ui.row().classes("w-full justify-between text-xs text-slate-600 -mt-1 px-1"):
                ui.label("1 awful")
                ui.label("5 great")
            self.note = (
                ui.textarea("Note (optional)", value=note)
                .props(f"outlined autogrow maxlength={debriefs.NOTE_MAX_LENGTH}")
                .classes("w-full")
                .mark("debrief-note")
            )
            self.note.on_value_change(lambda _e: self._keep())
            self.note.on("blur", self.keeper.persist)
            self.keeper.keep_locally(self.note, "note")
            ui.button("Ask the advisor", icon="send", on_click=once_at_a_time(self.ask)).props(
                "unelevated no-caps"
            ).classes("tap w-full text-base").mark("ask-advisor")

    def _toggle(self, key: str) -> None:
        self.picked ^= {key}
        _paint(self.chips[key], key in self.picked)
        self._keep()

    def _rate(self, value: int) -> None:
        self.rating = None if self.rating == value else value
        for number, button in self.feel.items():
            _paint(button, number == self.rating)
        self._keep()

    def _keep(self) -> None:
        # Kept as typed: a locked phone or a dropped connection does not lose the debrief.
        self.keeper.keep(
            {"symptoms": sorted(self.picked), "rating": self.rating, "note": self.note.value}
        )

    async def ask(self) -> None:
        if not self.keeper.current:
            return  # the tab works as another racer now
        order = [s.key for s in rule_book().symptoms]
        self.note.error = None
        try:
            _, answer = await debriefs.ask_advisor(
                self.keeper.racer_id, self.session_id, [k for k in order if k in self.picked],
                note=self.note.value, rating=self.rating,
            )  # fmt: skip
        except ValidationError as exc:
            self.note.error = exc.errors.get("note")
            for key, message in exc.errors.items():
                if key != "note":
                    self.ctx.notify(message, type="warning")
            return
        except PitboxError as exc:
            self.ctx.notify(str(exc), type="warning")
            await self.ctx.refresh("session")
            return
        await self.keeper.submitted()
        self.show_answer = True
        count = len(answer.proposals)
        self.ctx.notify(
            f"{plural(count, 'change')} waiting for you in the Setup tab"
            if count
            else "The advisor answered: no new change",
            type="positive",
        )
        await self.ctx.refresh("setup")

    # --- the conversation ----------------------------------------------------------------------

    def _thread(self, thread: list[ThreadMessage]) -> None:
        if not thread:
            return
        ui.label("Conversation").classes("text-lg font-bold px-1 mt-1")
        answer = None
        with ui.column().classes("w-full gap-1").mark("advisor-thread"):
            for message in thread:  # oldest first
                if message.role == MessageRole.RACER:
                    self._racer_message(message)
                else:
                    answer = self._advisor_message(message)
        if self.show_answer and answer is not None:
            # The answer just asked for is at the bottom: bring it into view.
            ui.run_javascript(
                f'document.getElementById("c{answer.id}")'
                '?.scrollIntoView({behavior: "smooth", block: "start"})'
            )
        self.show_answer = False

    def _racer_message(self, message: ThreadMessage) -> None:
        with (
            ui.chat_message(name=self.ctx.racer.name, sent=True, stamp=_stamp(message))
            .classes("w-full")
            .props("bg-color=orange-1")
            .mark("racer-message")
        ):
            if message.symptoms:
                ui.label(", ".join(message.symptoms)).classes("font-semibold")
            if message.rating is not None:
                ui.label(f"Feel {message.rating}/5, {FEEL_WORDS.get(message.rating, '')}")
            if message.note:
                ui.label(message.note).classes("whitespace-pre-wrap break-words").mark("racer-note")

    def _advisor_message(self, message: ThreadMessage) -> ui.chat_message:
        with (
            ui.chat_message(name="Advisor", stamp=_stamp(message))
            .classes("w-full")
            .props("bg-color=white")
            .style("scroll-margin-top: 76px")  # clear of the header when scrolled to
            .mark("advisor-message") as bubble
        ):
            with ui.column().classes("gap-3 w-full"):
                if not message.proposals and not message.notes:
                    ui.label(message.content).classes("whitespace-pre-wrap break-words")
                for proposal in message.proposals:
                    self._proposal(proposal)
                for note in message.notes:
                    ui.label(note).classes("text-sm text-slate-700 break-words")
        return bubble

    def _proposal(self, p: ProposalView) -> None:
        with ui.column().classes("gap-1 w-full").mark(f"proposal-{p.change_id}"):
            ui.label(p.symptom_label).classes("text-xs font-bold uppercase text-slate-600")
            ui.label(f"{p.parameter_label}: {p.change}").classes("font-bold text-base")
            ui.label(p.reasoning).classes("break-words")
            ui.label(f"Source: {p.source}").classes("text-xs text-slate-700 break-words")
            if p.why_ranked:
                with ui.row().classes("items-start gap-1 no-wrap"):
                    ui.icon("thumb_up", size="18px").classes("text-green-800 mt-0.5")
                    ui.label(p.why_ranked).classes("text-sm text-green-900")
            if p.disagreement:
                with ui.row().classes("items-start gap-1 no-wrap"):
                    ui.icon("call_split", size="18px").classes("text-amber-800 mt-0.5")
                    ui.label(p.disagreement).classes("text-sm text-amber-950 break-words")
            if p.status == ChangeStatus.PENDING:
                ui.button(
                    STATUS_WORDS[p.status], icon="tune", on_click=lambda: self.ctx.show_tab("setup")
                ).props("outline no-caps dense").classes("tap self-start px-3").mark(
                    f"open-setup-{p.change_id}"
                )
            elif p.status is not None:
                ui.label(STATUS_WORDS[p.status]).classes(
                    "text-sm font-semibold "
                    + ("text-green-900" if p.status == ChangeStatus.ACCEPTED else "text-slate-700")
                ).mark(f"status-{p.change_id}")


def _paint(button: ui.button, on: bool) -> None:
    """A chip or feel button: filled when picked, outlined when not."""
    button.props(remove="outline color text-color")
    button.props("color=primary text-color=white" if on else "outline color=grey-9")


def _setting_line(setting: DebriefSetting) -> str:
    context = setting.track_context
    parts = [setting.session_name]
    if context.get("traction"):
        parts.append(f"{context['traction']} traction")
    parts.extend(context[k] for k in ("surface", "condition", "size") if context.get(k))
    if setting.rounds_left is not None:
        parts.append(f"{plural(setting.rounds_left, 'practice round')} left")
    return " · ".join(parts)


def _stamp(message: ThreadMessage) -> str:
    return message.created_at.strftime("%H:%M")

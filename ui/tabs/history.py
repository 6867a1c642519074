"""History tab: past sessions a page at a time, one session read-only, two setups compared
(differences first, the rest folded), and a past setup copied into today's session."""

from __future__ import annotations

from typing import Any

from nicegui import ui

from models import MessageRole
from models.setup_sheet import GROUPS, SetupParameter
from services import history, sessions, setups
from services.errors import PitboxError, StaleWriteError
from services.history import Comparison, HistoryPage, PastSession, SessionRecord
from services.results import format_lap
from ui.components import ask, dialog_card, empty_state, plural, verdict
from ui.setup_sheet import setup_table
from ui.tabs.context import Panel

ALL = ""
SOURCE_WORDS = {"advisor": "advisor", "manual": "by hand", "library": "copied"}
STATUS_WORDS = {"pending": "waiting", "accepted": "applied", "denied": "turned down"}
# Stuck to the dialog's bottom edge, over the card's padding, so nothing shows beneath it.
CLOSE_ROW = "bottom: -16px; margin-bottom: -16px; padding-bottom: 8px"
COMPARE_COLUMNS = "grid-template-columns: minmax(6.5rem, 1.3fr) 1fr 1fr"


def setting_name(parameter: SetupParameter) -> str:
    """ "Rear toe", "Front shock oil", "Center diff", "Venturi": the corner said once."""
    if parameter.group in ("Front", "Rear"):
        return f"{parameter.group} {parameter.label.lower()}"
    return parameter.label


def lap(seconds: float | None) -> str:
    """A lap as the Scoreboard prints it: "33.400 s"."""
    return "—" if seconds is None else f"{format_lap(seconds)} s"


class HistoryPanel(Panel):
    watches = frozenset({"session", "setup", "cars", "racer"})

    async def build(self) -> None:
        self.racer_id = self.ctx.racer.id
        self.page_number = 1
        self.filters = {"vehicle_id": ALL, "track_name": ALL, "session_type": ALL}
        # A session picked to compare with: the next tap on a session compares the two.
        self.compare_from: PastSession | None = None
        choices = await history.filters(self.racer_id)
        ui.label(f"{self.ctx.racer.name}'s history").classes(
            "text-lg font-bold px-1 break-words"
        ).mark("history-title")
        with (
            ui.element("div")
            .classes("w-full grid grid-cols-1 sm:grid-cols-3 gap-2")
            .mark("history-filters")
        ):
            self._filter("vehicle_id", {ALL: "All cars", **choices.cars}, "Car")
            self._filter("track_name", {ALL: "All tracks", **{t: t for t in choices.tracks}},
                         "Track")  # fmt: skip
            self._filter("session_type", {ALL: "All types", **{t: t for t in
                         choices.session_types}}, "Type")  # fmt: skip
        await self.sessions_list()

    def _filter(self, key: str, options: dict[Any, str], label: str) -> None:
        async def changed(event: Any) -> None:
            self.filters[key] = event.value
            self.page_number = 1
            self.sessions_list.refresh()

        ui.select(options, value=ALL, label=label, on_change=changed).props(
            "outlined dense options-dense bg-color=white"
        ).classes("w-full").mark(f"history-filter-{key}")

    # --- the list -------------------------------------------------------------------------------

    @ui.refreshable_method
    async def sessions_list(self) -> None:
        try:
            page = await history.list_sessions(
                self.racer_id,
                vehicle_id=self.filters["vehicle_id"] or None,
                track_name=self.filters["track_name"] or None,
                session_type=self.filters["session_type"] or None,
                page=self.page_number,
            )
        except PitboxError as exc:  # the racer or the car went in another tab
            self.ctx.notify(str(exc), type="warning")
            await self.ctx.refresh("racer")
            return
        self.page_number = page.page
        if self.compare_from is not None:
            self._compare_banner(self.compare_from)
        if not page.sessions:
            filtered = any(self.filters.values())
            empty_state(
                "history",
                "No sessions match" if filtered else "No sessions yet",
                "Try another car, track or type."
                if filtered
                else "Sessions you start on the Event tab are kept here, with their setups, "
                "changes and lap times.",
                marker="history-empty",
            )
            return
        ui.label(plural(page.total, "session")).classes("text-sm text-slate-700 px-1").mark(
            "history-count"
        )
        for past in page.sessions:
            self._session_card(past)
        self._pager(page)

    def _compare_banner(self, left: PastSession) -> None:
        with (
            ui.card()
            .classes("w-full pit-card bg-sky-50 border border-sky-700")
            .props("role=status")
            .mark("compare-banner")
        ):
            with ui.row().classes("w-full items-center no-wrap gap-2"):
                ui.icon("compare_arrows", size="28px").classes("text-sky-900")
                ui.label(f"Tap a session to compare with {left.name}").classes(
                    "grow font-semibold text-slate-900 break-words"
                )
                ui.button("Cancel", on_click=self._cancel_compare).props("flat").classes(
                    "tap"
                ).mark("compare-cancel")

    def _cancel_compare(self) -> None:
        self.compare_from = None
        self.sessions_list.refresh()

    def _session_card(self, past: PastSession) -> None:
        with (
            ui.card()
            .classes("w-full pit-card p-0 cursor-pointer")
            .on("click", lambda p=past: self.tapped(p))
            .props("role=button tabindex=0")  # named by what it shows
            .mark(f"history-session-{past.id}")
        ):
            with ui.column().classes("w-full gap-0 p-3"):
                with ui.row().classes("w-full items-center no-wrap gap-2"):
                    ui.label(past.name).classes("font-bold text-base grow break-words")
                    if past.in_progress:
                        ui.badge("In progress", color="positive").classes("text-xs")
                ui.label(f"{past.session_date:%a %d %b %Y} · {past.session_type}").classes(
                    "text-slate-800"
                )
                where = " · ".join(x for x in (past.track_name, past.vehicle_name) if x)
                ui.label(where).classes("text-slate-700 break-words")
                ui.label(f"Best {lap(past.best_lap)} · {plural(past.changes, 'change')}").classes(
                    "text-sm font-semibold text-slate-900"
                ).mark(f"history-stats-{past.id}")

    def _pager(self, page: HistoryPage) -> None:
        if page.pages == 1:
            return
        with ui.row().classes("w-full items-center no-wrap gap-2").mark("history-pager"):
            newer = ui.button("Newer", icon="chevron_left", on_click=lambda: self.go(-1))
            newer.props("outline").classes("tap").mark("history-newer")
            newer.set_enabled(page.page > 1)
            ui.label(f"Page {page.page} of {page.pages}").classes(
                "grow text-center text-slate-800"
            ).mark("history-page")
            older = ui.button("Older", on_click=lambda: self.go(1))
            older.props("outline icon-right=chevron_right").classes("tap").mark("history-older")
            older.set_enabled(page.page < page.pages)

    def go(self, step: int) -> None:
        self.page_number = max(1, self.page_number + step)
        self.sessions_list.refresh()

    async def tapped(self, past: PastSession) -> None:
        if self.compare_from is not None and self.compare_from.id != past.id:
            left, self.compare_from = self.compare_from, None
            self.sessions_list.refresh()
            await self._compare(history.compare_sessions(self.racer_id, left.id, past.id))
            return
        await self.open_session(past)

    # --- one session ----------------------------------------------------------------------------

    async def open_session(self, past: PastSession) -> None:
        try:
            record = await history.get_record(self.racer_id, past.id)
            active = await sessions.active_session(self.racer_id)
        except PitboxError as exc:
            self.ctx.notify(str(exc), type="warning")
            return
        with self.dialog():
            dialog, card = dialog_card(record.name, marker="history-record", wide=True)
        with card:
            _record_header(record)
            with ui.column().classes("w-full gap-2"):
                ui.button(
                    "Compare with the car's reference",
                    icon="compare",
                    on_click=lambda: dialog.submit("reference"),
                ).props("outline").classes("tap w-full").mark("compare-reference")
                ui.button(
                    "Compare with another session",
                    icon="compare_arrows",
                    on_click=lambda: dialog.submit("pick"),
                ).props("outline").classes("tap w-full").mark("compare-pick")
                if active is not None and active.id != record.id:
                    ui.button(
                        f"Copy into {active.name}",
                        icon="content_copy",
                        on_click=lambda: dialog.submit("copy"),
                    ).classes("tap w-full").mark("copy-into-twin")
            _record_sections(record)
            with ui.row().classes("w-full justify-end sticky-bottom bg-white").style(CLOSE_ROW):
                ui.button("Close", on_click=dialog.close).props("flat").classes("tap").mark(
                    "history-record-close"
                )
        choice = await ask(dialog)
        if choice == "reference":
            await self._compare(history.compare_with_reference(self.racer_id, record.id))
        elif choice == "pick":
            self.compare_from = past
            self.sessions_list.refresh()
        elif choice == "copy" and active is not None:
            await self.copy_into_twin(record, active.id)

    # --- comparing ------------------------------------------------------------------------------

    async def _compare(self, pending: Any) -> None:
        try:
            comparison: Comparison = await pending
        except PitboxError as exc:
            self.ctx.notify(str(exc), type="warning")
            return
        with self.dialog():
            dialog, card = dialog_card("Compare setups", marker="compare-dialog", wide=True)
        with card:
            _comparison(comparison)
            with ui.row().classes("w-full justify-end sticky-bottom bg-white").style(CLOSE_ROW):
                ui.button("Close", on_click=dialog.close).props("flat").classes("tap").mark(
                    "compare-close"
                )
        await ask(dialog)

    # --- copying into today's setup -------------------------------------------------------------

    async def copy_into_twin(self, record: SessionRecord, active_id: int) -> None:
        try:
            twin = await setups.get_twin(self.racer_id, active_id)
        except PitboxError as exc:
            self.ctx.notify(str(exc), type="warning")
            return
        differences = history.compare(record.setup, twin.actual, record.name, twin.session_name)
        with self.dialog():
            dialog, card = dialog_card(f"Copy into {twin.session_name}", marker="copy-dialog")
        boxes: dict[str, ui.checkbox] = {}
        with card:
            ui.label(
                f"From {record.name}. Each changed setting is recorded as a change you can undo."
            ).classes("text-slate-800 break-words")
            for group in differences.groups:
                count = len(group.differences)
                box = ui.checkbox(
                    f"{group.group} ({plural(count, 'difference')})" if count else
                    f"{group.group} (the same)", value=bool(count),
                ).classes("tap").mark(f"copy-group-{group.group}")  # fmt: skip
                box.set_enabled(bool(count))
                boxes[group.group] = box
            with ui.row().classes("w-full justify-end gap-2 mt-2"):
                ui.button("Cancel", on_click=dialog.close).props("flat").classes("tap")
                copy = ui.button("Copy", icon="content_copy", on_click=lambda: dialog.submit(True))
                copy.classes("tap").mark("copy-confirm")
        if not await ask(dialog):
            return
        chosen = [g for g in GROUPS if boxes[g].value]
        if not chosen:
            self.ctx.notify("Nothing to copy: the setups are the same", type="info")
            return
        try:
            copied = await history.copy_into_twin(
                self.racer_id, record.id, chosen, expected_version=twin.version
            )
        except StaleWriteError:
            self.ctx.notify(
                "Today's setup changed on another screen: open the session again and copy anew",
                type="warning",
            )
            return
        except PitboxError as exc:
            self.ctx.notify(str(exc), type="warning")
            return
        self.ctx.notify(
            f"Copied {plural(len(copied), 'change')} into {twin.session_name}", type="positive"
        )
        await self.ctx.refresh("setup")


def _record_header(record: SessionRecord) -> None:
    with ui.column().classes("w-full gap-0").mark("history-record-header"):
        ui.label(
            f"{record.session_date:%a %d %b %Y} · {record.session_type} · {record.vehicle_name}"
        ).classes("text-slate-800 break-words")
        context = " · ".join(record.track_context[k] for k in ("size", "traction", "surface",
                             "condition") if k in record.track_context)  # fmt: skip
        where = " — ".join(x for x in (record.track_name, context) if x)
        if where:
            ui.label(where).classes("text-slate-800 break-words")
        if record.racing_classes:
            ui.label(", ".join(record.racing_classes)).classes("text-slate-700 break-words")
        rounds = (
            f"{plural(record.practice_rounds, 'practice round')}, "
            f"{plural(record.qualifying_rounds, 'qualifier')}"
        )
        ui.label(f"{rounds} · best lap {lap(record.best_lap)}").classes("text-slate-700")
        if record.rating:
            ui.label(f"Car rated {record.rating} of 5").classes("font-semibold")
        if record.summary:
            ui.label(record.summary).classes("pre-line break-words text-slate-900 mt-1").mark(
                "history-record-summary"
            )


def _record_sections(record: SessionRecord) -> None:
    with ui.expansion("Setup", icon="tune").classes("w-full bg-white").mark("record-setup"):
        setup_table(record.setup.to_json(), marker="record-sheet")
    with (
        ui.expansion(f"Changes ({len(record.changes)})", icon="edit_note")
        .classes("w-full bg-white")
        .mark("record-changes")
    ):
        if not record.changes:
            ui.label("No changes in this session.").classes("text-slate-700")
        for change in record.changes:
            with ui.column().classes("w-full gap-0 py-2 border-b border-slate-200"):
                ui.label(
                    f"{setting_name(change.parameter)}: {change.old_text} → {change.new_text}"
                ).classes("font-semibold break-words")
                words = [SOURCE_WORDS.get(change.source, change.source),
                         STATUS_WORDS.get(change.status, change.status)]  # fmt: skip
                if change.reverts_id:
                    words.append("an undo")
                if change.undone:
                    words.append("undone later")
                ui.label(" · ".join(words)).classes("text-sm text-slate-700")
                if change.reasoning:
                    ui.label(change.reasoning).classes("text-sm text-slate-800 break-words")
                if change.outcome is not None:  # did it work: the Setup tab's badge
                    verdict(change.outcome, marker=f"record-verdict-{change.id}")
    with (
        ui.expansion(f"Advisor ({plural(len(record.messages), 'message')})", icon="forum")
        .classes("w-full bg-white")
        .mark("record-messages")
    ):
        if not record.messages:
            ui.label("No conversation in this session.").classes("text-slate-700")
        for message in record.messages:
            racer = message.role == MessageRole.RACER
            ui.label(f"{'You' if racer else 'Advisor'}: {message.content}").classes(
                "pre-line break-words py-1 " + ("text-slate-900" if racer else "text-sky-950")
            )
    with (
        ui.expansion(f"Laps ({plural(len(record.runs), 'run')})", icon="timer")
        .classes("w-full bg-white")
        .mark("record-laps")
    ):
        if not record.runs:
            ui.label("No lap times in this session.").classes("text-slate-700")
        for run in record.runs:
            with ui.column().classes("w-full gap-0 py-2 border-b border-slate-200"):
                title = " · ".join(x for x in (run.heat_name, run.racing_class) if x)
                ui.label(title).classes("font-semibold break-words")
                consistency = "" if run.consistency is None else f" · {run.consistency:.1f} %"
                ui.label(
                    f"Best {lap(run.best_lap)} · average {lap(run.average_lap)}{consistency}"
                ).classes("text-sm text-slate-800")
                if run.lap_times:
                    ui.label(", ".join(format_lap(t) for t in run.lap_times)).classes(
                        "text-sm text-slate-700 break-words"
                    )


def _comparison(comparison: Comparison) -> None:
    """Differences first, grouped as on the sheet; what is the same is folded below."""
    with ui.column().classes("w-full gap-0").mark("compare-titles"):
        ui.label(f"A  {comparison.left_title}").classes("font-semibold break-words")
        ui.label(f"B  {comparison.right_title}").classes("font-semibold break-words")
    total = comparison.differences
    ui.label(f"{plural(total, 'difference')}" if total else "The two setups are the same").classes(
        "text-base font-bold text-orange-900"
    ).mark("compare-count")
    for group in comparison.groups:
        if group.differences:
            ui.label(group.group).classes("sheet-group")
            _compare_rows(group.differences, marker=f"compare-diff-{group.group}", changed=True)
    same = sum(len(g.lines) - len(g.differences) for g in comparison.groups)
    with (
        ui.expansion(f"Same in both ({same})", icon="unfold_more", value=not total)
        .classes("w-full bg-white")
        .mark("compare-same")
    ):
        for group in comparison.groups:
            rows = [line for line in group.lines if not line.differs]
            if rows:
                ui.label(group.group).classes("sheet-group")
                _compare_rows(rows, marker=f"compare-same-{group.group}", changed=False)


def _compare_rows(lines: list[history.Line], *, marker: str, changed: bool) -> None:
    with (
        ui.element("div")
        .classes("w-full grid gap-x-3 gap-y-1 border-t border-slate-300 pt-1")
        .style(COMPARE_COLUMNS)
        .mark(marker)
    ):
        ui.label("").classes("text-xs")
        ui.label("A").classes("text-xs font-bold text-slate-700")
        ui.label("B").classes("text-xs font-bold text-slate-700")
        for line in lines:
            ui.label(line.parameter.label).classes("sheet-label break-words")
            ui.label(line.left_text).classes("sheet-value break-words")
            ui.label(line.right_text).classes(
                "sheet-value break-words"
                + (" changed bg-amber-100 rounded px-1" if changed else "")
            )

"""Scoreboard tab: record a heat's laps (pasted or from a CSV file), see its numbers and the
session's laps on a chart, and whether each accepted setup change made the car faster."""

from __future__ import annotations

from typing import Any

from nicegui import events, ui

from models import RaceSession, RunResult
from models.setup_sheet import PARAMETERS_BY_KEY
from services import drafts, results, sessions
from services.errors import PitboxError, ValidationError
from services.results import ChangeMark, LapStats, RunSummary, Scoreboard, format_lap
from ui.components import (
    VERDICT_STYLE,
    Keyed,
    KeyedList,
    ask,
    confirm,
    describe,
    dialog_card,
    named,
    once_at_a_time,
    plural,
    submit_on_enter,
    verdict,
)
from ui.forms import DraftForm
from ui.tabs.context import Panel

HEAT_FORM = "scoreboard.heat"
# Scroll to an element once the browser has drawn it (the new card comes in a later update).
SCROLL_TO = """
(function scroll(tries) {
  const element = document.getElementById('%s');
  if (element) element.scrollIntoView({block: 'start'});
  else if (tries > 0) setTimeout(() => scroll(tries - 1), 50);
})(40);
"""
PLACEHOLDER = "23.456\n24.012\n1:02.345\n\nPaste from the timing results: lap numbers are fine"
# Series colours: dark enough to read on white in sunlight, and told apart by their markers too.
PALETTE = ["#1D4ED8", "#C2410C", "#047857", "#7C3AED", "#B91C1C", "#0F766E", "#A16207", "#BE185D"]
SYMBOLS = ["circle", "rect", "triangle", "diamond", "pin", "roundRect"]


class ScoreboardPanel(Panel):
    # "setup": a change accepted on the Setup tab is marked between the runs.
    # ("laps" is what this panel tells the others; it redraws its own parts itself.)
    watches = frozenset({"session", "setup"})

    async def build(self) -> None:
        racer_id = self.ctx.racer.id
        active = await sessions.active_session(racer_id)
        if active is None:
            self.no_session(
                "timer",
                "Lap times belong to a session: start one on the Event tab, then paste each "
                "heat's laps here to see best lap, average, consistency and whether your "
                "setup changes worked.",
                marker="scoreboard-no-session",
            )
            return
        self.session = await sessions.get_session(racer_id, active.id)
        self.board = await results.scoreboard(racer_id, self.session.id)
        self._record_form()
        self.results_view()

    # --- recording a heat ---------------------------------------------------------------------

    @ui.refreshable_method
    def _record_form(self) -> None:
        session, runs = self.session, self.board.runs
        with ui.card().classes("w-full pit-card gap-2").mark("record-heat"):
            ui.label("Record a heat").classes("text-lg font-bold")
            form = self.form = DraftForm(self.ctx, drafts.form_key(HEAT_FORM, session.id))
            with ui.element("div").classes("grid grid-cols-5 gap-2 w-full"):
                form.add("heat_name", ui.input, "Heat", default=f"Heat {len(runs) + 1}").classes(
                    "col-span-2"
                )
                _class_field(form, session, runs).classes("col-span-3")
            laps = form.add("laps_text", ui.textarea, "Lap times", default="")
            # hide-bottom-space: the messages below grow with them instead of overlapping.
            laps.props(
                'autogrow hide-bottom-space input-class="text-xl font-mono tabular-nums '
                'min-h-[7.5rem]"'
            )
            laps.props["placeholder"] = PLACEHOLDER  # has line breaks: not in a props string
            laps.classes("pre-line")
            count = ui.label(_count_text(laps.value)).classes("text-sm text-slate-800 px-1")
            count.mark("laps-count")
            laps.on_value_change(lambda e: count.set_text(_count_text(e.value)))
            # The file picker opens from the button itself: a phone only shows it for a tap.
            self.upload = (
                ui.upload(
                    auto_upload=True,
                    max_files=1,
                    max_file_size=results.MAX_CSV_BYTES,
                    on_upload=self.read_csv,
                    on_rejected=lambda: self.ctx.notify(
                        "That file is too large for a lap list", type="negative"
                    ),
                )
                .props('accept=".csv,.txt,text/csv,text/plain"')
                .style("display: none")
                .mark("laps-csv")
            )
            self.csv_problems = (
                ui.label("").classes("text-sm text-red-900 pre-line px-1").mark("csv-problems")
            )
            self.csv_problems.set_visibility(False)
            with ui.row().classes("w-full gap-2 no-wrap"):
                ui.button("CSV file", icon="upload_file").props("outline").classes("tap").on(
                    "click", js_handler=f"() => getElement({self.upload.id}).$refs.qRef.pickFiles()"
                ).mark("pick-csv")
                submit = ui.button("Save heat", icon="save", on_click=once_at_a_time(self.save))
                submit.classes("tap grow text-lg").mark("save-heat")
                submit_on_enter(submit, *form.fields.values())

    async def read_csv(self, event: events.UploadEventArguments) -> None:
        """A file's laps go into the box, to be checked and saved; a file with problems is
        refused as a whole, with each problem by row and column."""
        parsed = results.parse_csv(await event.file.read())
        self.upload.reset()
        if parsed.problems:
            self.csv_problems.set_text(
                f"{event.file.name} was not used:\n{results.problems_message(parsed.problems)}"
            )
            self.csv_problems.set_visibility(True)
            return
        self.csv_problems.set_visibility(False)
        self.form.set("laps_text", results.laps_as_text(parsed.laps))
        self.ctx.notify(
            f"{plural(len(parsed.laps), 'lap')} read from {event.file.name}: check them and save",
            type="info",
        )

    async def save(self) -> None:
        self.form.clear_errors()
        values = self.form.values()
        try:
            run = await results.add_run(
                self.form.keeper.racer_id,
                self.session.id,
                values["heat_name"],
                values.get("racing_class"),
                laps_text=values["laps_text"],
            )
        except ValidationError as exc:
            self.form.show_errors(exc.errors, aliases={"laps": "laps_text"})
            return
        except PitboxError as exc:  # the session ended or the racer went in another tab
            self.ctx.notify(str(exc), type="warning")
            await self.ctx.refresh("session")
            return
        await self.form.submitted()
        self.board = await results.scoreboard(self.form.keeper.racer_id, self.session.id)
        # The form stays: ready for the next heat, with nothing counted as typed.
        self.form.reset(heat_name=f"Heat {len(self.board.runs) + 1}", laps_text="")
        self.csv_problems.set_visibility(False)
        self._show_results()
        if self.latest_card is not None:  # its numbers, right away, without scrolling
            # From the page's layout: the tapped button (this handler's place) was replaced.
            with self.ctx.dialog_host:
                ui.run_javascript(SCROLL_TO % self.latest_card.html_id)
        self.ctx.notify(f"Saved {run.heat_name}", type="positive")
        await self.ctx.refresh("laps")

    # --- the numbers --------------------------------------------------------------------------

    def results_view(self) -> None:
        """The heats and changes of the session, newest first, with the chart under the newest
        heat. Kept between saves: a new heat builds one card, not the whole day."""
        self.latest_card: ui.card | None = None
        self.no_heats = (
            ui.label("No heats yet: paste the lap times of your first heat above and save.")
            .classes("text-slate-800 px-1")
            .mark("no-heats")
        )
        self.timeline = KeyedList().classes("w-full gap-3")
        self.chart: ui.echart | None = None
        self._show_results()

    def _show_results(self) -> None:
        board = self.board
        self.no_heats.set_visibility(not board.runs)
        latest_index = _latest_index(board)
        entries: list[Keyed] = []
        for index, item in enumerate(_timeline(board)):
            if isinstance(item, ChangeMark):
                outcome = item.outcome
                look = (item.runs_since > 0, outcome and (outcome.verdict, outcome.summary))
                entries.append(
                    Keyed(("change", item.change.id), look, lambda m=item: _change_row(m))
                )
                continue
            latest = index == latest_index
            build = lambda r=item, latest=latest: self._run_card(r, latest=latest)  # noqa: E731
            run = item.run
            look = (run.heat_name, run.racing_class, tuple(run.lap_times), latest)
            entries.append(Keyed(("run", run.id), look, build))
            if latest:  # the newest heat first, then the chart, then what came before
                entries.append(Keyed("chart", None, self._chart_card))
        self.timeline.show(entries)
        self.latest_card = (
            self.timeline.element(("run", board.runs[-1].run.id)) if board.runs else None
        )
        if self.chart is not None and not self.chart.is_deleted:
            self.chart.options.clear()
            self.chart.options.update(chart_options(board))
            self.chart.update()

    def _chart_card(self) -> ui.card:
        with ui.card().classes("w-full pit-card p-2 gap-0").mark("lap-chart") as card:
            ui.label("Laps of the session").classes("font-bold px-2 pt-1")
            self.chart = ui.echart(chart_options(self.board)).classes("w-full h-72")
        return card

    def _run_card(self, summary: RunSummary, *, latest: bool) -> ui.card:
        run, stats = summary.run, summary.stats
        border = "border-l-4 border-blue-700" if latest else ""
        card = ui.card().classes(f"w-full pit-card gap-1 scroll-mt-2 {border}")
        with card.mark(f"run-{run.id}"):
            with ui.row().classes("w-full items-start no-wrap gap-1"):
                with ui.column().classes("gap-0 grow min-w-0"):
                    ui.label(run.heat_name).classes("text-lg font-bold break-words")
                    when = run.created_at.astimezone()
                    details = " · ".join(x for x in (run.racing_class, f"{when:%H:%M}") if x)
                    ui.label(details).classes("text-sm text-slate-800")
                edit = ui.button(icon="edit", on_click=once_at_a_time(lambda r=run: self.edit(r)))
                named(edit, f"Edit {run.heat_name}").props("flat round")
                edit.classes("tap text-slate-900").mark(f"edit-run-{run.id}")
                delete = ui.button(
                    icon="delete", on_click=once_at_a_time(lambda r=run: self.delete(r))
                )
                named(delete, f"Delete {run.heat_name}").props("flat round")
                delete.classes("tap text-red-800").mark(f"delete-run-{run.id}")
            if stats is None:
                ui.label("No laps recorded").classes("text-slate-800")
                return card
            _main_numbers(stats, run.id)
            _more_numbers(stats)
            _lap_list(run.lap_times, stats)
        return card

    async def edit(self, run: RunResult) -> None:
        with self.dialog():
            dialog, card = dialog_card(f"Edit {run.heat_name}", marker="edit-run-dialog")
            with card:
                name = ui.input("Heat", value=run.heat_name).props("outlined").classes("w-full")
                racing_class = ui.input("Class", value=run.racing_class or "").props("outlined")
                racing_class.classes("w-full")
                laps = ui.textarea("Lap times", value=results.laps_as_text(run.lap_times))
                laps.props(
                    "outlined autogrow hide-bottom-space "
                    'input-class="text-xl font-mono tabular-nums"'
                )
                laps.classes("w-full pre-line")
                laps.mark("edit-run-laps")

                async def save() -> None:
                    try:
                        await results.update_run(
                            self.ctx.racer.id, run.id, name.value, racing_class.value,
                            laps_text=laps.value,
                        )  # fmt: skip
                    except ValidationError as exc:
                        name.error = exc.errors.get("heat_name")
                        racing_class.error = exc.errors.get("racing_class")
                        laps.error = exc.errors.get("laps")
                        return
                    except PitboxError as exc:  # deleted or ended in another tab meanwhile
                        dialog.submit(str(exc))
                        return
                    dialog.submit(True)

                with ui.row().classes("w-full justify-end gap-2 mt-2"):
                    ui.button("Cancel", on_click=dialog.close).props("flat").classes("tap")
                    submit = ui.button("Save", on_click=once_at_a_time(save))
                    submit.classes("tap").mark("edit-run-save")
                    submit_on_enter(submit, name, racing_class)
        answer = await ask(dialog)
        if answer is None:
            return
        if answer is True:
            self.ctx.notify(f"Saved {name.value.strip()}", type="positive")
        else:
            self.ctx.notify(answer, type="warning")
        await self._reload()

    async def delete(self, run: RunResult) -> None:
        with self.dialog():
            sure = await confirm(
                f"Delete {run.heat_name}?",
                [
                    f"Its {plural(len(run.lap_times), 'lap')} are deleted; this can't be undone.",
                    "Whether your setup changes worked is worked out again without them.",
                ],
                action="Delete",
                danger=True,
                marker="delete-run",
            )
        if not sure:
            return
        try:
            name = await results.delete_run(self.ctx.racer.id, run.id)
        except PitboxError as exc:
            self.ctx.notify(str(exc), type="warning")
        else:
            self.ctx.notify(f"Deleted {name}", type="positive")
        await self._reload()

    async def _reload(self) -> None:
        try:
            self.board = await results.scoreboard(self.ctx.racer.id, self.session.id)
        except PitboxError:  # the session went in another tab: show what there is now
            await self.ctx.refresh("session")
            return
        self._show_results()
        await self.ctx.refresh("laps")


# --- pieces -----------------------------------------------------------------------------------


def _class_field(form: DraftForm, session: RaceSession, runs: list[RunSummary]) -> ui.element:
    last = next((r.run.racing_class for r in reversed(runs) if r.run.racing_class), None)
    classes = list(session.racing_classes or [])
    if classes:
        default = last if last in classes else classes[0]
        return form.add(
            "racing_class", ui.select, classes, label="Class", default=default,
            new_value_mode="add-unique",
        )  # fmt: skip
    return form.add("racing_class", ui.input, "Class (optional)", default=last or "")


def _count_text(text: Any) -> str:
    if not text or not str(text).strip():
        return "One lap per line, or separated by commas or spaces."
    parsed = results.parse_laps(text)
    laps = plural(len(parsed.laps), "lap")
    if parsed.problems:
        return f"{laps} read, {plural(len(parsed.problems), 'problem')}: save to see where"
    return f"{laps} read"


def _timeline(board: Scoreboard) -> list[RunSummary | ChangeMark]:
    """Runs and accepted changes, newest first."""
    items: list[RunSummary | ChangeMark] = []
    for count in range(len(board.runs) + 1):
        items.extend(mark for mark in board.changes if mark.after_runs == count)
        if count < len(board.runs):
            items.append(board.runs[count])
    return items[::-1]


def _latest_index(board: Scoreboard) -> int:
    return sum(1 for mark in board.changes if mark.after_runs == len(board.runs))


def _number(label: str, value: str, marker: str, size: str) -> None:
    with ui.column().classes("gap-0 min-w-0"):
        ui.label(label).classes("text-sm font-semibold text-slate-800")
        ui.label(value).classes(
            f"main-number {size} font-bold text-black tabular-nums leading-tight whitespace-nowrap"
        ).mark(marker)


def _main_numbers(stats: LapStats, run_id: int) -> None:
    best, average = format_lap(stats.best), format_lap(stats.average)
    consistency = "–" if stats.consistency is None else f"{stats.consistency:.1f}%"
    # As big as three fit side by side on a phone: laps of a minute or more are longer.
    size = "text-[1.75rem]" if max(len(best), len(average)) <= 6 else "text-[1.35rem]"
    with ui.element("div").classes("grid grid-cols-3 gap-2 w-full mt-1"):
        _number("Best", best, f"best-{run_id}", size)
        _number("Average", average, f"average-{run_id}", size)
        _number("Consistency", consistency, f"consistency-{run_id}", size)


def _more_numbers(stats: LapStats) -> None:
    if stats.best_three is None or stats.best_three_from is None:
        three = "–"
    else:
        start = stats.best_three_from
        three = f"{format_lap(stats.best_three)} (laps {start}–{start + 2})"
    fade = "–" if stats.fade is None else f"{stats.fade:+.3f} s"
    # One element per block, not one per number: a session of many heats redraws fast.
    cells = "".join(
        f'<div class="min-w-0"><div class="text-sm text-slate-800">{label}</div>'
        f'<div class="text-base font-bold text-black tabular-nums">{value}</div></div>'
        for label, value in (
            ("Laps", str(stats.laps)),
            ("Median", format_lap(stats.median)),
            ("Best 3 in a row", three),
            ("Fade: last 5 vs best 3", fade),
        )
    )
    ui.html(f'<div class="grid grid-cols-2 gap-x-3 gap-y-1">{cells}</div>').classes("w-full")


def _lap_list(laps: list[float], stats: LapStats) -> None:
    best = "font-bold text-blue-900 bg-blue-50 rounded"
    cells = "".join(
        f'<span class="lap-time tabular-nums text-base px-1 '
        f'{best if number == stats.best_lap_number else "text-black"}">'
        f"{number}. {format_lap(lap)}</span>"
        for number, lap in enumerate(laps, start=1)
    )
    with (
        ui.expansion(f"All {plural(len(laps), 'lap')}", icon="format_list_numbered")
        .classes("w-full")
        .props("dense header-class='px-1 min-h-[48px]'")
    ):
        ui.html(f'<div class="grid grid-cols-3 gap-x-3 gap-y-1">{cells}</div>').classes("w-full")


def _change_row(mark: ChangeMark) -> ui.card:
    change, outcome = mark.change, mark.outcome
    with (
        ui.card()
        .classes("w-full pit-card gap-1 bg-white border border-slate-300")
        .mark(f"change-{change.id}") as card
    ):
        with ui.row().classes("items-center gap-2 no-wrap w-full"):
            ui.icon("tune", size="22px").classes("text-slate-800").props('aria-hidden="true"')
            ui.label(describe(change)).classes("font-semibold break-words min-w-0")
        if outcome is None or not mark.runs_since:
            ui.label("Did it work? Run a heat and record its laps to see.").classes(
                "text-sm text-slate-800"
            ).mark(f"verdict-{change.id}")
            return card
        verdict(outcome, marker=f"verdict-{change.id}")
    return card


def chart_options(board: Scoreboard) -> dict[str, Any]:
    """ECharts options: each run's laps one after the other, accepted changes as lines
    between the runs, coloured by their verdict."""
    series: list[dict[str, Any]] = []
    ends = [0.5]  # x where each gap between runs falls, before the first run included
    lap_count = 0
    for index, summary in enumerate(board.runs):
        laps = summary.run.lap_times
        series.append({
            "name": f"{index + 1}. {summary.run.heat_name}",
            "type": "line",
            "data": [[lap_count + n, lap] for n, lap in enumerate(laps, start=1)],
            "symbol": SYMBOLS[index % len(SYMBOLS)],
            "symbolSize": 7,
            "lineStyle": {"width": 2},
            "color": PALETTE[index % len(PALETTE)],
        })  # fmt: skip
        lap_count += len(laps)
        ends.append(lap_count + 0.5)
    lines = []
    for position in sorted({mark.after_runs for mark in board.changes}):
        marks = [m for m in board.changes if m.after_runs == position]
        judged = marks[0].outcome is not None and marks[0].runs_since
        verdict = marks[0].outcome.verdict if judged else None
        color = VERDICT_STYLE[verdict][2] if verdict else "#334155"
        names = ", ".join(_short(m) for m in marks)
        lines.append({
            "xAxis": ends[position],
            "lineStyle": {"color": color, "type": "dashed", "width": 2},
            "label": {"formatter": names, "color": color, "fontWeight": "bold", "fontSize": 12},
        })  # fmt: skip
    if lines:
        series.append({
            "name": "Setup changes", "type": "line", "data": [], "silent": True,
            "markLine": {"symbol": "none", "data": lines, "label": {"position": "end"}},
        })  # fmt: skip
    return {
        "animation": False,
        "grid": {"left": 48, "right": 24, "top": 64, "bottom": 36},
        "legend": {
            "type": "scroll",
            "top": 0,
            "data": [run["name"] for run in series if run["data"]],
            "textStyle": {"color": "#0F172A", "fontSize": 13},
        },
        "tooltip": {
            "trigger": "item",
            ":formatter": "p => `${p.seriesName}<br>lap ${p.dataIndex + 1}: "
            "<b>${p.value[1].toFixed(3)} s</b>`",
        },
        "xAxis": {
            "type": "value",
            "min": 0.5,
            "max": max(ends[-1], 1.5),
            "minInterval": 1,
            "name": "lap",
            "nameLocation": "end",
            "nameGap": 4,
            "axisLabel": {"color": "#0F172A", ":formatter": "v => Number.isInteger(v) ? v : ''"},
            "splitLine": {"show": False},
        },
        "yAxis": {
            "type": "value",
            "scale": True,
            "name": "s",
            "nameGap": 8,
            "axisLabel": {"color": "#0F172A"},
            "splitLine": {"lineStyle": {"color": "#CBD5E1"}},
        },
        "series": series,
    }


def _short(mark: ChangeMark) -> str:
    """The parameter's name without its values, for a label on the chart."""
    parameter = PARAMETERS_BY_KEY.get(mark.change.parameter)
    if parameter is None:
        return mark.change.parameter
    if parameter.group in ("Front", "Rear"):
        return f"{parameter.group} {parameter.label.lower()}"
    return parameter.label

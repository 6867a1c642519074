"""The 24-parameter setup sheet: an editor made for a thumb, and a read-only view.

Numbers get a number keyboard and big - / + steppers with the parameter's step; every value is
checked as it is typed by the same function the services use, and the message shows beside the
field. Values that differ from a reference (the car's shop master) are marked with the reference
value, so a racer sees the drift where it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from nicegui import ui

from models.setup_sheet import EXAMPLE_SETUP, GROUPS, PARAMETERS, SetupParameter
from services import validation
from services.setups import Rebased
from ui.tabs.context import TabContext

GROUP_ICONS = {
    "Diffs": "settings",
    "Front": "north",
    "Rear": "south",
    "Tires": "trip_origin",
    "Power": "local_gas_station",
}


def check(parameter: SetupParameter, value: Any) -> str | None:
    """The racer's message for a value, or None when it is fine (the services' own check)."""
    try:
        validation.setup_value(parameter, value)
    except validation.InvalidValue as exc:
        return str(exc)
    return None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    return (a if a not in ("",) else None) == (b if b not in ("",) else None)


class SetupSheetEditor(ui.column):
    """All 24 parameters by group; ``values()`` gives what is typed, ``errors()`` what is wrong."""

    def __init__(
        self,
        values: Mapping[str, Any],
        *,
        reference: Mapping[str, Any] | None = None,
        on_change: Callable[[dict[str, Any]], Any] | None = None,
        marker: str = "setup",
    ) -> None:
        super().__init__()
        self.classes("w-full gap-2")
        self.reference = dict(reference or {})
        self.on_change = on_change
        self.inputs: dict[str, ui.input | ui.number] = {}
        self.ref_labels: dict[str, ui.label] = {}
        self.rows: dict[str, ui.element] = {}
        self._quiet = False
        with self:
            for group in GROUPS:
                with (
                    ui.expansion(group, icon=GROUP_ICONS.get(group), value=True)
                    .classes("w-full pit-card bg-white")
                    .props("header-class='text-base font-bold'")
                    .mark(f"{marker}-group-{group}")
                ):
                    with ui.element("div").classes("setup-grid w-full"):
                        for parameter in (p for p in PARAMETERS if p.group == group):
                            self._row(parameter, values.get(parameter.key), marker)

    def _row(self, parameter: SetupParameter, value: Any, marker: str) -> None:
        row = ui.element("div").classes("setup-row w-full")
        self.rows[parameter.key] = row
        with row:
            with ui.row().classes("w-full items-start no-wrap gap-1"):
                if parameter.is_number:
                    field = ui.number(
                        parameter.label,
                        value=value,
                        step=parameter.step,
                        suffix=parameter.unit or None,
                        validation=lambda v, p=parameter: check(p, v),
                    ).props("outlined hide-bottom-space inputmode=decimal")
                    field.classes("grow min-w-0")
                    self._stepper(parameter, field, -1)
                    self._stepper(parameter, field, +1)
                else:
                    field = ui.input(
                        parameter.label,
                        value=value or "",
                        validation=lambda v, p=parameter: check(p, v),
                    ).props("outlined hide-bottom-space autocomplete=off")
                    field.classes("grow min-w-0")
            field.mark(f"{marker}.{parameter.key}")
            field.on_value_change(lambda _e, key=parameter.key: self._changed(key))
            self.inputs[parameter.key] = field
            self.ref_labels[parameter.key] = ui.label().classes("ref-note")
        self._mark_drift(parameter.key)

    def _stepper(self, parameter: SetupParameter, field: ui.number, direction: int) -> None:
        def step() -> None:
            current = field.value
            if current is None:
                start = self.reference.get(parameter.key, EXAMPLE_SETUP.get(parameter.key))
                field.value = start
                return
            assert parameter.minimum is not None and parameter.maximum is not None
            stepped = round(float(current) + direction * parameter.step, 3)
            field.value = min(parameter.maximum, max(parameter.minimum, stepped))

        name = f"{'Less' if direction < 0 else 'More'} {parameter.label.lower()}"
        ui.button(icon="remove" if direction < 0 else "add", on_click=step).props(
            f'flat round color=grey-9 aria-label="{name} ({parameter.group})"'
        ).classes("tap stepper")

    def _changed(self, key: str) -> None:
        self._mark_drift(key)
        if self.on_change is not None and not self._quiet:
            self.on_change(self.values())

    def _mark_drift(self, key: str) -> None:
        if not self.reference:
            return
        parameter = next(p for p in PARAMETERS if p.key == key)
        current = self.inputs[key].value
        reference = self.reference.get(key)
        drifted = not _same(current, reference)
        self.rows[key].classes(
            add="drifted" if drifted else "", remove="" if drifted else "drifted"
        )
        self.ref_labels[key].text = f"Reference: {parameter.format(reference)}" if drifted else ""

    def values(self) -> dict[str, Any]:
        return {key: field.value for key, field in self.inputs.items()}

    def set_values(self, values: Mapping[str, Any]) -> None:
        """Show these values (saved ones, or a merge), without counting them as typed."""
        self._quiet = True
        try:
            for key, field in self.inputs.items():
                value = values.get(key)
                field.value = value if isinstance(field, ui.number) else value or ""
                self._mark_drift(key)
        finally:
            self._quiet = False

    def errors(self) -> dict[str, str]:
        """Every parameter whose typed value is wrong, with its message (shown beside it)."""
        found = {}
        for parameter in PARAMETERS:
            message = check(parameter, self.inputs[parameter.key].value)
            self.inputs[parameter.key].error = message
            if message:
                found[parameter.key] = message
        return found

    def show_errors(self, errors: Mapping[str, str]) -> None:
        for key, field in self.inputs.items():
            field.error = errors.get(key)


def setup_table(
    values: Mapping[str, Any],
    *,
    reference: Mapping[str, Any] | None = None,
    only_differences: bool = False,
    marker: str = "sheet",
) -> None:
    """A read-only sheet by group; with a reference, differences show as "old → new"."""
    for group in GROUPS:
        rows = []
        for parameter in (p for p in PARAMETERS if p.group == group):
            value = values.get(parameter.key)
            ref = None if reference is None else reference.get(parameter.key)
            differs = reference is not None and not _same(value, ref)
            if only_differences and not differs:
                continue
            rows.append((parameter, value, ref, differs))
        if not rows:
            continue
        ui.label(group).classes("sheet-group")
        with ui.element("div").classes("sheet-grid w-full").mark(f"{marker}-{group}"):
            for parameter, value, ref, differs in rows:
                ui.label(parameter.label).classes("sheet-label")
                if differs:
                    ui.label(f"{parameter.format(ref)} → {parameter.format(value)}").classes(
                        "sheet-value changed"
                    )
                else:
                    ui.label(parameter.format(value)).classes("sheet-value")


def show_rebase(ctx: TabContext, rebased: Rebased) -> None:
    """Tell the racer what another screen changed before their save (their form reloaded)."""
    lines = ["Saved on another screen meanwhile — the form now shows it, with your edits kept."]
    lines += [f"• {change}" for change in rebased.their_changes[:6]]
    if len(rebased.their_changes) > 6:
        lines.append(f"• and {len(rebased.their_changes) - 6} more")
    if rebased.conflicts:
        lines.append(f"You both changed: {', '.join(rebased.conflicts)} (yours is kept).")
    lines.append("Check, then save again.")
    ctx.notify(
        "\n".join(lines),
        type="warning",
        timeout=None,
        close_button="OK",
        multi_line=True,
        classes="below-header pre-line",
    )

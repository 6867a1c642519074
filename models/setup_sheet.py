"""The 24-parameter setup sheet of a 1/8 nitro buggy: parameters, groups, units and ranges.

The sheet is stored as JSON (a vehicle's reference setup, a session's actual setup). Every value
a racer types goes through ``services.validation.setup_values`` (ranges and messages come from
here) so that a number outside its range never reaches the database.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

TEXT_MAX_LENGTH = 40


@dataclass(frozen=True)
class SetupParameter:
    key: str
    group: str
    label: str
    kind: str  # "number" or "text"
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    step: float = 1
    integer: bool = False

    @property
    def label_with_unit(self) -> str:
        return f"{self.label} ({self.unit})" if self.unit else self.label

    @property
    def is_number(self) -> bool:
        return self.kind == "number"

    def format(self, value: Any) -> str:
        """A value as the racer reads it on a sheet: "450 cSt", "-1.5 °", "Green", "—"."""
        if value is None or value == "":
            return "—"
        if not self.is_number:
            return str(value)
        shown = _fmt(float(value)) if not self.integer else str(int(value))
        return f"{shown} {self.unit}".strip()


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def _number(key, group, label, unit, minimum, maximum, step=1.0, integer=False) -> SetupParameter:
    return SetupParameter(key, group, label, "number", unit, minimum, maximum, step, integer)


def _text(key, group, label) -> SetupParameter:
    return SetupParameter(key, group, label, "text")


def _corner(side: str) -> list[SetupParameter]:
    group = side.capitalize()
    return [
        _number(f"{side}_shock_oil", group, "Shock oil", "cSt", 100, 1500, 25, integer=True),
        _text(f"{side}_spring", group, "Spring"),
        _number(f"{side}_sway_bar", group, "Sway bar", "mm", 0, 4, 0.1),
        _text(f"{side}_pistons", group, "Pistons"),
        _number(f"{side}_toe", group, "Toe", "°", -5, 5, 0.5),
        _number(f"{side}_ride_height", group, "Ride height", "mm", 15, 45, 0.5),
        _number(f"{side}_camber", group, "Camber", "°", -6, 2, 0.5),
    ]


PARAMETERS: tuple[SetupParameter, ...] = (
    _number("diff_front", "Diffs", "Front diff", "cSt", 1000, 100000, 500, integer=True),
    _number("diff_center", "Diffs", "Center diff", "cSt", 1000, 100000, 500, integer=True),
    _number("diff_rear", "Diffs", "Rear diff", "cSt", 1000, 100000, 500, integer=True),
    *_corner("front"),
    *_corner("rear"),
    _text("tire_tread", "Tires", "Tread"),
    _text("tire_compound", "Tires", "Compound"),
    _number("venturi", "Power", "Venturi", "mm", 5, 10, 0.1),
    _text("pipe", "Power", "Pipe"),
    _text("clutch", "Power", "Clutch"),
    _number("clutch_bell", "Power", "Clutch bell", "teeth", 10, 17, 1, integer=True),
    _number("spur", "Power", "Spur", "teeth", 40, 56, 1, integer=True),
)
PARAMETERS_BY_KEY: dict[str, SetupParameter] = {p.key: p for p in PARAMETERS}
GROUPS: tuple[str, ...] = tuple(dict.fromkeys(p.group for p in PARAMETERS))

# A typical 1/8 nitro buggy: the example column of the product's setup sheet.
EXAMPLE_SETUP: dict[str, float | int | str] = {
    "diff_front": 7000, "diff_center": 7000, "diff_rear": 5000,
    "front_shock_oil": 450, "front_spring": "Green", "front_sway_bar": 2.3,
    "front_pistons": "1.2x4", "front_toe": -1.0, "front_ride_height": 27, "front_camber": -2.0,
    "rear_shock_oil": 400, "rear_spring": "Yellow", "rear_sway_bar": 2.5,
    "rear_pistons": "1.7x4", "rear_toe": 3.0, "rear_ride_height": 28, "rear_camber": -3.0,
    "tire_tread": "Kosmos", "tire_compound": "Green",
    "venturi": 7.0, "pipe": "REDS 2143", "clutch": "4-Shoe Med", "clutch_bell": 13, "spur": 48,
}  # fmt: skip


@dataclass(frozen=True)
class SetupSheet:
    """A complete or partial setup; missing parameters are None ("not recorded").

    Build one from stored JSON with ``SetupSheet.of``; values typed by a racer go through
    ``services.validation.setup_values`` first.
    """

    values: Mapping[str, float | int | str | None]

    @classmethod
    def of(cls, data: Mapping[str, Any] | None) -> SetupSheet:
        data = data or {}
        return cls({p.key: data.get(p.key) for p in PARAMETERS})

    def to_json(self) -> dict[str, float | int | str | None]:
        return {p.key: self.values.get(p.key) for p in PARAMETERS}

    def __getitem__(self, key: str) -> float | int | str | None:
        return self.values.get(key)

    def differences(self, other: SetupSheet) -> Iterator[tuple[SetupParameter, Any, Any]]:
        """Parameters whose value differs, as (parameter, this value, other value)."""
        for parameter in PARAMETERS:
            mine, theirs = self.values.get(parameter.key), other.values.get(parameter.key)
            if mine != theirs:
                yield parameter, mine, theirs

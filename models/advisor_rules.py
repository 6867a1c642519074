"""The advisor's tuning rules and symptom words, kept as data in ``data/advisor_rules.json``.

Each rule answers one symptom with one change to one setup-sheet parameter and cites the public
guide it comes from. ``problems()`` checks a rule book against the setup sheet and the track
vocabularies; a test runs it on the shipped file, so a bad edit fails the suite, not the pits.
The file's ``conventions`` block explains directions, steps and conditions.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from models.setup_sheet import PARAMETERS_BY_KEY
from models.vocabularies import words

_FILE = Path(__file__).with_name("data") / "advisor_rules.json"

NUMBER_DIRECTIONS = ("increase", "decrease")
# Track-context fields a rule may name, and the vocabulary each one's words come from.
CONTEXT_VOCABULARIES = {
    "size": "track_size",
    "traction": "track_traction",
    "surface": "track_surface",
    "condition": "track_condition",
}
# A step is "sensible" when it is a whole number of the parameter's own step, at most this many.
MAX_STEPS_PER_CHANGE = 10


@dataclass(frozen=True)
class Symptom:
    key: str
    label: str
    where: str


@dataclass(frozen=True)
class Rule:
    id: str
    symptom: str
    parameter: str
    direction: str
    step: float | None
    reasoning: str
    source: str
    weight: int = 1
    safe: bool = False
    conditions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    prefer: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleBook:
    where: tuple[tuple[str, str], ...]  # (key, label), in the order the debrief shows them
    symptoms: tuple[Symptom, ...]
    rules: tuple[Rule, ...]
    text_directions: Mapping[str, Mapping[str, str]]  # parameter -> direction -> label
    few_rounds_left: int
    number_words: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @property
    def symptoms_by_key(self) -> dict[str, Symptom]:
        return {s.key: s for s in self.symptoms}

    def symptom_label(self, key: str) -> str:
        symptom = self.symptoms_by_key.get(key)
        return symptom.label if symptom else key

    def direction_label(self, rule: Rule) -> str:
        """How the change reads: "Thicker", "Larger holes", "More toe-in"."""
        words_for = self.text_directions.get(rule.parameter) or self.number_words.get(
            rule.parameter, {}
        )
        return words_for.get(rule.direction, rule.direction)


def _words(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(value or ())


def parse(raw: Mapping[str, Any]) -> RuleBook:
    """Build a rule book from the file's JSON (no checks: see ``problems``)."""
    rules = tuple(
        Rule(
            id=r["id"],
            symptom=r["symptom"],
            parameter=r["parameter"],
            direction=r["direction"],
            step=r.get("step"),
            reasoning=r.get("reasoning", ""),
            source=r.get("source", ""),
            weight=r.get("weight", 1),
            safe=r.get("safe", False),
            conditions={k: _words(v) for k, v in (r.get("conditions") or {}).items()},
            prefer={k: _words(v) for k, v in (r.get("prefer") or {}).items()},
        )
        for r in raw.get("rules", ())
    )
    return RuleBook(
        where=tuple((w["key"], w["label"]) for w in raw.get("where", ())),
        symptoms=tuple(Symptom(s["key"], s["label"], s["where"]) for s in raw.get("symptoms", ())),
        rules=rules,
        text_directions={p: dict(d) for p, d in (raw.get("text_directions") or {}).items()},
        few_rounds_left=int(raw.get("few_rounds_left", 0)),
        number_words={p: dict(d) for p, d in (raw.get("number_words") or {}).items()},
    )


@cache
def rule_book() -> RuleBook:
    """The shipped rule book."""
    return parse(json.loads(_FILE.read_text(encoding="utf-8")))


def _is_whole_multiple(value: float, unit: float) -> bool:
    ratio = value / unit
    return math.isclose(ratio, round(ratio), abs_tol=1e-6)


def _rule_problems(book: RuleBook, rule: Rule) -> list[str]:
    where = f"rule {rule.id!r}"
    found: list[str] = []
    if rule.symptom not in book.symptoms_by_key:
        found.append(f"{where}: symptom {rule.symptom!r} is not in the symptom list")
    if not rule.source.strip():
        found.append(f"{where}: no source")
    if not rule.reasoning.strip():
        found.append(f"{where}: no reasoning")
    if not (isinstance(rule.weight, int) and 1 <= rule.weight <= 3):
        found.append(f"{where}: weight must be 1, 2 or 3")
    for kind, fields in (("conditions", rule.conditions), ("prefer", rule.prefer)):
        for key, values in fields.items():
            if key not in CONTEXT_VOCABULARIES:
                found.append(f"{where}: {kind} on unknown track field {key!r}")
                continue
            unknown = [v for v in values if v not in words(CONTEXT_VOCABULARIES[key])]
            if unknown or not values:
                found.append(f"{where}: {kind} {key} has words outside the vocabulary: {unknown}")
    parameter = PARAMETERS_BY_KEY.get(rule.parameter)
    if parameter is None:
        found.append(f"{where}: {rule.parameter!r} is not a setup-sheet parameter")
        return found
    if parameter.is_number:
        assert parameter.minimum is not None and parameter.maximum is not None
        if rule.direction not in NUMBER_DIRECTIONS:
            found.append(f"{where}: a number changes by 'increase' or 'decrease'")
        if rule.parameter not in book.number_words:
            found.append(f"{where}: number_words has no words for {rule.parameter!r}")
        step = rule.step
        if isinstance(step, bool) or not isinstance(step, int | float) or not step > 0:
            found.append(f"{where}: a number needs a positive step in {parameter.unit}")
        elif not _is_whole_multiple(step, parameter.step):
            found.append(f"{where}: step {step} is not a multiple of {parameter.step}")
        elif (
            step > parameter.step * MAX_STEPS_PER_CHANGE
            or step > (parameter.maximum - parameter.minimum) / 4
        ):
            found.append(f"{where}: step {step} {parameter.unit} is too big for one change")
    else:
        allowed = book.text_directions.get(rule.parameter, {})
        if rule.direction not in allowed:
            found.append(
                f"{where}: {rule.parameter} changes by one of {sorted(allowed)}, "
                f"not {rule.direction!r}"
            )
        if rule.step is not None:
            found.append(f"{where}: a named part ({parameter.label}) has no numeric step")
    return found


def problems(book: RuleBook) -> list[str]:
    """Everything wrong with a rule book, as sentences; empty when it is sound."""
    found: list[str] = []
    where_keys = {key for key, _ in book.where}
    for symptom in book.symptoms:
        if symptom.where not in where_keys:
            found.append(f"symptom {symptom.key!r}: unknown place {symptom.where!r}")
    if len({s.key for s in book.symptoms}) != len(book.symptoms):
        found.append("symptom keys repeat")
    ids = [rule.id for rule in book.rules]
    for rule_id in sorted({i for i in ids if ids.count(i) > 1}):
        found.append(f"rule id {rule_id!r} is used twice")
    for parameter, directions in book.text_directions.items():
        if parameter not in PARAMETERS_BY_KEY or PARAMETERS_BY_KEY[parameter].is_number:
            found.append(f"text_directions: {parameter!r} is not a named-part parameter")
        elif len(directions) < 2:
            found.append(f"text_directions: {parameter!r} needs both directions")
    for parameter, directions in book.number_words.items():
        if parameter not in PARAMETERS_BY_KEY or not PARAMETERS_BY_KEY[parameter].is_number:
            found.append(f"number_words: {parameter!r} is not a number parameter")
        elif set(directions) != set(NUMBER_DIRECTIONS):
            found.append(f"number_words: {parameter!r} needs words for increase and decrease")
    for rule in book.rules:
        found.extend(_rule_problems(book, rule))
    for symptom in book.symptoms:
        general = [r for r in book.rules if r.symptom == symptom.key and not r.conditions]
        if len(general) < 2:
            found.append(f"symptom {symptom.key!r}: fewer than two rules that apply anywhere")
    return found

"""The advisor: from what the car does wrong to setup changes, offline, from cited rules.

``advise`` is pure and deterministic: the same debrief, track context, rounds left, setup,
pending changes and history give the same proposals in the same order. It reads the rules from
``models/data/advisor_rules.json`` (see ``models.advisor_rules``) and:

- offers one to three changes per symptom, each inside its parameter's range, none on a
  parameter that already has a pending change or that this answer already changes;
- applies a rule only where its track conditions hold, and ranks higher the rules whose
  preferred context matches;
- with few practice rounds left, offers only quick, safe rules at half their step;
- ranks a rule higher when its earlier changes made this racer faster in a similar track
  context, lower when they made the racer slower, and says so;
- when two rules pull one parameter opposite ways (guides disagree, or two symptoms do), it
  keeps one and says which other guide disagrees, rather than choosing silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from models.advisor_rules import Rule, RuleBook, rule_book
from models.setup_sheet import PARAMETERS_BY_KEY, TEXT_MAX_LENGTH, SetupParameter

MAX_PROPOSALS_PER_SYMPTOM = 3
FASTER, SLOWER = "faster", "slower"
# Score points: the guide's weight, a matching track context, and each result for this racer.
_WEIGHT_POINTS = 10
_PREFER_POINTS = 6
_RESULT_POINTS = 12
# Which track fields make two sessions "similar" for the racer's history.
_SIMILAR_FIELDS = ("traction", "surface")


@dataclass(frozen=True)
class PastOutcome:
    """An earlier accepted advisor change of this racer and what the laps said afterwards."""

    rule_id: str
    verdict: str  # "faster" or "slower"; anything else is ignored
    track_context: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Proposal:
    symptom: str
    symptom_label: str
    rule_id: str
    parameter: str
    parameter_label: str
    old_value: float | int | str | None
    new_value: float | int | str
    change: str  # how it reads: "450 cSt → 500 cSt", "Green → Stiffer than Green"
    reasoning: str
    source: str
    why_ranked: str | None = None
    disagreement: str | None = None

    @property
    def change_reasoning(self) -> str:
        """The reasoning stored with the pending change: the why, then where it comes from."""
        parts = [self.reasoning, f"Source: {self.source}."]
        if self.why_ranked:
            parts.append(f"{self.why_ranked}.")
        if self.disagreement:
            parts.append(self.disagreement)
        return " ".join(parts)

    def to_data(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Advice:
    proposals: tuple[Proposal, ...]
    notes: tuple[str, ...]  # disagreements, skipped fixes, the few-rounds-left rule

    def to_text(self) -> str:
        """The answer as plain text, as the conversation shows and keeps it."""
        if not self.proposals and not self.notes:
            return "Noted. Tap what the car does wrong and I will suggest changes."
        lines: list[str] = []
        for number, p in enumerate(self.proposals, start=1):
            lines.append(f"{number}. {p.symptom_label}: {p.parameter_label} {p.change}.")
            lines.append(f"   {p.reasoning}")
            lines.append(f"   Source: {p.source}")
            if p.why_ranked:
                lines.append(f"   {p.why_ranked}.")
            if p.disagreement:
                lines.append(f"   {p.disagreement}")
        if not self.proposals:
            lines.append("No new change to suggest.")
        lines.extend(self.notes)
        return "\n".join(lines)


def rounds_are_few(rounds_left: int | None, book: RuleBook | None = None) -> bool:
    book = book or rule_book()
    return rounds_left is not None and rounds_left <= book.few_rounds_left


def _matches(context: Mapping[str, str], fields: Mapping[str, tuple[str, ...]]) -> bool:
    return all(context.get(key) in values for key, values in fields.items())


def _preferred(context: Mapping[str, str], prefer: Mapping[str, tuple[str, ...]]) -> list[str]:
    """The context words a rule prefers that this track has, e.g. ["Bumpy"]."""
    return [context[k] for k, values in prefer.items() if context.get(k) in values]


def _similar(now: Mapping[str, str], then: Mapping[str, str]) -> bool:
    return all(
        now.get(key) == then.get(key) for key in _SIMILAR_FIELDS if now.get(key) and then.get(key)
    )


def _context_phrase(context: Mapping[str, str]) -> str:
    traction = context.get("traction")
    if traction == "Blue Groove":
        return "on blue groove"
    if traction:
        return f"on {traction.lower()} traction"
    if context.get("surface"):
        return f"on {context['surface'].lower()}"
    return "in your sessions"


def _times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


@dataclass(frozen=True)
class _Record:
    faster: int = 0
    slower: int = 0

    @property
    def points(self) -> int:
        return (self.faster - self.slower) * _RESULT_POINTS

    def explain(self, context: Mapping[str, str]) -> str | None:
        where = _context_phrase(context)
        if self.faster and self.slower:
            return f"Made you faster {_times(self.faster)} and slower {_times(self.slower)} {where}"
        if self.faster:
            return f"Worked for you {_times(self.faster)} {where}"
        if self.slower:
            return f"Made you slower {_times(self.slower)} {where}, so ranked lower"
        return None


def _records(history: Iterable[PastOutcome], context: Mapping[str, str]) -> dict[str, _Record]:
    counts: dict[str, list[int]] = {}
    for outcome in history:
        if outcome.verdict not in (FASTER, SLOWER) or not _similar(context, outcome.track_context):
            continue
        tally = counts.setdefault(outcome.rule_id, [0, 0])
        tally[0 if outcome.verdict == FASTER else 1] += 1
    return {rule_id: _Record(f, s) for rule_id, (f, s) in counts.items()}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _step_for(rule: Rule, parameter: SetupParameter, few_rounds: bool) -> float:
    assert rule.step is not None
    if not few_rounds:
        return rule.step
    # Half the step, kept on the parameter's own grid and never below one of its steps.
    units = max(1, round(rule.step / parameter.step / 2))
    return units * parameter.step


def _new_value(
    rule: Rule, parameter: SetupParameter, old: Any, few_rounds: bool, book: RuleBook
) -> tuple[float | int | str | None, str | None]:
    """The value the rule proposes, or None with the reason it cannot."""
    if not parameter.is_number:
        label = book.direction_label(rule)
        old_text = str(old).strip() if old not in (None, "") else ""
        proposed = f"{label} than {old_text}" if old_text else label
        return (proposed if len(proposed) <= TEXT_MAX_LENGTH else label), None
    current = _number(old)
    if current is None:
        return None, f"{parameter_name(parameter).lower()} is not on the setup sheet yet"
    assert parameter.minimum is not None and parameter.maximum is not None
    step = _step_for(rule, parameter, few_rounds)
    target = current + step if rule.direction == "increase" else current - step
    target = min(parameter.maximum, max(parameter.minimum, target))
    if abs(target - current) < 1e-9:
        return None, f"{parameter_name(parameter).lower()} is already at its limit"
    if parameter.integer:
        return round(target), None
    return round(target, 3), None


@dataclass
class _Candidate:
    rule: Rule
    score: int
    order: int
    new_value: float | int | str
    record: _Record
    why: str | None


def parameter_name(parameter: SetupParameter) -> str:
    """A parameter as the racer says it: "Front sway bar", "Center diff", "Tire tread"."""
    if parameter.group in ("Front", "Rear"):
        return f"{parameter.group} {parameter.label.lower()}"
    if parameter.group == "Tires":
        return f"Tire {parameter.label.lower()}"
    return parameter.label


def _opposite(a: Rule, b: Rule) -> bool:
    return a.parameter == b.parameter and a.direction != b.direction


def _short_source(source: str) -> str:
    return source.split(",")[0].strip()


def _candidates(
    symptom: str,
    book: RuleBook,
    context: Mapping[str, str],
    setup: Mapping[str, Any],
    few_rounds: bool,
    records: Mapping[str, _Record],
) -> tuple[list[_Candidate], list[str]]:
    """Every rule that could answer the symptom here, best first, and why others could not."""
    found: list[_Candidate] = []
    reasons: list[str] = []
    for index, rule in enumerate(book.rules):
        if rule.symptom != symptom or not _matches(context, rule.conditions):
            continue
        if few_rounds and not rule.safe:
            continue
        parameter = PARAMETERS_BY_KEY[rule.parameter]
        new_value, why_not = _new_value(
            rule, parameter, setup.get(rule.parameter), few_rounds, book
        )
        if new_value is None:
            reasons.append(str(why_not))
            continue
        record = records.get(rule.id, _Record())
        liked = _preferred(context, rule.prefer)
        why_parts = [p for p in (record.explain(context),) if p]
        if liked:
            why_parts.append(f"suits {' and '.join(w.lower() for w in liked)} tracks")
        score = rule.weight * _WEIGHT_POINTS + len(liked) * _PREFER_POINTS + record.points
        why = "; ".join(why_parts)
        why = why[:1].upper() + why[1:] if why else None
        found.append(_Candidate(rule, score, index, new_value, record, why))
    found.sort(key=lambda c: (-c.score, c.order))
    return found, reasons


def _disagreement(book: RuleBook, kept: _Candidate, other: _Candidate) -> str:
    name = parameter_name(PARAMETERS_BY_KEY[kept.rule.parameter]).lower()
    if kept.record.points > other.record.points:
        because = "it has worked better for you"
    elif kept.score > other.score:
        because = "it is the stronger suggestion for this track"
    else:
        because = "it comes first in the rules"
    return (
        f"Guides disagree on the {name}: {_short_source(other.rule.source)} says "
        f"{book.direction_label(other.rule).lower()}: {other.rule.reasoning} "
        f"{book.direction_label(kept.rule)} is suggested because {because}; "
        "if it does not help, try the other way."
    )


def advise(
    symptoms: Iterable[str],
    track_context: Mapping[str, str] | None,
    rounds_left: int | None,
    setup: Mapping[str, Any] | None,
    pending_parameters: Iterable[str] = (),
    history: Iterable[PastOutcome] = (),
    book: RuleBook | None = None,
) -> Advice:
    """Proposals for the symptoms the racer picked; see the module docstring."""
    book = book or rule_book()
    context = {k: v for k, v in (track_context or {}).items() if v}
    setup = setup or {}
    few_rounds = rounds_are_few(rounds_left, book)
    pending = set(pending_parameters)
    records = _records(history, context)
    order = {s.key: i for i, s in enumerate(book.symptoms)}
    wanted = sorted({s for s in symptoms if s in order}, key=order.__getitem__)

    proposals: list[Proposal] = []
    notes: list[str] = []
    if few_rounds and wanted:
        plural = "s" if rounds_left != 1 else ""
        notes.append(
            f"Only {rounds_left} practice round{plural} left: "
            "only quick, small changes that are easy to undo."
        )
    chosen: dict[str, tuple[Rule, Proposal]] = {}  # parameter -> its change in this answer
    waiting: set[str] = set()

    for symptom in wanted:
        label = book.symptom_label(symptom)
        candidates, reasons = _candidates(symptom, book, context, setup, few_rounds, records)
        made = 0
        considered: set[str] = set()  # each part once per symptom: its best-ranked rule
        for candidate in candidates:
            rule = candidate.rule
            if rule.parameter in considered:
                continue  # a weaker rule on the same part; a disagreement is told with the best
            considered.add(rule.parameter)
            parameter = PARAMETERS_BY_KEY[rule.parameter]
            name = parameter_name(parameter)
            if rule.parameter in pending:
                waiting.add(name.lower())
                continue
            if rule.parameter in chosen:
                earlier_rule, earlier = chosen[rule.parameter]
                if _opposite(earlier_rule, rule) and made < MAX_PROPOSALS_PER_SYMPTOM:
                    notes.append(
                        f"{label} would move the {name.lower()} the other way from the "
                        f"change for {earlier.symptom_label.lower()}: try one at a time."
                    )
                continue
            if made == MAX_PROPOSALS_PER_SYMPTOM:
                break
            rival = next((c for c in candidates if _opposite(rule, c.rule)), None)
            old = setup.get(rule.parameter)
            proposal = Proposal(
                symptom=symptom,
                symptom_label=label,
                rule_id=rule.id,
                parameter=rule.parameter,
                parameter_label=name,
                old_value=old,
                new_value=candidate.new_value,
                change=f"{parameter.format(old)} → {parameter.format(candidate.new_value)}",
                reasoning=rule.reasoning,
                source=rule.source,
                why_ranked=candidate.why,
                disagreement=_disagreement(book, candidate, rival) if rival else None,
            )
            proposals.append(proposal)
            chosen[rule.parameter] = (rule, proposal)
            made += 1
        if made == 0:
            why = f" ({'; '.join(dict.fromkeys(reasons))})" if reasons else ""
            notes.append(f"{label}: nothing new to suggest{why}.")
    if waiting:
        notes.append(
            f"Already waiting for your decision in the Setup tab: {', '.join(sorted(waiting))}."
        )
    return Advice(tuple(proposals), tuple(notes))


def advice_data(advice: Advice) -> dict[str, Any]:
    """The structured part of an advisor message."""
    return {
        "proposals": [p.to_data() for p in advice.proposals],
        "notes": list(advice.notes),
    }

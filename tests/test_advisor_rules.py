"""The advisor's rule file: each rule fits the setup sheet, cites a guide, names a known symptom."""

import copy
import json
from pathlib import Path

import pytest

from models.advisor_rules import parse, problems, rule_book
from models.setup_sheet import PARAMETERS_BY_KEY

RULES_FILE = Path(__file__).parents[1] / "models" / "data" / "advisor_rules.json"


@pytest.fixture
def raw_rules():
    return json.loads(RULES_FILE.read_text(encoding="utf-8"))


def test_shipped_rules_fit_the_setup_sheet_and_cite_a_guide():
    assert problems(rule_book()) == []


def test_the_rule_book_is_big_enough_for_a_race_day():
    book = rule_book()
    assert len(book.rules) >= 40
    assert len(book.symptoms) >= 14
    for symptom in book.symptoms:
        assert len([r for r in book.rules if r.symptom == symptom.key]) >= 2, symptom.key


def test_symptoms_cover_every_part_of_the_track():
    book = rule_book()
    places = {symptom.where for symptom in book.symptoms}
    assert places == {key for key, _ in book.where}
    labels = " ".join(s.label.lower() for s in book.symptoms)
    for words in (
        "pushes",
        "loose",
        "braking",
        "on power",
        "bumps",
        "ruts",
        "nose-dives",
        "nose-high",
        "kicks",
        "landings",
        "traction rolls",
        "wheelies",
        "tires",
    ):
        assert words in labels, words  # fmt: skip


def test_every_text_part_has_a_direction_and_no_number():
    book = rule_book()
    for rule in book.rules:
        if not PARAMETERS_BY_KEY[rule.parameter].is_number:
            assert rule.step is None
            assert rule.direction in book.text_directions[rule.parameter]


def _first_rule_of(raw, parameter):
    return next(r for r in raw["rules"] if r["parameter"] == parameter)


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (lambda r: r.update(parameter="front_wing"), "is not a setup-sheet parameter"),
        (lambda r: r.update(source=" "), "no source"),
        (lambda r: r.update(symptom="makes_coffee"), "is not in the symptom list"),
        (lambda r: r.update(step=0.25), "is not a multiple of 0.1"),
        (lambda r: r.update(step=3.0), "too big for one change"),
        (lambda r: r.update(step=-0.1), "needs a positive step"),
        (lambda r: r.update(direction="sideways"), "'increase' or 'decrease'"),
        (lambda r: r.update(conditions={"traction": ["Sticky"]}), "outside the vocabulary"),
        (lambda r: r.update(prefer={"weather": ["Hot"]}), "unknown track field"),
    ],
)
def test_the_check_catches_a_bad_number_rule(raw_rules, change, complaint):
    rule = _first_rule_of(raw_rules, "front_sway_bar")
    change(rule)
    found = problems(parse(raw_rules))
    assert any(rule["id"] in p and complaint in p for p in found), found


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (lambda r: r.update(step=1), "has no numeric step"),
        (lambda r: r.update(direction="bluer"), "changes by one of"),
    ],
)
def test_the_check_catches_a_bad_text_rule(raw_rules, change, complaint):
    rule = _first_rule_of(raw_rules, "front_spring")
    change(rule)
    found = problems(parse(raw_rules))
    assert any(rule["id"] in p and complaint in p for p in found), found


def test_the_check_wants_two_general_rules_per_symptom(raw_rules):
    thinned = copy.deepcopy(raw_rules)
    thinned["rules"] = [r for r in thinned["rules"] if r["symptom"] != "wheelies"][:]
    thinned["rules"].append(_first_rule_of(raw_rules, "clutch_bell") | {"id": "only-one"})
    thinned["rules"][-1]["symptom"] = "wheelies"
    assert "symptom 'wheelies': fewer than two rules that apply anywhere" in problems(
        parse(thinned)
    )


def test_the_check_refuses_a_repeated_rule_id(raw_rules):
    raw_rules["rules"][1]["id"] = raw_rules["rules"][0]["id"]
    assert f"rule id {raw_rules['rules'][0]['id']!r} is used twice" in problems(parse(raw_rules))

"""The advisor's proposals: in range, never repeated, fitted to the track, the rounds left and
what worked for this racer before, with disagreements said out loud, and always the same."""

import random

import pytest

from models.advisor_rules import parse, rule_book
from models.setup_sheet import EXAMPLE_SETUP, PARAMETERS, PARAMETERS_BY_KEY
from services import validation
from services.advisor import PastOutcome, advice_data, advise

SOURCE_A = "Guide A, page 1"
SOURCE_B = "Guide B, page 2"


def small_book(*rules, few_rounds_left=2):
    """A rule book with the shipped symptoms and words but only the given rules."""
    shipped = rule_book()
    return parse({
        "where": [{"key": k, "label": v} for k, v in shipped.where],
        "symptoms": [{"key": s.key, "label": s.label, "where": s.where} for s in shipped.symptoms],
        "text_directions": shipped.text_directions,
        "number_words": shipped.number_words,
        "few_rounds_left": few_rounds_left,
        "rules": [{"reasoning": f"Because {r['id']}.", "source": SOURCE_A, **r} for r in rules],
    })  # fmt: skip


def rule(id, parameter="front_sway_bar", direction="decrease", step=0.1, symptom="push_mid", **kw):
    return {"id": id, "symptom": symptom, "parameter": parameter, "direction": direction,
            "step": step, **kw}  # fmt: skip


def extreme_setup(end):
    """Every number at its minimum or maximum; named parts as on the example sheet."""
    setup = dict(EXAMPLE_SETUP)
    for p in PARAMETERS:
        if p.is_number:
            setup[p.key] = p.minimum if end == "min" else p.maximum
    return setup


@pytest.mark.parametrize("setup", [EXAMPLE_SETUP, extreme_setup("min"), extreme_setup("max")])
@pytest.mark.parametrize("symptom", [s.key for s in rule_book().symptoms])
def test_every_proposal_is_inside_its_parameters_range(symptom, setup):
    advice = advise([symptom], {"traction": "High", "condition": "Bumpy"}, None, setup)
    assert len(advice.proposals) <= 3
    for proposal in advice.proposals:
        parameter = PARAMETERS_BY_KEY[proposal.parameter]
        # The one cleaner every stored value goes through accepts it unchanged.
        assert validation.setup_value(parameter, proposal.new_value) == proposal.new_value
        assert proposal.new_value != proposal.old_value
        assert proposal.source and proposal.reasoning


@pytest.mark.parametrize("symptom", [s.key for s in rule_book().symptoms])
def test_each_symptom_gets_one_to_three_cited_proposals_on_a_full_sheet(symptom):
    advice = advise([symptom], {}, None, EXAMPLE_SETUP)
    assert 1 <= len(advice.proposals) <= 3
    assert all(p.symptom == symptom for p in advice.proposals)


def test_a_change_that_would_leave_the_range_stops_at_the_limit_or_is_not_offered():
    book = small_book(rule("stiffer-bar", direction="increase", step=0.2),
                      rule("thicker-oil", parameter="front_shock_oil", direction="increase",
                           step=50))  # fmt: skip
    near = advise(["push_mid"], {}, None, {"front_sway_bar": 3.9, "front_shock_oil": 1500},
                  book=book)  # fmt: skip
    assert [(p.parameter, p.new_value) for p in near.proposals] == [("front_sway_bar", 4.0)]
    at_limits = advise(["push_mid"], {}, None, {"front_sway_bar": 4, "front_shock_oil": 1500},
                       book=book)  # fmt: skip
    assert at_limits.proposals == ()
    assert at_limits.notes == (
        "Pushes mid-corner: nothing new to suggest (front sway bar is already at its limit; "
        "front shock oil is already at its limit).",
    )


def test_a_number_not_on_the_sheet_is_not_guessed():
    book = small_book(rule("softer-bar"), rule("spring", parameter="front_spring",
                                               direction="softer", step=None))  # fmt: skip
    advice = advise(["push_mid"], {}, None, {}, book=book)
    assert [(p.parameter, p.new_value) for p in advice.proposals] == [("front_spring", "Softer")]
    advice = advise(["push_mid"], {}, None, {"front_spring": "Green"}, book=book)
    assert advice.proposals[0].new_value == "Softer than Green"
    assert advice.proposals[0].change == "Green → Softer than Green"


def test_a_change_already_pending_is_not_proposed_again():
    book = small_book(rule("softer-bar", weight=3), rule("camber", parameter="front_camber"))
    advice = advise(["push_mid"], {}, None, EXAMPLE_SETUP, pending_parameters=["front_sway_bar"],
                    book=book)  # fmt: skip
    assert [p.rule_id for p in advice.proposals] == ["camber"]
    assert "Already waiting for your decision in the Setup tab: front sway bar." in advice.notes


def test_no_more_than_three_proposals_for_one_symptom():
    book = small_book(
        *[
            rule(f"r{i}", parameter=p)
            for i, p in enumerate(
                ["front_sway_bar", "rear_sway_bar", "front_camber", "rear_camber", "front_toe"]
            )
        ]
    )
    advice = advise(["push_mid"], {}, None, EXAMPLE_SETUP, book=book)
    assert [p.rule_id for p in advice.proposals] == ["r0", "r1", "r2"]


def test_a_rule_with_track_conditions_applies_only_on_that_track():
    book = small_book(
        rule("everywhere", parameter="front_camber"),
        rule("high-grip-only", conditions={"traction": ["High", "Blue Groove"]}),
    )
    on_high = advise(["push_mid"], {"traction": "Blue Groove"}, None, EXAMPLE_SETUP, book=book)
    on_low = advise(["push_mid"], {"traction": "Low"}, None, EXAMPLE_SETUP, book=book)
    unknown = advise(["push_mid"], {}, None, EXAMPLE_SETUP, book=book)
    assert {p.rule_id for p in on_high.proposals} == {"everywhere", "high-grip-only"}
    assert [p.rule_id for p in on_low.proposals] == ["everywhere"]
    assert [p.rule_id for p in unknown.proposals] == ["everywhere"]


def test_the_track_context_reorders_the_shipped_fixes_for_fading_grip():
    anywhere = advise(["tire_wear"], {}, None, EXAMPLE_SETUP)
    dry_day = advise(["tire_wear"], {"surface": "Dry"}, None, EXAMPLE_SETUP)
    assert "fade-hot-oil-thicker" not in [p.rule_id for p in anywhere.proposals]
    fade = next(p for p in dry_day.proposals if p.rule_id == "fade-hot-oil-thicker")
    assert fade.why_ranked == "Suits dry tracks"
    blue_groove = advise(["tire_wear"], {"traction": "Blue Groove"}, None, EXAMPLE_SETUP)
    assert "tire-wear-lower-pins" in [p.rule_id for p in blue_groove.proposals]
    assert "tire-wear-lower-pins" not in [p.rule_id for p in anywhere.proposals]


def test_few_rounds_left_offers_only_small_safe_changes():
    book = small_book(
        rule("diff", parameter="diff_front", step=2000, weight=3),
        rule("height", parameter="front_ride_height", step=2, safe=True),
    )
    plenty = advise(["push_mid"], {}, 5, EXAMPLE_SETUP, book=book)
    few = advise(["push_mid"], {}, 2, EXAMPLE_SETUP, book=book)
    assert [(p.rule_id, p.new_value) for p in plenty.proposals] == [("diff", 5000), ("height", 25)]
    assert [(p.rule_id, p.new_value) for p in few.proposals] == [("height", 26)]
    assert few.notes[0].startswith("Only 2 practice rounds left")


def test_with_few_rounds_the_shipped_rules_still_answer_but_only_safely():
    book = rule_book()
    safe = {r.id for r in book.rules if r.safe}
    advice = advise(["push_entry", "bottoming", "wheelies"], {}, 1, EXAMPLE_SETUP)
    assert advice.proposals and {p.rule_id for p in advice.proposals} <= safe


def test_guides_that_disagree_are_named_not_silently_settled():
    advice = advise(["push_exit"], {}, None, EXAMPLE_SETUP)
    centre = next(p for p in advice.proposals if p.parameter == "diff_center")
    assert centre.rule_id == "push-exit-centre-diff-thicker"  # the guide's stronger pick
    assert centre.disagreement.startswith("Guides disagree on the center diff: Tekno RC kit")
    assert "says thinner" in centre.disagreement and "try the other way" in centre.disagreement
    assert "Guides disagree" in advice.to_text()


def test_what_made_this_racer_faster_on_similar_tracks_ranks_first():
    book = small_book(
        rule("guide-favourite", weight=3),
        rule("racer-favourite", parameter="front_camber", weight=1),
        rule("third", parameter="rear_sway_bar", direction="increase"),
    )
    high = {"traction": "High", "surface": "Clay"}
    history = [PastOutcome("racer-favourite", "faster", {"traction": "High"})] * 3 + [
        PastOutcome("racer-favourite", "slower", {"traction": "Low"}),  # another kind of track
        PastOutcome("guide-favourite", "no laps", {"traction": "High"}),  # no verdict yet
    ]
    advice = advise(["push_mid"], high, None, EXAMPLE_SETUP, history=history, book=book)
    assert [p.rule_id for p in advice.proposals] == ["racer-favourite", "guide-favourite", "third"]
    assert advice.proposals[0].why_ranked == "Worked for you 3 times on high traction"
    assert advice.proposals[1].why_ranked is None


def test_what_made_this_racer_slower_ranks_lower_and_says_so():
    book = small_book(rule("first", weight=2), rule("second", parameter="front_camber"))
    history = [PastOutcome("first", "slower", {"traction": "Medium"})] * 2
    advice = advise(["push_mid"], {"traction": "Medium"}, None, EXAMPLE_SETUP, history=history,
                    book=book)  # fmt: skip
    assert [p.rule_id for p in advice.proposals] == ["second", "first"]
    assert advice.proposals[1].why_ranked == (
        "Made you slower twice on medium traction, so ranked lower"
    )


def test_a_disagreement_settled_by_the_racers_results_says_why():
    book = small_book(
        rule("thicker", parameter="diff_center", direction="increase", step=2000, weight=3),
        rule("thinner", parameter="diff_center", step=2000, source=SOURCE_B),
    )
    history = [PastOutcome("thinner", "faster", {})] * 2
    advice = advise(["push_mid"], {}, None, EXAMPLE_SETUP, history=history, book=book)
    assert [p.rule_id for p in advice.proposals] == ["thinner"]
    assert advice.proposals[0].why_ranked == "Worked for you twice in your sessions"
    disagreement = advice.proposals[0].disagreement
    assert disagreement.startswith("Guides disagree on the center diff: Guide A")
    assert "because it has worked better for you" in disagreement


def test_two_symptoms_pulling_one_part_both_ways_are_told_apart():
    book = small_book(
        rule("push", symptom="push_mid", direction="decrease"),
        rule("roll", symptom="traction_roll", direction="increase"),
        rule("roll-2", symptom="traction_roll", parameter="front_ride_height"),
    )
    advice = advise(["traction_roll", "push_mid"], {}, None, EXAMPLE_SETUP, book=book)
    assert [p.rule_id for p in advice.proposals] == ["push", "roll-2"]
    assert any("the other way" in note and "front sway bar" in note for note in advice.notes)


def test_same_debrief_context_and_history_give_the_same_proposals():
    symptoms = ["push_exit", "bottoming", "loose_exit", "chatter", "tire_wear"]
    context = {"traction": "High", "surface": "Clay", "condition": "Bumpy", "size": "Large"}
    history = [PastOutcome(r.id, v, {"traction": "High"})
               for r, v in zip(rule_book().rules[::5], ["faster", "slower", "faster"] * 9,
                               strict=False)]  # fmt: skip
    first = advise(symptoms, context, 4, EXAMPLE_SETUP, ["front_camber"], history)
    shuffled = random.Random(7)
    for _ in range(5):
        symptoms_again, history_again = list(symptoms), list(history)
        shuffled.shuffle(symptoms_again)
        shuffled.shuffle(history_again)
        again = advise(symptoms_again, dict(reversed(context.items())), 4, dict(EXAMPLE_SETUP),
                       ["front_camber"], history_again)  # fmt: skip
        assert advice_data(again) == advice_data(first)
        assert again.to_text() == first.to_text()


def test_unknown_symptoms_and_empty_debriefs_propose_nothing():
    advice = advise(["does_a_backflip"], {}, None, EXAMPLE_SETUP)
    assert advice.proposals == () and advice.notes == ()
    assert "Tap what the car does wrong" in advice.to_text()

"""The advisor conversation on a session: debriefs, answers, pending changes, isolation."""

import pytest

from models import ChangeSource, ChangeStatus, Message, MessageRole, RunResult, SetupChange
from models.advisor_rules import rule_book
from models.setup_sheet import EXAMPLE_SETUP
from services import debriefs, garage, profile_service, sessions, setups, validation
from services.errors import NotFoundError, RuleError, ValidationError


async def start(racer_id, name="Club day", context=None, practice_rounds=5):
    car = await garage.add_vehicle(racer_id, "Tekno", f"NB48 {name}", reference_setup=EXAMPLE_SETUP)
    return await sessions.start_session(
        racer_id, car.id, name, "Practice", "2026-05-17", context or {"traction": "High"}, [],
        practice_rounds=practice_rounds,
    )  # fmt: skip


@pytest.fixture
async def dad(db):
    return await profile_service.create_profile("Dad")


@pytest.fixture
async def lena(db):
    return await profile_service.create_profile("Lena")


async def test_a_debrief_and_its_answer_are_kept_on_the_session(dad):
    session = await start(dad.id)
    debrief, answer = await debriefs.ask_advisor(
        dad.id, session.id, ["bottoming", "push_mid"], note="Big triple", rating=2
    )
    thread = await debriefs.conversation(dad.id, session.id)
    assert [m.id for m in thread] == [debrief.id, answer.id]  # oldest first
    assert thread[0].role == MessageRole.RACER
    assert thread[0].symptoms == ("Pushes mid-corner", "Bottoms on landings")
    assert (thread[0].rating, thread[0].note) == (2, "Big triple")
    assert thread[0].content == "Pushes mid-corner, Bottoms on landings\nFeel 2/5\nBig triple"
    assert thread[1].role == MessageRole.ADVISOR
    assert 2 <= len(thread[1].proposals) <= 6
    assert {p.symptom_label for p in thread[1].proposals} == {
        "Pushes mid-corner", "Bottoms on landings"
    }  # fmt: skip
    assert all(p.source and p.status == ChangeStatus.PENDING for p in thread[1].proposals)
    assert thread[1].content.startswith("1. Pushes mid-corner: ")


async def test_each_proposal_lands_as_a_pending_advisor_change_with_its_rule(dad):
    session = await start(dad.id)
    _, answer = await debriefs.ask_advisor(dad.id, session.id, ["push_mid"])
    pending = await setups.pending_changes(dad.id, session.id)
    assert [c.id for c in pending] == [p.change_id for p in answer.proposals]
    rules = {r.id: r for r in rule_book().rules}
    for change, proposal in zip(pending, answer.proposals, strict=True):
        assert change.source == ChangeSource.ADVISOR
        assert change.message_id == answer.id
        assert change.parameter == proposal.parameter
        rule = rules[change.rule_id]
        assert rule.symptom == "push_mid" and rule.parameter == change.parameter
        assert rule.reasoning in change.reasoning and f"Source: {rule.source}" in change.reasoning
        assert change.old_value == EXAMPLE_SETUP[change.parameter]


async def test_accepting_a_proposal_changes_the_twin_and_shows_in_the_thread(dad):
    session = await start(dad.id)
    _, answer = await debriefs.ask_advisor(dad.id, session.id, ["traction_roll"])
    first = answer.proposals[0]
    change = await setups.accept_change(dad.id, first.change_id)
    twin = await setups.get_twin(dad.id, session.id)
    assert twin.actual[first.parameter] == change.new_value != EXAMPLE_SETUP[first.parameter]
    await setups.deny_change(dad.id, answer.proposals[1].change_id)
    thread = await debriefs.conversation(dad.id, session.id)
    statuses = [p.status for p in thread[1].proposals]
    assert statuses[:2] == [ChangeStatus.ACCEPTED, ChangeStatus.DENIED]


async def test_asking_again_never_repeats_a_pending_change(dad):
    session = await start(dad.id)
    _, first = await debriefs.ask_advisor(dad.id, session.id, ["chatter"])
    _, second = await debriefs.ask_advisor(dad.id, session.id, ["chatter"])
    first_parts = {p.parameter for p in first.proposals}
    assert first_parts and not first_parts & {p.parameter for p in second.proposals}
    assert any(n.startswith("Already waiting for your decision") for n in second.notes)
    pending = await setups.pending_changes(dad.id, session.id)
    assert len({c.parameter for c in pending}) == len(pending)


async def test_what_the_racer_types_is_kept_exactly_as_typed(dad):
    session = await start(dad.id)
    typed = "<b>fast</b> on **lap 3** & <script>x</script>\nthen loose"
    debrief, _ = await debriefs.ask_advisor(dad.id, session.id, [], note=f"  {typed}  ")
    assert debrief.note == typed
    stored = await Message.get(id=debrief.id)
    assert stored.content == typed and stored.data["note"] == typed


@pytest.mark.parametrize(
    ("symptoms", "note", "rating", "field"),
    [
        ([], None, None, "symptoms"),
        (["does_a_backflip"], None, None, "symptoms"),
        ("push_mid", None, None, "symptoms"),
        (["push_mid"], None, 6, "rating"),
        (["push_mid"], None, 2.5, "rating"),
        (["push_mid"], "x" * 1001, None, "note"),
        (["push_mid"], "bell\x07", None, "note"),
    ],
)
async def test_a_bad_debrief_is_refused_and_nothing_is_written(dad, symptoms, note, rating, field):
    session = await start(dad.id)
    with pytest.raises(ValidationError) as error:
        await debriefs.ask_advisor(dad.id, session.id, symptoms, note=note, rating=rating)
    assert field in error.value.errors
    assert await Message.filter(session_id=session.id).count() == 0
    assert await SetupChange.filter(session_id=session.id).count() == 0


async def test_another_racers_session_is_not_found(dad, lena):
    session = await start(dad.id)
    await debriefs.ask_advisor(dad.id, session.id, ["push_mid"])
    for call in (
        debriefs.ask_advisor(lena.id, session.id, ["push_mid"]),
        debriefs.conversation(lena.id, session.id),
        debriefs.debrief_setting(lena.id, session.id),
        debriefs.conversation(dad.id, 2**40),
        debriefs.conversation(dad.id, "1"),
    ):
        with pytest.raises(NotFoundError):
            await call
    assert await Message.filter(session_id=session.id).count() == 2


async def test_an_ended_session_keeps_its_thread_but_takes_no_new_debrief(dad):
    session = await start(dad.id)
    await debriefs.ask_advisor(dad.id, session.id, ["wheelies"])
    await sessions.close_session(dad.id, session.id)
    with pytest.raises(RuleError, match="start a new one on the Event tab"):
        await debriefs.ask_advisor(dad.id, session.id, ["wheelies"])
    assert len(await debriefs.conversation(dad.id, session.id)) == 2


async def test_a_rule_that_made_this_racer_faster_ranks_first_next_time(dad, lena):
    earlier = await start(dad.id, "Last month", {"traction": "High", "surface": "Clay"})
    _, answer = await debriefs.ask_advisor(dad.id, earlier.id, ["push_mid"])
    usual_first = answer.proposals[0]
    favourite = answer.proposals[-1]
    assert favourite.parameter != usual_first.parameter
    change = await setups.accept_change(dad.id, favourite.change_id)
    change.verdict = "faster"
    await change.save(update_fields=["verdict"])
    await sessions.close_session(dad.id, earlier.id)

    today = await start(dad.id, "Today", {"traction": "High"})
    _, answer = await debriefs.ask_advisor(dad.id, today.id, ["push_mid"])
    assert answer.proposals[0].parameter == favourite.parameter
    assert answer.proposals[0].why_ranked == "Worked for you once on high traction"
    assert (
        "Worked for you once on high traction."
        in (await SetupChange.get(id=answer.proposals[0].change_id)).reasoning
    )

    # Another racer's results are theirs alone.
    hers = await start(lena.id, "Her day", {"traction": "High"})
    _, answer = await debriefs.ask_advisor(lena.id, hers.id, ["push_mid"])
    assert answer.proposals[0].parameter == usual_first.parameter
    assert answer.proposals[0].why_ranked is None


async def test_few_practice_rounds_left_means_only_safe_changes(dad):
    session = await start(dad.id, practice_rounds=3)
    assert (await debriefs.debrief_setting(dad.id, session.id)).rounds_left == 3
    for heat in ("Round 1", "Round 2"):
        await RunResult.create(session_id=session.id, heat_name=heat, lap_times=[31.2, 30.8])
    setting = await debriefs.debrief_setting(dad.id, session.id)
    assert (setting.rounds_left, setting.few_rounds_left) == (1, True)
    _, answer = await debriefs.ask_advisor(dad.id, session.id, ["loose_exit", "bottoming"])
    safe = {r.id for r in rule_book().rules if r.safe}
    rule_ids = {c.rule_id for c in await setups.pending_changes(dad.id, session.id)}
    assert rule_ids and rule_ids <= safe
    assert (
        answer.notes[0]
        == "Only 1 practice round left: only quick, small changes that are easy to undo."
    )


def test_choices_from_chips_come_back_in_offered_order_once_each():
    options = ["a", "b", "c"]
    assert validation.choice_list(["c", "a", "c"], "Picks", options, max_items=3) == ["a", "c"]
    assert validation.choice_list(None, "Picks", options, max_items=3) == []
    for bad in ("a", ["a", "z"], [1], ["a"] * 13):
        with pytest.raises(validation.InvalidValue):
            validation.choice_list(bad, "Picks", options, max_items=3)


async def test_a_part_named_like_a_number_stays_text_in_the_change_log(dad):
    session = await start(dad.id)
    await setups.edit_twin(dad.id, session.id, {"front_spring": "1.6", "front_sway_bar": 2.5},
                           expected_version=session.version)  # fmt: skip
    _, answer = await debriefs.ask_advisor(dad.id, session.id, ["bottoming"])
    spring = next(p for p in answer.proposals if p.parameter == "front_spring")
    assert spring.change == "1.6 → Stiffer than 1.6"
    logged = {(c.parameter, c.status): c for c in await setups.change_log(dad.id, session.id)}
    manual = logged[("front_spring", ChangeStatus.ACCEPTED)]
    assert (manual.old_value, manual.new_value) == ("Green", "1.6")
    assert logged[("front_sway_bar", ChangeStatus.ACCEPTED)].new_value == 2.5
    proposed = logged[("front_spring", ChangeStatus.PENDING)]
    assert (proposed.old_value, proposed.new_value) == ("1.6", "Stiffer than 1.6")

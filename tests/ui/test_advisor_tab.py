"""The Advisor tab as a racer uses it: debrief in a few taps, read the answer, accept a change."""

from datetime import date

from nicegui.testing import User

from models import ChangeStatus, Message, SetupChange
from models.setup_sheet import EXAMPLE_SETUP
from services import garage, profile_service, sessions, setups
from tests.ui.test_racer_selector import open_app


async def default_racer_in_session(practice_rounds: int = 6):
    racer = await profile_service.get_or_create_default_profile()
    car = await garage.add_vehicle(racer.id, "Tekno", "NB48 2.2", reference_setup=EXAMPLE_SETUP)
    session = await sessions.start_session(
        racer.id, car.id, "Hilltop practice", "Practice", date(2026, 5, 17),
        track_context={"traction": "High", "condition": "Bumpy"}, practice_rounds=practice_rounds,
    )  # fmt: skip
    return racer, session


async def open_advisor(user: User) -> None:
    await open_app(user)
    user.find(marker="tab-advisor").click()


async def test_without_a_session_the_advisor_says_what_to_do(user: User):
    await open_advisor(user)
    await user.should_see(marker="advisor-no-session")
    await user.should_see("Start a session on the Event tab", retries=20)


async def test_from_debrief_to_an_accepted_change(user: User):
    racer, session = await default_racer_in_session()
    await open_advisor(user)
    await user.should_see(marker="debrief")
    await user.should_see("Hilltop practice · High traction · Bumpy · 6 practice rounds left")

    # Three taps and a send.
    user.find(marker="symptom-bottoming").click()
    user.find(marker="symptom-chatter").click()
    user.find(marker="feel-2").click()
    user.find(marker="debrief-note").type("<b>big</b> triple **hurts**")
    user.find(marker="ask-advisor").click()
    await user.should_see(marker="advisor-message", retries=50)

    pending = await SetupChange.filter(session_id=session.id, status="pending").order_by("id")
    assert len(pending) >= 2 and all(c.source == "advisor" and c.rule_id for c in pending)
    await user.should_see("changes waiting for you in the Setup tab")
    await user.should_see(marker="racer-message")
    await user.should_see("Chatters over bumps, Bottoms on landings")
    await user.should_see("Feel 2/5, Poor")
    await user.should_see("<b>big</b> triple **hurts**")  # shown as typed, not as markup
    await user.should_see("Source: HUDY Off-Road Set-up Book", retries=20)
    await user.should_see("Suits bumpy tracks")
    first = pending[0]
    await user.should_see(marker=f"proposal-{first.id}")

    # The proposal links to the Setup tab, where the racer accepts it.
    user.find(marker=f"open-setup-{first.id}").click()
    await user.should_see(marker=f"accept-{first.id}", retries=50)
    user.find(marker=f"accept-{first.id}").click()
    await user.should_see("Accepted:", retries=50)
    twin = await setups.get_twin(racer.id, session.id)
    assert twin.actual[first.parameter] == first.new_value != EXAMPLE_SETUP[first.parameter]

    # Back in the conversation the proposal shows what became of it.
    user.find(marker="tab-advisor").click()
    await user.should_see(marker=f"status-{first.id}", retries=50)
    assert (await SetupChange.get(id=first.id)).status == ChangeStatus.ACCEPTED
    assert await Message.filter(session_id=session.id).count() == 2


async def test_an_empty_debrief_is_refused_beside_the_button(user: User):
    _, session = await default_racer_in_session()
    await open_advisor(user)
    await user.should_see(marker="ask-advisor")
    user.find(marker="ask-advisor").click()
    await user.should_see("Tap what the car does, rate how it felt, or add a note")
    assert await Message.filter(session_id=session.id).count() == 0


async def test_a_half_done_debrief_survives_leaving_the_tab(user: User):
    await default_racer_in_session()
    await open_advisor(user)
    await user.should_see(marker="debrief")
    user.find(marker="symptom-wheelies").click()
    user.find(marker="feel-4").click()
    user.find(marker="tab-garage").click()
    await open_advisor(user)  # a reload of the page
    await user.should_see(marker="symptom-wheelies")
    chip = user.find(marker="symptom-wheelies").elements.pop()
    assert "color=primary" in " ".join(f"{k}={v}" for k, v in chip.props.items())


async def test_few_rounds_left_is_said_before_asking(user: User):
    await default_racer_in_session(practice_rounds=2)
    await open_advisor(user)
    await user.should_see(marker="few-rounds")
